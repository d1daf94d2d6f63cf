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

	"github.com/ergomcp/ergomcp/internal/catalog"
	"github.com/ergomcp/ergomcp/internal/fanout"
	"github.com/ergomcp/ergomcp/internal/remote"
	"github.com/ergomcp/ergomcp/tools"
)

// workerMailbox bounds each worker's queue. Calls go to the least loaded
// worker, so a worker stuck in a slow call (an inspect of a stuck process
// waits 5 s) gets more only when every other one is as busy; the queue
// absorbs bursts of fast calls from many sessions at once: with the
// default 8 workers, 100 sessions calling together fit (8 × 65 places).
// Beyond that the pool is saturated and callers are told at once.
const workerMailbox = 64

// The peer watch: every watchEvery a goroutine of the dispatcher looks at
// the connected
// nodes for the peer memory (tools.Server.Peers) and pings, at most once
// at a time each, those not pinged for pingEvery, waiting pingWait: a
// peer that is connected but does not answer (stopped, wedged) is told
// from a healthy one only by a ping, and a peer restarted between two
// looks only by its connection uptime going back.
const (
	watchEvery = time.Second
	pingEvery  = 2 * time.Second
	pingWait   = 2 * time.Second
)

// dispatcher runs tool calls on a fixed set of worker processes, so that a
// tool can Inspect, Call and Send like any actor. It is a small pool of its
// own rather than act.Pool for two reasons: act.Pool (ergo 3.1) reads its
// first worker's counters while that worker runs, a data race the race
// detector reports on every start; and it drops a message when every worker
// is busy without telling the sender, who would then wait for its deadline.
// Here the caller learns at once that the pool is saturated.
type dispatcher struct {
	act.Actor
	rt      *tools.Server
	refuse  bool
	crew    *crew
	workers []gen.PID
	slots   []*slot // slots[i] is workers[i]'s load
	next    int
	// retired are workers replaced while still busy with a call their
	// caller abandoned (see abandon); they end once that call returns.
	retired []gen.PID
	// stopWatch ends the peer watch and its pings in flight.
	stopWatch context.CancelFunc
}

// slot is what a dispatcher and one worker share about the worker.
type slot struct {
	// load counts calls handed to the worker and not finished yet: the
	// dispatcher picks the least loaded worker.
	load atomic.Int32
	// retired is set when the dispatcher replaced the worker: it hands
	// the calls still queued to it back to the dispatcher and ends.
	retired atomic.Bool
}

// abandoned tells the dispatcher that the caller of req, a call running on
// slot's worker, left (cancelled, timed out or disconnected), or, with
// panicked, that the worker recovered a panic and must be replaced.
type abandoned struct {
	slot     *slot
	req      *request // nil with panicked
	panicked bool
}

// retire tells a retired worker that no more calls will come.
type retire struct{}

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
	cfg, rt, c := args[0].(*Config), args[1].(*tools.Server), args[2].(*crew)
	size := cfg.PoolSize
	d.rt, d.refuse, d.crew = rt, cfg.RefuseRemote, c
	for _, pid := range c.swap(nil) {
		d.Node().SendExit(pid, gen.TerminateReasonShutdown)
	}
	d.workers, d.slots = make([]gen.PID, size), make([]*slot, size)
	for i := range d.workers {
		pid, s, err := d.spawnWorker()
		if err != nil {
			return fmt.Errorf("ergomcp dispatcher: starting worker %d of %d: %w", i+1, size, err)
		}
		d.workers[i], d.slots[i] = pid, s
	}
	c.swap(d.workers)
	// A node without networking has no peers: nothing runs for them (an
	// idle ergomcp costs nothing but its HTTP accept loop).
	if d.Node().Network().Mode() == gen.NetworkModeEnabled {
		ctx, stop := context.WithCancel(context.Background())
		d.stopWatch = stop
		go watchPeers(ctx, d.Node(), rt)
	}
	return nil
}

// watchPeers looks at the peers every watchEvery until ctx ends or the
// node stops. It is a goroutine, not timer messages to the dispatcher:
// it needs no process (the pings spawn hops) and leaves the dispatcher's
// mailbox to calls.
func watchPeers(ctx context.Context, node gen.Node, rt *tools.Server) {
	tick := time.NewTicker(watchEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if !node.IsAlive() {
			return
		}
		rt.Observe(node)
		now := time.Now()
		for _, n := range rt.Peers.All() {
			if !n.Connected || now.Sub(n.LastPing.At) < pingEvery || !rt.Peers.PingStart(n.Name, now) {
				continue
			}
			go rt.Ping(ctx, node, gen.Atom(n.Name), pingWait)
		}
	}
}

func (d *dispatcher) spawnWorker() (gen.PID, *slot, error) {
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
	s := &slot{}
	pid, err := d.Spawn(func() gen.ProcessBehavior { return &worker{} },
		gen.ProcessOptions{MailboxSize: workerMailbox, ImportantDelivery: true}, d.rt, s)
	return pid, s, err
}

// remember records every worker, retired ones included, for Terminate and
// for a successor after a crash.
func (d *dispatcher) remember() {
	d.crew.swap(append(slices.Clone(d.workers), d.retired...))
}

// Terminate ends the workers with the dispatcher, as links would.
func (d *dispatcher) Terminate(reason error) {
	if d.stopWatch != nil {
		d.stopWatch()
	}
	for _, pid := range d.crew.swap(nil) {
		d.Node().SendExit(pid, gen.TerminateReasonShutdown)
	}
}

// HandleMessage takes local calls from Dispatch.
func (d *dispatcher) HandleMessage(from gen.PID, message any) error {
	switch m := message.(type) {
	case *request:
		if !d.forward(m) {
			m.reply <- catalog.Result{IsError: true, Text: d.busy(m.call.Tool.Name)}
		}
	case abandoned:
		d.abandon(m)
	case *remoteCall: // handed back by a retired worker
		if !d.forward(m) {
			resp := remote.Response{Protocol: remote.Protocol, Text: d.busy(m.req.Tool), IsError: true}
			if err := d.SendResponse(m.from, m.ref, resp); err != nil {
				d.Log().Warning("ergomcp dispatcher: answering %s on %s: %s", m.req.Tool, m.from.Node, err)
			}
		}
	default:
		d.Log().Warning("ergomcp dispatcher: ignored %T from %s", message, from)
	}
	return nil
}

// abandon replaces the worker of s when it is still busy with a call
// whose caller left: a tool that cannot be interrupted (Process.Inspect
// of a stuck process waits 5 s, Call waits its timeout) would otherwise
// keep a worker, and with a small pool every other caller, waiting for a
// result nobody reads. The old worker ends when that call returns. At most
// as many workers as the pool has are retired at once, so abandoned calls
// cannot make the node spawn without bound; beyond that the pool is
// saturated as before. A worker that panicked is replaced in any case: it
// hands its queue back and ends at once.
func (d *dispatcher) abandon(m abandoned) {
	s, panicked := m.slot, m.panicked
	i := slices.Index(d.slots, s)
	// The worker's load counts its queue too: whether the abandoned call
	// still runs is the request's own state.
	if i < 0 || !panicked && (m.req.by.Load() != s || m.req.done.Load()) {
		return // already replaced, or the call has finished meanwhile
	}
	d.retired = slices.DeleteFunc(d.retired, func(pid gen.PID) bool {
		_, err := d.Node().ProcessState(pid)
		return err != nil
	})
	if !panicked && len(d.retired) >= len(d.workers) {
		d.Log().Warning("ergomcp dispatcher: %d workers still run abandoned calls; not replacing another", len(d.retired))
		return
	}
	pid, ns, err := d.spawnWorker()
	if err != nil {
		d.Log().Error("ergomcp dispatcher: replacing a worker whose caller left: %s", err)
		return
	}
	old := d.workers[i]
	d.workers[i], d.slots[i] = pid, ns
	d.retired = append(d.retired, old)
	d.remember()
	s.retired.Store(true)
	// Best effort: a worker whose mailbox is full ends after its queue.
	d.Send(old, retire{})
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

// forward hands msg to the least loaded worker (ties in turn), or to any
// other with room in its mailbox, replacing workers that are gone. It
// reports false when every worker is full.
func (d *dispatcher) forward(msg any) bool {
	best, n := d.next, len(d.workers)
	for k := range n {
		if i := (d.next + k) % n; d.slots[i].load.Load() < d.slots[best].load.Load() {
			best = i
		}
	}
	d.next = (best + 1) % n
	if d.sendTo(best, msg) {
		return true
	}
	for i := range d.workers {
		if i != best && d.sendTo(i, msg) {
			return true
		}
	}
	return false
}

// sendTo hands msg to worker i, replacing it first if it is gone.
func (d *dispatcher) sendTo(i int, msg any) bool {
	s := d.slots[i]
	s.load.Add(1)
	err := d.Send(d.workers[i], msg)
	if err == gen.ErrProcessUnknown || err == gen.ErrProcessTerminated {
		s.load.Add(-1)
		pid, ns, serr := d.spawnWorker()
		if serr != nil {
			d.Log().Error("ergomcp dispatcher: replacing worker: %s", serr)
			return false
		}
		d.workers[i], d.slots[i], s = pid, ns, ns
		d.remember()
		s.load.Add(1)
		err = d.Send(pid, msg)
	}
	if err != nil {
		s.load.Add(-1)
		return false
	}
	return true
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
	ctx   context.Context
	call  *catalog.Call
	reply chan catalog.Result // buffered: nobody blocks on a caller that left
	// by is the slot of the worker that picked the call (nil while queued);
	// done is set when the call returned.
	by   atomic.Pointer[slot]
	done atomic.Bool
}

type worker struct {
	act.Actor
	rt   *tools.Server
	slot *slot
	// panicked: a tool panicked here; the worker runs no more calls and
	// waits for the dispatcher to take it out of its table (retire).
	panicked bool
}

func (w *worker) Init(args ...any) error {
	w.rt, w.slot = args[0].(*tools.Server), args[1].(*slot)
	return nil
}

func (w *worker) HandleMessage(from gen.PID, message any) error {
	switch m := message.(type) {
	case *request, *remoteCall:
		if w.slot.retired.Load() || w.panicked {
			// Replaced while this call waited behind an abandoned one (or
			// a panic): the dispatcher gives it to another worker.
			if err := w.Send(DispatcherName, m); err != nil {
				w.Log().Warning("ergomcp worker: handing a queued call back to the dispatcher: %s", err)
			}
			return w.finished()
		}
	}
	switch m := message.(type) {
	case retire:
		if w.slot.load.Load() <= 0 {
			return gen.TerminateReasonNormal
		}
	case *request:
		if m.ctx.Err() != nil {
			return w.finished() // the caller gave up while the call queued
		}
		m.by.Store(w.slot)
		res, panicked := w.rt.Run(m.ctx, w, m.call)
		m.done.Store(true)
		m.reply <- res
		if panicked {
			// Its state is not to be trusted: it runs no more calls and
			// hands back those queued to it; the dispatcher puts a fresh
			// worker in its place and then retires this one. Only the
			// dispatcher ends it: ending here, while the dispatcher may
			// still pick it, could lose a call sent in between.
			w.Log().Warning("ergomcp worker: replaced after a tool panicked: %s", tools.ErrPanicked)
			w.panicked = true
			if err := w.Send(DispatcherName, abandoned{slot: w.slot, panicked: true}); err != nil {
				return tools.ErrPanicked
			}
		}
		return w.finished()
	case *remoteCall:
		resp, audit := w.rt.ServeRemote(w, m.from, m.req, m.arrived)
		// Audited before answering: the caller's next call may read this
		// node's audit log (it did, and found the call missing).
		w.rt.Audit.Add(audit)
		auditLog(w.Node().Log(), audit)
		if err := w.SendResponse(m.from, m.ref, resp); err != nil {
			w.Log().Warning("ergomcp: answering %s on %s: %s", m.req.Tool, m.from.Node, err)
		}
		return w.finished()
	default:
		w.Log().Warning("ergomcp worker: ignored %T from %s", message, from)
	}
	return nil
}

// finished counts a call off the worker's load; a retired worker ends
// with its last call.
func (w *worker) finished() error {
	if w.slot.load.Add(-1) <= 0 && w.slot.retired.Load() {
		return gen.TerminateReasonNormal
	}
	return nil
}

// Dispatch is the catalog.Invoker that hands calls to the dispatcher. It
// may be used from any goroutine: it only sends through the node.
type Dispatch struct {
	Node gen.Node
	// Server runs Long tools on the caller's goroutine, off the worker pool.
	Server *tools.Server
	// FanOut bounds the nodes a node="*" call asks at once; 0 means all
	// of them (fanout.MaxNodes). Remote hops hold no worker (tools.Remote),
	// so asking every node at once costs the pool one call, this node's.
	FanOut int
}

// Invoke sends the call to the dispatcher and waits for its result or ctx.
func (d *Dispatch) Invoke(ctx context.Context, call *catalog.Call) catalog.Result {
	if tools.FanOut(call) {
		parallel := d.FanOut
		if parallel <= 0 {
			parallel = fanout.MaxNodes
		}
		return d.Server.RunFanOut(ctx, d.Node, call, parallel, d.Invoke)
	}
	if tools.Direct(d.Node, call) {
		return d.Server.RunDirect(ctx, d.Node, call)
	}
	req := &request{ctx: ctx, call: call, reply: make(chan catalog.Result, 1)}
	if err := d.Node.Send(DispatcherName, req); err != nil {
		return catalog.Result{IsError: true, Text: fmt.Sprintf("ergomcp dispatcher unavailable: %v", err)}
	}
	select {
	case res := <-req.reply:
		return res
	case <-ctx.Done():
		s := req.by.Load()
		if s != nil && !req.done.Load() {
			// Let the dispatcher free the pool from a call nobody waits for.
			d.Node.Send(DispatcherName, abandoned{slot: s, req: req})
		}
		if s == nil {
			return catalog.Result{IsError: true, Text: fmt.Sprintf(
				"tool %s did not start before its deadline: the dispatcher workers were busy (raise Options.PoolSize or retry)", call.Tool.Name)}
		}
		return catalog.Result{IsError: true, Text: fmt.Sprintf("tool %s: %v", call.Tool.Name, ctx.Err()), Timeout: ctx.Err() == context.DeadlineExceeded}
	}
}
