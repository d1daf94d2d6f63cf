package ergomcp

import (
	"context"
	"net/http"
	"time"

	"ergo.services/ergo/gen"
)

// Options configure the ergomcp application. The zero value is a working
// configuration: MCP over HTTP on localhost:9922 is NOT implied — Port 0
// means agent mode (no HTTP listener; the node still answers calls that
// reach it over the Ergo cluster).
type Options struct {
	// Host is the address the HTTP listener binds to. Default "localhost".
	// A non-loopback host needs Token or TokenVerifier (see
	// InsecureAllowUnauthenticatedRemote).
	Host string
	// Port of the HTTP listener. 0 (the default) starts no listener: agent
	// mode, reachable only through another node's ergomcp.
	Port uint16
	// Path of the MCP endpoint. Default "/mcp".
	Path string

	// Token, when set, is the static bearer token every HTTP request must
	// carry ("Authorization: Bearer <Token>"). It is compared in constant
	// time and never appears in any result, log line or inspect output.
	Token string
	// TokenVerifier, when set, authenticates bearer tokens instead of Token
	// and returns the caller's identity (it appears in the audit record).
	TokenVerifier func(ctx context.Context, token string, r *http.Request) (subject string, err error)
	// InsecureAllowUnauthenticatedRemote lets the listener bind a
	// non-loopback Host without any token. Off by default: anyone who can
	// reach the port could then read the node's internals.
	InsecureAllowUnauthenticatedRemote bool

	// AllowedOrigins are browser Origins accepted besides same-origin ones.
	// Requests without an Origin header (CLI clients, agents) always pass;
	// any other Origin gets 403. Default none.
	AllowedOrigins []string
	// AllowedHosts are the Host header values accepted (host or host:port).
	// Default: any Host, with DNS-rebinding protection for loopback listeners.
	AllowedHosts []string
	// CertManager, when set, serves HTTPS with its certificate.
	CertManager gen.CertManager

	// PoolSize is the number of dispatcher workers that run tool calls
	// concurrently. Default 8, at most 256.
	PoolSize int
	// EnableActions allows the mutating and action tools (log_level_set,
	// network_connect, send_message, process_kill...). Off by default:
	// they are refused at call time.
	EnableActions bool
	// AllowTools, when not empty, limits the tools that may run to these
	// names or path.Match patterns ("process_*"). Default: all.
	AllowTools []string
	// DenyTools lists tools (names or patterns) that never run. Wins over
	// AllowTools and EnableActions.
	DenyTools []string

	// Tools are tools of the service's own, served beside ergomcp's (see
	// NewTool): under the same policy (AllowTools, DenyTools and, for
	// mutating and action tools, EnableActions), response budget and audit
	// log. A name already taken, or a declaration NewTool could not make
	// sense of, stops ergomcp from starting. Default none.
	Tools []Tool

	// RefuseRemoteCalls refuses tool calls that other nodes' ergomcp send
	// here (the cluster proxy, the node argument of every tool). Off by
	// default: agent mode (Port 0) is reached only that way. The node's own
	// policy (EnableActions, AllowTools, DenyTools) applies to remote calls
	// as to local ones.
	RefuseRemoteCalls bool

	// ResponseBudget caps a tool result, in bytes. Lists that do not fit are
	// cut and marked truncated. Default 256 KiB, at most 4 MiB.
	ResponseBudget int
	// MaxSessions caps concurrent MCP sessions. Default 256.
	MaxSessions int
	// SessionTimeout closes MCP sessions idle this long. Default 30 minutes.
	SessionTimeout time.Duration

	// MaxSamplers caps the samplers (sample_start, sample_listen) running
	// or lingering at once on this node; more are refused. Default 32, at
	// most 1024.
	MaxSamplers int
	// SamplerBytes is the memory one sampler's buffer may hold, in bytes;
	// a sample larger than an eighth of it (or than ResponseBudget less
	// 2 KiB) is stored truncated. Default 2 MiB, 64 KiB..256 MiB.
	SamplerBytes int
	// SamplerMemory caps the memory of all samplers' buffers together, in
	// bytes: each sampler reserves its share when it starts, and a start
	// that does not fit is refused. Default 64 MiB (or SamplerBytes when
	// larger), from SamplerBytes up to 1 GiB.
	SamplerMemory int

	// DisableHistory turns the node's history off: no collector runs and
	// node_history answers that it is off. Off by default: the history
	// is kept from the moment ergomcp starts.
	DisableHistory bool
	// HistoryInterval is the time between two points of the history.
	// Default 10 s, 10 ms..1 min.
	HistoryInterval time.Duration
	// HistoryFull is how long points are kept at full resolution. Default
	// 1 h (or 1440 intervals when that is less); 10..1440 intervals.
	HistoryFull time.Duration
	// HistoryCoarseStep is the resolution of older points. Default 1 min
	// (or two intervals when longer); at least two intervals.
	HistoryCoarseStep time.Duration
	// HistoryRetention is how far back coarse points go. Default 24 h (or
	// 1440 coarse steps when that is less); at most 1440 coarse steps. At
	// the ceilings the history holds about 1.3 MiB, whatever the node.
	HistoryRetention time.Duration

	// LogLevel of ergomcp's own processes. Default gen.LogLevelDefault:
	// inherit the node's.
	LogLevel gen.LogLevel
}
