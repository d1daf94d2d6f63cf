package actors

import (
	"context"
	"fmt"

	"ergo.services/ergo/gen"

	"github.com/ergomcp/ergomcp/internal/catalog"
	"github.com/ergomcp/ergomcp/internal/fanout"
	"github.com/ergomcp/ergomcp/tools"
)

// entryNode is whose policy the router checks, as the caller reads it.
const entryNode = "the entry node (the node this MCP client is connected to)"

// route is where a call runs.
type route int

const (
	// routePool: a dispatcher worker runs it (a process: Inspect, Call).
	routePool route = iota
	// routeDirect: a Long tool for this node, on the caller's goroutine,
	// so that a profile or a window holds no worker.
	routeDirect
	// routeRemote: another node's ergomcp runs it; the call waits in a hop
	// process, not a worker, however long the peer takes.
	routeRemote
	// routeFanOut: node="*", one call per node, each routed again.
	routeFanOut
)

// Router is the catalog.Invoker of the MCP transport and the one place
// that decides where a call runs (routeOf) and whether the entry node's
// policy lets it (Invoke). A target node checks its own policy when a
// remote call arrives (tools.Server.ServeRemote); tools.Server.Run only
// runs a handler and encodes. It may be used from any goroutine: it only
// sends through the node.
type Router struct {
	Node gen.Node
	// Server runs the tools.
	Server *tools.Server
	// FanOut bounds the nodes a node="*" call asks at once; 0 means all
	// of them (fanout.MaxNodes). Remote hops hold no worker, so asking
	// every node at once costs the pool one call, this node's.
	FanOut int
}

// routeOf is where call runs, from its node argument and its tool.
func (r *Router) routeOf(call *catalog.Call) route {
	target := catalog.CommonOf(call.Args).Node
	switch {
	case target == fanout.All:
		return routeFanOut
	case target != "" && gen.Atom(target) != r.Node.Name():
		return routeRemote
	case call.Tool.Long:
		return routeDirect
	}
	return routePool
}

// Invoke checks the entry node's policy once, whatever the route (it also
// refuses proxying a tool it does not allow), and runs call. Each route
// waits on ctx once: the pool's reply (run), a hop's answer
// (tools.Server.Proxy), a Long tool itself, or the fan-out's parts.
func (r *Router) Invoke(ctx context.Context, call *catalog.Call) catalog.Result {
	if err := r.Server.Policy.CheckOn(call.Tool, entryNode); err != nil {
		return catalog.Result{IsError: true, Refused: true, Text: err.Error()}
	}
	return r.run(ctx, call)
}

// run runs call where routeOf says, the policy checked.
func (r *Router) run(ctx context.Context, call *catalog.Call) catalog.Result {
	switch r.routeOf(call) {
	case routeFanOut:
		parallel := r.FanOut
		if parallel <= 0 {
			parallel = fanout.MaxNodes
		}
		// The parts were allowed with the whole: run, not Invoke.
		return r.Server.RunFanOut(ctx, r.Node, call, parallel, r.run)
	case routeRemote:
		return r.Server.Proxy(ctx, r.Node, call)
	case routeDirect:
		return r.Server.RunDirect(ctx, r.Node, call)
	}
	return r.pooled(ctx, call)
}

// pooled hands call to the dispatcher and waits for its worker's result or
// ctx, whichever comes first; a call whose caller left while it runs is
// abandoned, so that the pool replaces the worker it holds.
func (r *Router) pooled(ctx context.Context, call *catalog.Call) catalog.Result {
	req := &request{ctx: ctx, call: call, reply: make(chan catalog.Result, 1)}
	if err := r.Node.Send(DispatcherName, req); err != nil {
		return catalog.Result{IsError: true, Text: fmt.Sprintf("ergomcp dispatcher unavailable: %v", err)}
	}
	select {
	case res := <-req.reply:
		return res
	case <-ctx.Done():
		s := req.by.Load()
		if s != nil && !req.done.Load() {
			// Let the dispatcher free the pool from a call nobody waits for.
			r.Node.Send(DispatcherName, abandoned{slot: s, req: req})
		}
		if s == nil {
			return catalog.Result{IsError: true, Text: fmt.Sprintf(
				"tool %s did not start before its deadline: the dispatcher workers were busy (raise Options.PoolSize or retry)", call.Tool.Name)}
		}
		return catalog.Result{IsError: true, Text: fmt.Sprintf("tool %s: %v", call.Tool.Name, ctx.Err()), Timeout: ctx.Err() == context.DeadlineExceeded}
	}
}
