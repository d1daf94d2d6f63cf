// Package remote defines how one ergomcp asks another to run a tool: the
// messages that cross the Ergo network between nodes and the rules both
// sides apply to them (protocol version, deadline, caller identity). It
// imports nothing from ergo: the ergo side registers these types with the
// network's encoder and carries them.
package remote

import (
	"fmt"
	"time"
)

// Protocol is the version of the messages below. A node answers a request
// of another version with an error that names both, so nodes running
// different ergomcp releases fail clearly instead of misreading each other.
// Version 2: Args are the arguments as the MCP client sent them, no longer
// encoded again with node set to the target's full name (see Args).
const Protocol = 2

// MinHop is the least time a remote call is worth sending with: below it
// the answer could not come back before the caller's deadline.
const MinHop = 50 * time.Millisecond

// Request asks the ergomcp dispatcher of another node to run a tool. An
// empty Tool is a ping: the dispatcher answers at once, which measures the
// round trip to the peer's ergomcp.
type Request struct {
	Protocol int
	Tool     string
	// Args is the JSON object of the tool's arguments, as text (the
	// network encoder carries strings, not json.RawMessage): the text the
	// entry node decoded, sent as it came. Its node may be a short name or
	// "*" (one call of a fan-out): the target takes node to mean itself.
	Args string
	// Caller is who called on the entry node.
	Caller string
	// TimeoutMs is what is left of the caller's deadline when sent; the
	// target node bounds its own work by it.
	TimeoutMs int64
}

// Response is the answer: the same text and error flag as a local call.
type Response struct {
	Protocol int
	Text     string
	IsError  bool
}

// NewRequest builds a request with what remains of deadline at now. It
// fails when too little remains for a round trip.
func NewRequest(tool, args, caller string, deadline, now time.Time) (Request, error) {
	left := deadline.Sub(now)
	if left < MinHop {
		return Request{}, fmt.Errorf("only %s left of the call's deadline: not enough for a remote call", left.Round(time.Millisecond))
	}
	return Request{Protocol: Protocol, Tool: tool, Args: args, Caller: caller, TimeoutMs: left.Milliseconds()}, nil
}

// Check is what the target node verifies before running a request.
func (r Request) Check() error {
	if r.Protocol != Protocol {
		return fmt.Errorf("ergomcp remote protocol %d is not spoken here (this node speaks %d): run the same ergomcp release on both nodes", r.Protocol, Protocol)
	}
	if r.TimeoutMs <= 0 {
		return fmt.Errorf("remote call arrived with no time left (timeout %d ms)", r.TimeoutMs)
	}
	return nil
}

// Deadline is when the target node must have answered, measured from
// when the request arrived.
func (r Request) Deadline(arrived time.Time) time.Time {
	return arrived.Add(time.Duration(r.TimeoutMs) * time.Millisecond)
}

// RemoteCaller names a caller that came through another node, for audit
// records and tool arguments alike.
func RemoteCaller(node, caller string) string {
	if caller == "" {
		caller = "anonymous"
	}
	return fmt.Sprintf("%s via %s", caller, node)
}

// CheckResponse verifies the answer's protocol.
func (r Response) CheckResponse() error {
	if r.Protocol != Protocol {
		return fmt.Errorf("the peer answered with ergomcp remote protocol %d, this node speaks %d: run the same ergomcp release on both nodes", r.Protocol, Protocol)
	}
	return nil
}

// CallSeconds turns what is left of a deadline into the whole seconds an
// Ergo Call waits, rounding up: the caller waits on its own deadline to
// the millisecond and reports the peer by name then, so the Call must not
// give up first (rounding down cut a 4.9 s deadline to 4 s). Ergo waits
// at least a second.
func CallSeconds(left time.Duration) int {
	return max(int((left+time.Second-1)/time.Second), 1)
}
