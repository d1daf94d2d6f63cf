package actors

import (
	"context"
	"fmt"
	"sync/atomic"

	"ergo.services/ergo/act"
	"ergo.services/ergo/gen"

	"github.com/ergomcp/ergomcp/tools"
	"github.com/ergomcp/ergomcp/tools/catalog"
)

// workerMailbox bounds each worker's queue: a worker stuck in a slow call
// (an inspect of a stuck process waits 5 s) then stops taking new calls and
// the pool hands them to the others.
const workerMailbox = 4

// dispatcher is the pool of workers that run tool handlers. A worker is a
// process, so a tool can Inspect, Call and Send like any actor.
type dispatcher struct {
	act.Pool
}

func (d *dispatcher) Init(args ...any) (act.PoolOptions, error) {
	size, rt := args[0].(int), args[1].(*tools.Runtime)
	return act.PoolOptions{
		PoolSize:          int64(size),
		WorkerMailboxSize: workerMailbox,
		WorkerFactory:     func() gen.ProcessBehavior { return &worker{} },
		WorkerArgs:        []any{rt},
	}, nil
}

// request carries one call from the HTTP side to a worker. Local messages
// are not serialized, so the reply channel travels as is.
type request struct {
	ctx    context.Context
	call   *catalog.Call
	reply  chan catalog.Result // buffered: a worker never blocks on a caller that left
	picked atomic.Bool
}

type worker struct {
	act.Actor
	rt *tools.Runtime
}

func (w *worker) Init(args ...any) error {
	w.rt = args[0].(*tools.Runtime)
	return nil
}

func (w *worker) HandleMessage(from gen.PID, message any) error {
	req, ok := message.(*request)
	if !ok {
		w.Log().Warning("ergomcp dispatcher: ignored %T from %s", message, from)
		return nil
	}
	req.picked.Store(true)
	if req.ctx.Err() != nil {
		return nil // the caller gave up while the call queued
	}
	res, panicked := w.rt.Run(req.ctx, w, req.call)
	req.reply <- res
	if panicked {
		// The pool spawns a fresh worker on its next call.
		return tools.ErrPanicked
	}
	return nil
}

// Dispatch is the catalog.Invoker that hands calls to the dispatcher pool.
// It may be used from any goroutine: it only sends through the node.
type Dispatch struct {
	Node gen.Node
	// Workers is the pool size, for the "all workers busy" message.
	Workers int
}

// Invoke sends the call to the pool and waits for its result or ctx.
func (d *Dispatch) Invoke(ctx context.Context, call *catalog.Call) catalog.Result {
	req := &request{ctx: ctx, call: call, reply: make(chan catalog.Result, 1)}
	if err := d.Node.Send(DispatcherName, req); err != nil {
		return catalog.Result{IsError: true, Text: fmt.Sprintf("ergomcp dispatcher unavailable: %v", err)}
	}
	select {
	case res := <-req.reply:
		return res
	case <-ctx.Done():
		if !req.picked.Load() {
			return catalog.Result{IsError: true, Text: fmt.Sprintf(
				"tool %s did not start before its deadline: all %d dispatcher workers are busy (raise Options.PoolSize or retry)",
				call.Tool.Name, d.Workers)}
		}
		return catalog.Result{IsError: true, Text: fmt.Sprintf("tool %s: %v", call.Tool.Name, ctx.Err())}
	}
}
