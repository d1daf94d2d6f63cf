package transport

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"

	"github.com/ergomcp/ergomcp/internal/catalog"
	"github.com/ergomcp/ergomcp/internal/redact"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Audit outcomes.
const (
	outcomeOK        = "ok"
	outcomeError     = "error"
	outcomeTimeout   = "timeout"
	outcomeCancelled = "cancelled"
	outcomeRefused   = "refused"
)

// toolHandler adapts t to the go-sdk's raw tool handler; decoding is
// catalog's, so that errors read the same over MCP and over Ergo.
func (h *Handler) toolHandler(t *catalog.Tool) mcp.ToolHandler {
	return func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		rec := catalog.AuditRecord{Time: time.Now(), Caller: callerOf(req), Tool: t.Name}
		res, err := h.call(ctx, t, req, &rec)
		rec.Duration = time.Since(rec.Time)
		// Error texts may quote what the caller sent; the record must not
		// (node names stay: they say where), and the answer must not carry
		// a secret argument back out.
		rec.Error = redact.ArgValues(rec.Error, req.Params.Arguments, "node")
		if res != nil && res.IsError {
			for _, c := range res.Content {
				if tc, ok := c.(*mcp.TextContent); ok {
					tc.Text = redact.SecretArgs(tc.Text, req.Params.Arguments)
				}
			}
		}
		if h.cfg.Audit != nil {
			h.cfg.Audit(rec)
		}
		return res, err
	}
}

// call runs one tools/call and fills in rec's outcome. A non-nil error is
// returned only for cancellation, where no result can reach the client.
func (h *Handler) call(ctx context.Context, t *catalog.Tool, req *mcp.CallToolRequest, rec *catalog.AuditRecord) (*mcp.CallToolResult, error) {
	args, err := t.Decode(req.Params.Arguments)
	if err != nil {
		return failed(rec, outcomeError, err.Error())
	}
	common := catalog.CommonOf(args)
	rec.Node = common.Node
	// The policy is not checked here: the Invoker checks it where the tool
	// runs, and answers Refused (the transport only hides from tools/list
	// what the policy refuses).

	// Close cancels through h.stop; the client cancels through ctx (the
	// go-sdk cancels it on notifications/cancelled, with no cause), by
	// closing its session, or by dropping the connection that carries the
	// call, whose response then has nowhere to go.
	peer := ctx
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	defer context.AfterFunc(h.stop, func() { cancel(context.Cause(h.stop)) })()
	if req.Session != nil {
		defer h.sessions.addCall(req.Session.ID(), cancel)()
	}
	if conn, tracked, ok := h.carriers.carrier(req); tracked && !ok {
		cancel(errDisconnected)
	} else if tracked {
		defer context.AfterFunc(conn, func() { cancel(errDisconnected) })()
	}
	limit := time.Duration(common.Timeout) * time.Second
	timedOut := fmt.Errorf("tool %s timed out after %ds", t.Name, common.Timeout)
	ctx, cancelTimeout := context.WithTimeoutCause(ctx, limit, timedOut)
	defer cancelTimeout()

	call := &catalog.Call{Tool: t, Args: args, Raw: req.Params.Arguments, Caller: rec.Caller}
	if token := req.Params.GetProgressToken(); token != nil {
		p := &progress{ctx: ctx, session: req.Session, token: token, logger: h.cfg.Logger}
		call.Progress = p.send
		defer p.stop()
	}

	if !h.startCall() {
		rec.Outcome, rec.Error = outcomeCancelled, errClosed.Error()
		return nil, errClosed
	}
	// The Invoker is the one that waits on ctx (catalog.Invoker returns
	// promptly once ctx ends): it runs on this goroutine, and whatever it
	// answers after ctx ended is superseded by why ctx ended.
	res := h.invoke(ctx, call)
	h.calls.Done()
	if ctx.Err() == nil {
		switch {
		case res.Refused:
			return failed(rec, outcomeRefused, res.Text)
		case res.IsError:
			return failed(rec, outcomeError, res.Text)
		}
		rec.Outcome = outcomeOK
		return textResult(res.Text, false), nil
	}
	cause := context.Cause(ctx)
	switch {
	case cause == timedOut:
		return failed(rec, outcomeTimeout, cause.Error())
	case peer.Err() != nil && context.Cause(peer) == context.Canceled:
		// notifications/cancelled: the spec wants no response at all.
		rec.Outcome, rec.Error = outcomeCancelled, errCancelledByClient.Error()
		return nil, h.silence.err()
	case cause == errDisconnected:
		// Kept in the event store: a client that reconnects with
		// Last-Event-ID learns what became of its call.
		return failed(rec, outcomeCancelled, cause.Error())
	}
	rec.Outcome, rec.Error = outcomeCancelled, cause.Error()
	return nil, cause
}

var (
	errDisconnected      = errors.New("ergomcp: call cancelled: the HTTP connection that carried it closed")
	errCancelledByClient = errors.New("ergomcp: call cancelled by the client (notifications/cancelled)")
)

// invoke runs the Invoker, turning a panic into an error result: it runs on
// a go-sdk request goroutine, where a panic would take the whole node down.
func (h *Handler) invoke(ctx context.Context, call *catalog.Call) (res catalog.Result) {
	defer func() {
		if p := recover(); p != nil {
			h.logs.log(slog.LevelError, "panic", "ergomcp: tool invoker panicked", "tool", call.Tool.Name, "panic", p, "stack", string(debug.Stack()))
			res = catalog.Result{Text: fmt.Sprintf("tool %s failed: internal error (details in the node log)", call.Tool.Name), IsError: true}
		}
	}()
	return h.cfg.Invoker.Invoke(ctx, call)
}

// failed records a failed outcome and returns it as a tool error the agent
// reads, rather than a protocol error it cannot act on.
func failed(rec *catalog.AuditRecord, outcome, msg string) (*mcp.CallToolResult, error) {
	rec.Outcome, rec.Error = outcome, msg
	return textResult(msg, true), nil
}

func textResult(text string, isError bool) *mcp.CallToolResult {
	return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: text}}, IsError: isError}
}

// progress forwards catalog.Call.Progress to the client as
// notifications/progress until stop. Sending under the lock serialises the
// notifications and makes stop wait for one in flight, so none can follow
// the call's response on the stream.
type progress struct {
	ctx     context.Context // carries the request id the go-sdk routes by
	session *mcp.ServerSession
	token   any
	logger  *slog.Logger

	mu      sync.Mutex
	stopped bool
}

func (p *progress) send(done, total float64, message string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stopped {
		return
	}
	err := p.session.NotifyProgress(p.ctx, &mcp.ProgressNotificationParams{
		ProgressToken: p.token,
		Progress:      done,
		Total:         total,
		Message:       message,
	})
	if err != nil {
		p.logger.Debug("ergomcp: progress notification not sent", "error", err)
	}
}

func (p *progress) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stopped = true
}
