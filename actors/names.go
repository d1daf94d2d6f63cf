// Package actors holds ergomcp's processes: the supervisor tree, the MCP
// listener, the dispatcher pool that runs tool calls with native access to
// the node, and the samplers supervisor. Each is a small act behaviour; the
// logic they run lives in the ergo-free packages (transport, internal/catalog,
// internal/...).
package actors

import (
	"ergo.services/ergo/gen"

	"github.com/ergomcp/ergomcp/tools"
)

// Registered names. The ergomcp prefix keeps them clear of the host
// application's names.
const (
	SupervisorName gen.Atom = "ergomcp_sup"
	ListenerName   gen.Atom = "ergomcp_listener"
	DispatcherName gen.Atom = tools.DispatcherName
	SamplersName   gen.Atom = tools.SamplersName
)
