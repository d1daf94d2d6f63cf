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
	"github.com/ergomcp/ergomcp/internal/remote"
	"github.com/ergomcp/ergomcp/tools"
)

// The worker pool: the dispatcher process, the workers' slots (their
// load, for the least-loaded pick), and the replacement of workers held by
// abandoned calls (abandon, retire). Where a call goes is the Router's;
// what a worker does with it is worker.go's.

// workerMailbox bounds each worker's queue. Calls go to the least loaded
// worker, so a worker stuck in a slow call (an inspect of a stuck process
// waits 5 s) gets more only when every other one is as busy; the queue
// absorbs bursts of fast calls from many sessions at once: with the
// default 8 workers, 100 sessions calling together fit (8 × 65 places).
// Beyond that the pool is saturated and callers are told at once.
const workerMailbox = 64

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

// HandleMessage takes local calls from the Router.
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
