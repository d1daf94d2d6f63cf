// Package tools holds ergomcp's tools: one file per tool, each registering
// itself with one call to register. A tool handler runs inside a dispatcher
// worker, a real process, so it reads the node natively (process tables,
// Inspect, Call) and returns a value the runtime encodes within the
// response budget.
package tools

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/ergomcp/ergomcp/internal/logcount"
	"reflect"
	"runtime/debug"

	"ergo.services/ergo/gen"

	"github.com/ergomcp/ergomcp/internal/audit"
	"github.com/ergomcp/ergomcp/internal/capability"
	"github.com/ergomcp/ergomcp/internal/catalog"
	"github.com/ergomcp/ergomcp/internal/history"
	"github.com/ergomcp/ergomcp/internal/peers"
	"github.com/ergomcp/ergomcp/internal/result"
	"github.com/ergomcp/ergomcp/sampler"
)

// Registry lists every tool ergomcp serves.
var Registry catalog.Registry

type handler func(env *Env, args any) (any, error)

var handlers = map[string]handler{}

// register adds a tool: its description and argument type A go to the
// catalog, run to the dispatcher. Called from each tool file's init.
func register[A any](t catalog.Tool, run func(env *Env, args *A) (any, error)) {
	tool := catalog.Define[A](t)
	Registry.Add(tool)
	handlers[tool.Name] = func(env *Env, args any) (any, error) { return run(env, args.(*A)) }
}

// Server is one ergomcp tool server: what every tool call shares: the policy, the response budget
// and what the running ergo offers, probed once at start.
type Server struct {
	// Policy is checked once per node a call reaches: by actors.Router on
	// the entry node, by ServeRemote on a target; Run does not check it.
	Policy catalog.Policy
	// Budget caps the bytes of one result.
	Budget int
	// Samplers is the node's sampler registry, shared by the sampler tools
	// and the sampler actors; nil where no samplers supervisor runs.
	Samplers *sampler.Registry
	// Audit remembers the node's recent tool calls for audit_log.
	Audit *audit.Log
	// History is the node's recent past (node_history); nil when off.
	History *history.Store

	shortInfo capability.ShortInfo
	node      capability.Node
	logs      *logcount.Counter // the node's log since start, for diagnose; nil if refused
	// Peers is what ergomcp saw of the other nodes (the dispatcher's
	// watch feeds it): fan-out, errors, network_nodes and diagnose read it.
	Peers peers.Memory
	hops  hopBudget // calls waiting on other nodes, see callPeer
}

// NewServer probes node once.
func NewServer(node gen.Node, policy catalog.Policy, budget int) *Server {
	return &Server{
		Policy:    policy,
		Budget:    budget,
		Audit:     audit.New(audit.DefaultSize),
		shortInfo: capability.ProbeShortInfo(reflect.TypeFor[gen.ProcessShortInfo]()),
		node:      capability.ProbeNode(node),
		logs:      startLogCounter(node),
	}
}

// Env is a tool's view of the call it serves.
type Env struct {
	// Ctx carries the deadline and the caller's cancellation.
	Ctx context.Context
	// Process is the dispatcher worker running the call; nil for Long tools,
	// which run on the caller's goroutine and must not use it.
	Process gen.Process
	// Server is the tool server the call runs on.
	Server *Server
	// Call is the call itself (caller, progress).
	Call *catalog.Call

	node gen.Node
}

// Node is the node the tool runs on.
func (e *Env) Node() gen.Node {
	if e.node == nil {
		return e.Process.Node()
	}
	return e.node
}

// gather is how many rows a list tool collects for a limit: the rows its
// offset skips come first (see catalog.Page).
func (e *Env) gather(limit int) int {
	if e.Call != nil {
		if p := catalog.PageOf(e.Call.Args); p != nil {
			return limit + p.Offset
		}
	}
	return limit
}

// progress reports progress to the caller when it asked for it.
func (e *Env) progress(done, total float64, message string) {
	if e.Call != nil && e.Call.Progress != nil {
		e.Call.Progress(done, total, message)
	}
}

// ErrPanicked is the reason a dispatcher worker stops with after a tool
// panicked in it: the pool replaces it rather than trust its state.
var ErrPanicked = errors.New("ergomcp: tool panicked")

// Run executes call, a call for this node, on process p (a dispatcher
// worker, or a sampler) and always returns a result: tool errors and
// panics become isError results. panicked reports a recovered panic,
// after which the worker should be replaced. Where the call runs and
// whether the policy allows it were decided before (actors.Router, or the
// target's ServeRemote).
func (rt *Server) Run(ctx context.Context, p gen.Process, call *catalog.Call) (res catalog.Result, panicked bool) {
	return rt.run(&Env{Ctx: ctx, Process: p, Server: rt, Call: call, node: p.Node()})
}

// RunDirect executes a Long tool for this node on the caller's goroutine:
// such tools (profiles, windows) need no process, and running them here
// keeps the dispatcher workers free for local callers however long those
// take.
func (rt *Server) RunDirect(ctx context.Context, node gen.Node, call *catalog.Call) catalog.Result {
	res, _ := rt.run(&Env{Ctx: ctx, Server: rt, Call: call, node: node})
	return res
}

// handlerOf is the one place run looks up a tool's handler.
func handlerOf(name string) (handler, bool) {
	h, ok := handlers[name]
	return h, ok
}

// run runs the handler and encodes its value within the budget.
func (rt *Server) run(env *Env) (res catalog.Result, panicked bool) {
	call, node := env.Call, env.node
	name := call.Tool.Name
	defer func() {
		if r := recover(); r != nil {
			node.Log().Error("ergomcp: tool %s panicked: %v\n%s", name, r, debug.Stack())
			res, panicked = catalog.Result{IsError: true, Text: fmt.Sprintf("internal error: tool %s panicked: %v", name, r)}, true
		}
	}()
	h, ok := handlerOf(name)
	if !ok {
		return errorResult(catalog.Errorf("unknown tool %q", name)), false
	}
	v, err := h(env, call.Args)
	if err != nil {
		return errorResult(err), false
	}
	if list, ok := v.(*result.List); ok {
		if page := catalog.PageOf(call.Args); page != nil {
			list.Offset, list.Records = page.Offset, page.Format == "records"
			list.Next = func(offset int) json.RawMessage { return call.Tool.NextCall(call.Args, offset) }
		}
	}
	text, err := encode(v, rt.Budget)
	if err != nil {
		return errorResult(err), false
	}
	return catalog.Result{Text: text}, false
}

func encode(v any, budget int) (string, error) {
	switch v := v.(type) {
	case *result.List:
		return v.Encode(budget)
	case []byte:
		return encode(string(v), budget)
	case string:
		if len(v) > budget {
			return "", catalog.Errorf("result of %d bytes exceeds the response budget of %d bytes (Options.ResponseBudget)", len(v), budget)
		}
		return v, nil
	}
	return result.Object(v, budget)
}

// errorResult is err as the caller reads it: its whole chain, the context
// wrapped around a catalog.Error included.
func errorResult(err error) catalog.Result {
	return catalog.Result{IsError: true, Text: err.Error()}
}
