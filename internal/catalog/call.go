package catalog

import (
	"context"
	"encoding/json"
	"time"
)

// Call is one tool invocation as the transport hands it to whoever runs
// tools (the Ergo dispatcher, or a test double).
type Call struct {
	// Tool is the registered tool being called.
	Tool *Tool
	// Args are the decoded arguments (a pointer to the tool's argument
	// struct, from Tool.Decode). Common(Args) gives node and timeout.
	Args any
	// Raw is the JSON text Args were decoded from, when there was one (the
	// MCP client's arguments): a remote hop sends it as it came instead of
	// encoding Args again. Its node may be a short name or "*": the target
	// takes node to mean itself.
	Raw json.RawMessage
	// Caller identifies who called: the token subject, "anonymous" or a
	// remote node name.
	Caller string
	// Progress, when not nil, sends an MCP progress notification. Safe to
	// call from any goroutine until the call returns; later calls are dropped.
	Progress func(progress, total float64, message string)
}

// Result is what a tool call produced: Text is the single text block
// (compact JSON for successful calls), IsError marks a failure the caller
// should read.
type Result struct {
	Text    string
	IsError bool
	// Timeout marks an error caused by a deadline: the call's own or that
	// of a remote hop it made.
	Timeout bool
	// Refused marks a call the policy refused before it ran.
	Refused bool
}

// Invoker runs tool calls. ctx carries the call deadline and is cancelled
// when the client cancels; Invoke must return promptly after that.
type Invoker interface {
	Invoke(ctx context.Context, call *Call) Result
}

// InvokerFunc adapts a function to Invoker.
type InvokerFunc func(ctx context.Context, call *Call) Result

// Invoke calls f.
func (f InvokerFunc) Invoke(ctx context.Context, call *Call) Result { return f(ctx, call) }

// AuditRecord describes one finished tool call for the audit hook.
type AuditRecord struct {
	Time     time.Time     // when the call started
	Caller   string        // token subject, "anonymous", or remote node
	Tool     string        // tool name
	Node     string        // target node ("" = local)
	Outcome  string        // "ok", "error", "timeout", "cancelled", "refused"
	Error    string        // error text for failed calls, without arguments
	Duration time.Duration // wall time of the call
}

// RawArgs is a convenience for tests and proxies: the JSON text of args.
func RawArgs(args any) json.RawMessage {
	b, err := json.Marshal(args)
	if err != nil {
		return nil
	}
	return b
}
