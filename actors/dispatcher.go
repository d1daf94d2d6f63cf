package actors

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"ergo.services/ergo/act"
	"ergo.services/ergo/gen"

	"github.com/ergomcp/ergomcp/internal/remote"
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
	refuse  bool
	crew    *crew
	workers []gen.PID
	next    int
}

// crew remembers the workers across restarts of the dispatcher. Workers
// are not linked to it (see spawnWorker), so a dispatcher that was killed
// rather than stopped leaves them behind; its successor ends them.
type crew struct {
	mu   sync.Mutex
	pids []gen.PID
}

func (c *crew) swap(pids []gen.PID) []gen.PID {
	c.mu.Lock()
	defer c.mu.Unlock()
	old := c.pids
	c.pids = slices.Clone(pids)
	return old
}

func (d *dispatcher) Init(args ...any) error {
	cfg, rt, c := args[0].(*Config), args[1].(*tools.Runtime), args[2].(*crew)
	size := cfg.PoolSize
	d.rt, d.refuse, d.crew = rt, cfg.RefuseRemote, c
	for _, pid := range c.swap(nil) {
		d.Node().SendExit(pid, gen.TerminateReasonShutdown)
	}
	d.workers = make([]gen.PID, size)
	for i := range d.workers {
		pid, err := d.spawnWorker()
		if err != nil {
			return fmt.Errorf("ergomcp dispatcher: starting worker %d of %d: %w", i+1, size, err)
		}
		d.workers[i] = pid
	}
	c.swap(d.workers)
	return nil
}

func (d *dispatcher) spawnWorker() (gen.PID, error) {
	// Important delivery makes a peer answer at once when the process a
	// call is for does not exist there (no ergomcp), instead of letting the
	// caller wait for its deadline.
	//
	// Workers are not linked to the dispatcher: ergo 3.1's link table
	// (node/target.go, unregisterConsumer) removes the first consumer of a
	// process instead of the one that left, so a linked worker that ends
	// can take the supervisor's link to the dispatcher with it, and the
	// supervisor would neither restart the dispatcher nor stop it. The
	// dispatcher ends its workers itself (Terminate, and crew on restart).
	return d.Spawn(func() gen.ProcessBehavior { return &worker{} },
		gen.ProcessOptions{MailboxSize: workerMailbox, ImportantDelivery: true}, d.rt)
}

// Terminate ends the workers with the dispatcher, as links would.
func (d *dispatcher) Terminate(reason error) {
	for _, pid := range d.crew.swap(nil) {
		d.Node().SendExit(pid, gen.TerminateReasonShutdown)
	}
}

// HandleMessage takes local calls from Dispatch.
func (d *dispatcher) HandleMessage(from gen.PID, message any) error {
	req, ok := message.(*request)
	if !ok {
		d.Log().Warning("ergomcp dispatcher: ignored %T from %s", message, from)
		return nil
	}
	if !d.forward(req) {
		req.reply <- catalog.Result{IsError: true, Text: d.busy(req.call.Tool.Name)}
	}
	return nil
}

// HandleCall takes calls from other nodes' ergomcp. It answers pings and
// refusals itself and hands tool calls to a worker, which answers the
// caller directly, so a slow tool never holds the dispatcher.
func (d *dispatcher) HandleCall(from gen.PID, ref gen.Ref, request any) (any, error) {
	req, ok := request.(remote.Request)
	reply := func(text string) (any, error) {
		return remote.Response{Protocol: remote.Protocol, Text: text, IsError: true}, nil
	}
	switch {
	case !ok:
		return reply(fmt.Sprintf("ergomcp on %s does not understand %T (a different ergomcp release?)", d.Node().Name(), request))
	case d.refuse:
		return reply(fmt.Sprintf("node %s does not accept tool calls from other nodes (Options.RefuseRemoteCalls)", d.Node().Name()))
	}
	if err := req.Check(); err != nil {
		return reply(fmt.Sprintf("node %s: %v", d.Node().Name(), err))
	}
	if req.Tool == "" {
		return remote.Response{Protocol: remote.Protocol, Text: fmt.Sprintf(`{"pong":%q}`, string(d.Node().Name()))}, nil
	}
	if !d.forward(&remoteCall{from: from, ref: ref, req: req, arrived: time.Now()}) {
		return reply(d.busy(req.Tool))
	}
	return nil, nil // a worker answers
}

// forward hands msg to the next worker with room in its mailbox, replacing
// workers that are gone. It reports false when every worker is full.
func (d *dispatcher) forward(msg any) bool {
	for range d.workers {
		i := d.next
		d.next = (d.next + 1) % len(d.workers)
		err := d.Send(d.workers[i], msg)
		if err == gen.ErrProcessUnknown || err == gen.ErrProcessTerminated {
			pid, serr := d.spawnWorker()
			if serr != nil {
				d.Log().Error("ergomcp dispatcher: replacing worker: %s", serr)
				continue
			}
			d.workers[i] = pid
			d.crew.swap(d.workers)
			err = d.Send(pid, msg)
		}
		if err == nil {
			return true
		}
	}
	return false
}

func (d *dispatcher) busy(tool string) string {
	return fmt.Sprintf("tool %s refused: all %d ergomcp dispatcher workers on %s are busy with queued calls (retry shortly, or raise Options.PoolSize)",
		tool, len(d.workers), d.Node().Name())
}

// remoteCall is a call from another node on its way to a worker.
type remoteCall struct {
	from    gen.PID
	ref     gen.Ref
	req     remote.Request
	arrived time.Time
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
	switch m := message.(type) {
	case *request:
		m.picked.Store(true)
		if m.ctx.Err() != nil {
			return nil // the caller gave up while the call queued
		}
		res, panicked := w.rt.Run(m.ctx, w, m.call)
		m.reply <- res
		if panicked {
			// The dispatcher replaces the worker on its next call.
			return tools.ErrPanicked
		}
	case *remoteCall:
		resp, audit := w.rt.ServeRemote(w, m.from, m.req, m.arrived)
		if err := w.SendResponse(m.from, m.ref, resp); err != nil {
			w.Log().Warning("ergomcp: answering %s on %s: %s", m.req.Tool, m.from.Node, err)
		}
		w.rt.Audit.Add(audit)
		auditLog(w.Node().Log(), audit)
	default:
		w.Log().Warning("ergomcp worker: ignored %T from %s", message, from)
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
	if tools.Direct(d.Node, call) {
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
