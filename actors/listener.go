package actors

import (
	"context"
	"time"

	"ergo.services/ergo/act"
	"ergo.services/ergo/gen"

	"github.com/ergomcp/ergomcp/internal/catalog"
	"github.com/ergomcp/ergomcp/internal/prompts"
	"github.com/ergomcp/ergomcp/tools"
	"github.com/ergomcp/ergomcp/transport"
)

// shutdownGrace is how long in-flight HTTP requests get when the listener
// stops before their connections are closed.
const shutdownGrace = 5 * time.Second

// listener owns the HTTP server and the MCP handler. Each tools/call goes
// to the Router, on the go-sdk's goroutine; the HTTP goroutines never
// touch process state.
type listener struct {
	act.Actor
	handler *transport.Handler
	server  *transport.Server
	url     string
}

func (l *listener) Init(args ...any) error {
	cfg, rt := args[0].(*Config), args[1].(*tools.Server)
	hc := cfg.HTTP
	hc.Registry = rt.Tools.Catalog()
	hc.Prompts = prompts.Catalog()
	hc.Policy = cfg.Policy
	hc.Invoker = &Router{Node: l.Node(), Server: rt}
	hc.Audit = auditLogger(l.Node().Log(), rt)
	// The node's logger, not the listener's: the transport logs from HTTP
	// goroutines.
	hc.Logger = newNodeLogger(l.Node().Log())
	hc.Instructions = rt.Instructions(l)
	h, err := transport.New(hc)
	if err != nil {
		return err
	}
	srv, err := transport.Listen(cfg.Addr, h, cfg.TLS)
	if err != nil {
		h.Close()
		return err
	}
	l.handler, l.server, l.url = h, srv, srv.URL(hc.Path)
	l.Log().Info("ergomcp: MCP endpoint %s", l.url)
	return nil
}

// Terminate ends the MCP sessions first: their SSE streams never go idle,
// so the HTTP server could not shut down gracefully around them.
func (l *listener) Terminate(reason error) {
	if err := l.handler.Close(); err != nil {
		l.Log().Warning("ergomcp: closing MCP sessions: %s", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := l.server.Shutdown(ctx); err != nil {
		l.Log().Warning("ergomcp: listener shutdown: %s", err)
	}
}

// auditLogger records each tool call in the node's audit ring and log.
// It runs on HTTP goroutines, so it uses the node's logger, which is safe
// from any goroutine, not the listener's process logger.
func auditLogger(log gen.Log, rt *tools.Server) func(catalog.AuditRecord) {
	return func(r catalog.AuditRecord) {
		rt.Audit.Add(r)
		auditLog(log, r)
	}
}

// auditLog writes the audit line of one call. Argument values are never
// part of the record.
func auditLog(log gen.Log, r catalog.AuditRecord) {
	node := r.Node
	if node == "" {
		node = "local"
	}
	if r.Outcome == "ok" {
		log.Info("ergomcp audit: caller=%q tool=%s node=%s outcome=ok duration=%s", r.Caller, r.Tool, node, r.Duration)
		return
	}
	log.Warning("ergomcp audit: caller=%q tool=%s node=%s outcome=%s duration=%s error=%q", r.Caller, r.Tool, node, r.Outcome, r.Duration, r.Error)
}

// HandleInspect shows where the endpoint is; nothing secret (the token,
// TLS material) is part of it.
func (l *listener) HandleInspect(from gen.PID, item ...string) map[string]string {
	return map[string]string{"url": l.url}
}
