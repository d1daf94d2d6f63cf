package actors

import (
	"crypto/tls"
	"fmt"

	"ergo.services/ergo/gen"

	"github.com/ergomcp/ergomcp/internal/catalog"
	"github.com/ergomcp/ergomcp/internal/history"
	"github.com/ergomcp/ergomcp/internal/logcount"
	"github.com/ergomcp/ergomcp/sampler"
	"github.com/ergomcp/ergomcp/tools"
	"github.com/ergomcp/ergomcp/transport"
)

// Config is the validated, defaulted configuration the processes run with.
// The root package builds it from ergomcp.Options.
type Config struct {
	// Listen is false in agent mode: no HTTP listener is started.
	Listen bool
	// Addr is host:port for the listener.
	Addr string
	// TLS, when not nil, serves HTTPS.
	TLS *tls.Config
	// HTTP configures the MCP handler; Registry (from Tools), Policy and Invoker are
	// filled by the listener.
	HTTP transport.Config
	// Tools are the tools the node serves: the built-ins and the
	// service's own. Required.
	Tools *tools.Registry
	// Policy decides which tools may run.
	Policy catalog.Policy
	// Budget caps the bytes of one tool result.
	Budget int
	// PoolSize is the number of dispatcher workers.
	PoolSize int
	// RefuseRemote refuses tool calls that arrive from other nodes.
	RefuseRemote bool
	// LogLevel of ergomcp's processes.
	LogLevel gen.LogLevel
	// Samplers are the ceilings of the samplers (zero fields: defaults).
	Samplers sampler.Limits
	// History is the node's history, kept by the collector; nil when
	// Options.DisableHistory. It lives as long as the configuration, so a
	// restarted supervisor continues it.
	History *history.Store
	// Logs counts the node's log for diagnose and the history; like the
	// history it lives as long as the configuration (the history names
	// its log sources by the counter's slots).
	Logs *logcount.Counter
}

// MaxPoolSize bounds Config.PoolSize.
const MaxPoolSize = 256

func (c *Config) validate() error {
	if c.Tools == nil {
		return fmt.Errorf("ergomcp: no tools (Config.Tools is nil)")
	}
	if c.PoolSize < 1 || c.PoolSize > MaxPoolSize {
		return fmt.Errorf("ergomcp: pool size %d out of range 1..%d", c.PoolSize, MaxPoolSize)
	}
	return nil
}
