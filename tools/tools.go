// Package tools holds ergomcp's tools: one file per tool, each declaring
// itself with one call to register; a Server serves them, with the
// service's own, from the Registry it owns. A tool handler runs inside a dispatcher
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
	"slices"

	"ergo.services/ergo/gen"

	"github.com/ergomcp/ergomcp/internal/audit"
	"github.com/ergomcp/ergomcp/internal/capability"
	"github.com/ergomcp/ergomcp/internal/catalog"
	"github.com/ergomcp/ergomcp/internal/history"
	"github.com/ergomcp/ergomcp/internal/peers"
	"github.com/ergomcp/ergomcp/internal/result"
	"github.com/ergomcp/ergomcp/sampler"
)

// Tool is one tool as a single value: its description, the decoder of its
// typed arguments with their declared bounds (catalog.Tool) and the typed
// handler that runs it. Build it with New.
type Tool struct {
	*catalog.Tool
	run func(env *Env, args any) (any, error)
}

// New declares a tool whose arguments are A (a struct embedding
// catalog.Common, bounds in its arg tags) and whose handler is run. The
// error says what is wrong with the declaration.
func New[A any](t catalog.Tool, run func(env *Env, args *A) (any, error)) (*Tool, error) {
	if run == nil {
		return nil, fmt.Errorf("tool %q has no handler", t.Name)
	}
	desc, err := catalog.New[A](t)
	if err != nil {
		return nil, err
	}
	return &Tool{Tool: desc, run: func(env *Env, args any) (any, error) { return run(env, args.(*A)) }}, nil
}

// builtins are ergomcp's own tools, in the order their files declared them.
// A declaration, filled at init and read-only afterwards: calls are looked
// up in the Registry their Server owns, never here.
var builtins []*Tool

// register declares a built-in tool. Called from each tool file's init, so
// that adding a tool is adding its file.
func register[A any](t catalog.Tool, run func(env *Env, args *A) (any, error)) {
	tool, err := New(t, run)
	if err != nil {
		panic(err.Error())
	}
	builtins = append(builtins, tool)
}

// Registry holds the tools one server serves: the built-ins and the
// service's own (Options.Tools). Built once when the server starts and only
// read afterwards, so it needs no lock.
type Registry struct {
	catalog catalog.Registry
	byName  map[string]*Tool
}

// NewRegistry returns the built-in tools and extra, which must not reuse
// a name.
func NewRegistry(extra ...*Tool) (*Registry, error) {
	r := &Registry{byName: make(map[string]*Tool, len(builtins)+len(extra))}
	for _, t := range builtins {
		r.add(t)
	}
	for _, t := range extra {
		if prev, dup := r.byName[t.Name]; dup {
			if slices.Contains(builtins, prev) {
				return nil, fmt.Errorf("tool %q is one of ergomcp's own tools: choose another name", t.Name)
			}
			return nil, fmt.Errorf("tool %q is declared twice", t.Name)
		}
		r.add(t)
	}
	return r, nil
}

// Builtins returns a registry of ergomcp's own tools alone.
func Builtins() *Registry {
	r, err := NewRegistry()
	if err != nil {
		panic(err) // without extras only a repeated built-in fails, and catalog.Registry.Add panics first
	}
	return r
}

func (r *Registry) add(t *Tool) {
	r.catalog.Add(t.Tool)
	r.byName[t.Name] = t
}

// Lookup returns the tool with that name.
func (r *Registry) Lookup(name string) (*Tool, bool) {
	t, ok := r.byName[name]
	return t, ok
}

// Catalog is the tools' descriptions, what the transport lists and decodes
// calls with. Callers must not change it.
func (r *Registry) Catalog() *catalog.Registry { return &r.catalog }

// Tools returns the descriptions of every tool sorted by name. Callers
// must not modify it.
func (r *Registry) Tools() []*catalog.Tool { return r.catalog.Tools() }

// Server is one ergomcp tool server: what every tool call shares: the policy, the response budget
// and what the running ergo offers, probed once at start.
type Server struct {
	// Tools are the tools this server serves.
	Tools *Registry
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
	logs      *logcount.Counter // the node's log since start, for diagnose; nil until CountLogs
	// Peers is what ergomcp saw of the other nodes (the dispatcher's
	// watch feeds it): fan-out, errors, network_nodes and diagnose read it.
	Peers peers.Memory
	hops  hopBudget // calls waiting on other nodes, see callPeer
}

// NewServer probes node once. It serves the tools of reg.
func NewServer(node gen.Node, reg *Registry, policy catalog.Policy, budget int) *Server {
	return &Server{
		Tools:     reg,
		Policy:    policy,
		Budget:    budget,
		Audit:     audit.New(audit.DefaultSize),
		shortInfo: capability.ProbeShortInfo(reflect.TypeFor[gen.ProcessShortInfo]()),
		node:      capability.ProbeNode(node),
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
	tool, ok := rt.Tools.Lookup(name)
	if !ok {
		return errorResult(catalog.Errorf("unknown tool %q", name)), false
	}
	v, err := tool.run(env, call.Args)
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
