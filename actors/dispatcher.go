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
// (an inspect of a stuck process waits 5 s) stops taking new calls and the
// dispatcher hands them to the others.
const workerMailbox = 4

// dispatcher runs tool calls on a fixed set of worker processes, so that a
// tool can Inspect, Call and Send like any actor. It is a small pool of its
// own rather than act.Pool for two reasons: act.Pool (ergo 3.1) reads its
// first worker's counters while that worker runs, a data race the race
// detector reports on every start; and it drops a message when every worker
// is busy without telling the sender, who would then wait for its deadline.
// Here the caller learns at once that the pool is saturated.
type dispatcher struct {
	act.Actor
	rt      *tools.Runtime
	workers []gen.PID
	next    int
}

func (d *dispatcher) Init(args ...any) error {
	size, rt := args[0].(int), args[1].(*tools.Runtime)
	d.rt = rt
	d.workers = make([]gen.PID, size)
	for i := range d.workers {
		pid, err := d.spawnWorker()
		if err != nil {
			return fmt.Errorf("ergomcp dispatcher: starting worker %d of %d: %w", i+1, size, err)
		}
		d.workers[i] = pid
	}
	return nil
}

func (d *dispatcher) spawnWorker() (gen.PID, error) {
	return d.Spawn(func() gen.ProcessBehavior { return &worker{} },
		gen.ProcessOptions{MailboxSize: workerMailbox, LinkParent: true}, d.rt)
}

// HandleMessage forwards a call to the next worker with room in its
// mailbox, replacing workers that are gone.
func (d *dispatcher) HandleMessage(from gen.PID, message any) error {
	req, ok := message.(*request)
	if !ok {
		d.Log().Warning("ergomcp dispatcher: ignored %T from %s", message, from)
		return nil
	}
	for range d.workers {
		i := d.next
		d.next = (d.next + 1) % len(d.workers)
		err := d.Send(d.workers[i], req)
		if err == gen.ErrProcessUnknown || err == gen.ErrProcessTerminated {
			pid, serr := d.spawnWorker()
			if serr != nil {
				d.Log().Error("ergomcp dispatcher: replacing worker: %s", serr)
				continue
			}
			d.workers[i] = pid
			err = d.Send(pid, req)
		}
		if err == nil {
			return nil
		}
	}
	req.reply <- catalog.Result{IsError: true, Text: fmt.Sprintf(
		"tool %s refused: all %d ergomcp dispatcher workers are busy with queued calls (retry shortly, or raise Options.PoolSize)",
		req.call.Tool.Name, len(d.workers))}
	return nil
}

// request carries one call from the HTTP side to a worker. Local messages
// are not serialized, so the reply channel travels as is.
type request struct {
	ctx    context.Context
	call   *catalog.Call
	reply  chan catalog.Result // buffered: nobody blocks on a caller that left
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
		w.Log().Warning("ergomcp worker: ignored %T from %s", message, from)
		return nil
	}
	req.picked.Store(true)
	if req.ctx.Err() != nil {
		return nil // the caller gave up while the call queued
	}
	res, panicked := w.rt.Run(req.ctx, w, req.call)
	req.reply <- res
	if panicked {
		// The dispatcher replaces the worker on its next call.
		return tools.ErrPanicked
	}
	return nil
}

// Dispatch is the catalog.Invoker that hands calls to the dispatcher. It
// may be used from any goroutine: it only sends through the node.
type Dispatch struct {
	Node gen.Node
	// RT runs Long tools on the caller's goroutine, off the worker pool.
	RT *tools.Runtime
}

// Invoke sends the call to the dispatcher and waits for its result or ctx.
func (d *Dispatch) Invoke(ctx context.Context, call *catalog.Call) catalog.Result {
	if call.Tool.Long {
		return d.RT.RunDirect(ctx, d.Node, call)
	}
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
				"tool %s did not start before its deadline: the dispatcher workers were busy (raise Options.PoolSize or retry)", call.Tool.Name)}
		}
		return catalog.Result{IsError: true, Text: fmt.Sprintf("tool %s: %v", call.Tool.Name, ctx.Err())}
	}
}
