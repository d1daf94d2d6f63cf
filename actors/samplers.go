package actors

import (
	"fmt"
	"strconv"
	"sync"
	"time"

	"ergo.services/ergo/act"
	"ergo.services/ergo/gen"

	"github.com/ergomcp/ergomcp/sampler"
	"github.com/ergomcp/ergomcp/tools"
)

// samplerMailbox bounds each mailbox queue of a sampler actor: under a
// flood of log lines, events or messages, ergo drops what does not fit
// instead of letting the sampler's queues grow without bound.
const samplerMailbox = 1024

// samplers starts and owns the sampler actors, one per sampler, on
// demand. It is an act.Actor rather than a simple one-for-one
// act.Supervisor because of ergo 3.1's link table: a supervisor's
// children link to it (LinkParent), and when a child that is not the
// first of those links ends, node/target.go's unregisterConsumer drops
// the first link to the supervisor instead, which is the top
// supervisor's. After the first sampler ended, the application could no
// longer stop. So sampler actors are spawned unlinked; what a supervisor
// would do for them is done here: they never restart (a sampler that
// ended stays ended, as its status says) and they end with this process
// (Terminate). The tools reserve a sampler in the registry and Call this
// process to start its actor; nothing else goes through it.
type samplers struct {
	act.Actor
	rt  *tools.Server
	opt gen.ProcessOptions
}

func (s *samplers) Init(args ...any) error {
	cfg, rt := args[0].(*Config), args[1].(*tools.Server)
	s.rt = rt
	s.opt = gen.ProcessOptions{MailboxSize: samplerMailbox, LogLevel: cfg.LogLevel}
	// The actors of an earlier incarnation were told to end: their
	// samplers must not read as running. Their data lingers as after any
	// end.
	rt.Samplers.Abandon(time.Now(), "failed: the samplers process restarted")
	return nil
}

// HandleCall starts the actor of a reserved sampler. Only the start goes
// through here: reading, listing and stopping use the registry.
func (s *samplers) HandleCall(from gen.PID, ref gen.Ref, request any) (any, error) {
	req, ok := request.(*tools.StartSampler)
	if !ok {
		return tools.SamplerReply{Err: fmt.Errorf("ergomcp samplers: unexpected request %T", request)}, nil
	}
	if _, err := s.Spawn(func() gen.ProcessBehavior { return &samplerActor{} }, s.opt, s.rt, req); err != nil {
		return tools.SamplerReply{Err: err}, nil
	}
	return tools.SamplerReply{PID: req.PID}, nil
}

// Terminate ends the samplers that still run and their actors, as a
// supervisor would end its children. Their data lingers in the registry,
// which outlives this process.
func (s *samplers) Terminate(reason error) {
	now := time.Now()
	s.rt.Samplers.Abandon(now, fmt.Sprintf("failed: the samplers process ended: %v", reason))
	for _, a := range s.rt.Samplers.Actors(now) {
		a.Exit(reason)
	}
}

// HandleInspect shows the node's sampler usage.
func (s *samplers) HandleInspect(from gen.PID, item ...string) map[string]string {
	now := time.Now()
	_, u := s.rt.Samplers.List(now)
	return map[string]string{
		"actors":         strconv.Itoa(len(s.rt.Samplers.Actors(now))),
		"live":           strconv.Itoa(u.Live),
		"max_samplers":   strconv.Itoa(u.MaxSamplers),
		"bytes_reserved": strconv.Itoa(u.Reserved),
		"memory_budget":  strconv.Itoa(u.TotalBytes),
	}
}

// samplerActor collects for one sampler into its registry entry. The
// rules (schedule, counting, statuses) live in package sampler, the tool
// calls and record formats in package tools; this actor only wires them to
// ergo's timers, logger registration and event subscription.
type samplerActor struct {
	act.Actor
	rt     *tools.Server
	entry  *sampler.Entry
	active *tools.ActiveJob // the job: one of active and listen is set
	listen *tools.ListenJob
	ticker *sampler.Ticker // active samplers
	undo   func()          // ends the logger registration and subscription
	ended  bool            // let go of its sources and armed the linger timer
	timer  *selfTimer
}

// samplerHandle is how the registry reaches a sampler's actor
// (sampler.Actor): through the node, so that whoever asks (sample_stop's
// worker, the samplers process as it ends) neither waits for the actor
// nor needs to be a process.
type samplerHandle struct {
	node gen.Node
	pid  gen.PID
}

func (h samplerHandle) Wake()             { h.node.Send(h.pid, tools.WakeSampler{}) }
func (h samplerHandle) Exit(reason error) { h.node.SendExit(h.pid, reason) }

// samplerTick starts the next call of an active sampler; samplerWake
// makes the actor look at its status (the end of duration or linger).
type (
	samplerTick struct{}
	samplerWake struct{}
)

func (s *samplerActor) Init(args ...any) error {
	s.rt = args[0].(*tools.Server)
	req := args[1].(*tools.StartSampler)
	s.entry, s.active, s.listen = req.Entry, req.Active, req.Listen
	if (s.active == nil) == (s.listen == nil) || (s.active != nil) != (s.entry.Spec.Kind == sampler.Active) {
		return fmt.Errorf("sampler %s: a %s sampler needs one job of its kind", s.entry.ID, s.entry.Spec.Kind)
	}
	req.PID = s.PID()
	s.entry.SetActor(s.PID().String(), samplerHandle{node: s.Node(), pid: s.PID()})
	s.timer = startTimer(s.Node(), s.PID())
	return nil
}

// HandleCall takes the activation, the first thing a sampler gets.
func (s *samplerActor) HandleCall(from gen.PID, ref gen.Ref, request any) (any, error) {
	if _, ok := request.(tools.ActivateSampler); !ok {
		return tools.SamplerReply{Err: fmt.Errorf("sampler %s does not answer calls", s.entry.ID)}, nil
	}
	return tools.SamplerReply{Err: s.activate()}, nil
}

func (s *samplerActor) activate() error {
	now := time.Now()
	if s.listen != nil {
		undo, err := s.listen.Listen(s, s.entry)
		s.undo = undo
		if err != nil {
			return err
		}
		s.after(samplerWake{}, s.entry.End.Sub(now))
		return nil
	}
	s.ticker = sampler.NewTicker(s.entry.Spec.Interval, s.entry.End)
	s.schedule(now)
	return nil
}

// schedule arms the next call, or the wake-up at the end of duration when
// no call fits before it.
func (s *samplerActor) schedule(now time.Time) {
	at, ok := s.ticker.Next(now)
	s.entry.SetSkipped(s.ticker.Skipped())
	if !ok {
		s.after(samplerWake{}, s.entry.End.Sub(now))
		return
	}
	s.after(samplerTick{}, at.Sub(now))
}

// after has msg sent to the actor itself in d (at once when d ≤ 0),
// replacing the timer armed before: an actor waits for one thing at a
// time (its next call, the end of its duration or of its linger). If the
// message is lost, the status still follows the clock and the next
// message the actor handles makes it act.
func (s *samplerActor) after(msg any, d time.Duration) {
	if d > 0 {
		s.timer.after(msg, d+time.Millisecond) // never a hair before the end
		return
	}
	if err := s.Send(s.PID(), msg); err != nil {
		s.Log().Warning("ergomcp sampler %s: sending itself %T: %s", s.entry.ID, msg, err)
	}
}

func (s *samplerActor) HandleMessage(from gen.PID, message any) error {
	now := time.Now()
	switch m := message.(type) {
	case samplerTick:
		if s.entry.Status(now) == sampler.Running && s.rt.SampleOnce(s, s.active, s.entry, now) {
			s.schedule(time.Now())
			return nil
		}
	case samplerWake, tools.WakeSampler:
	case gen.MessageDownEvent:
		s.store(now, tools.EventDownSample(m))
	default:
		if s.listen != nil && s.listen.Messages {
			s.store(now, tools.MessageSample(from, message))
		}
	}
	return s.reconcile()
}

func (s *samplerActor) HandleLog(m gen.MessageLog) error {
	if s.listen != nil {
		if data, from, ok := s.listen.LogSample(m); ok {
			s.entry.RecordFrom(time.Now(), m.Time, data, from)
		}
	}
	return s.reconcile()
}

func (s *samplerActor) HandleEvent(m gen.MessageEvent) error {
	s.store(time.Unix(0, m.Timestamp), tools.EventSample(m, false))
	return s.reconcile()
}

// store records a passive sample taken at at.
func (s *samplerActor) store(at time.Time, data []byte) {
	s.entry.Record(time.Now(), at, data)
}

// reconcile acts on the sampler's status: once it ended, the actor lets go
// of its sources and waits for the end of the linger time; then it frees
// the data and terminates.
func (s *samplerActor) reconcile() error {
	now := time.Now()
	switch s.entry.Status(now) {
	case sampler.Running:
		return nil
	case sampler.Lingering:
		if !s.ended {
			s.ended = true
			s.letGo()
			s.after(samplerWake{}, s.entry.LingerUntil(now).Sub(now))
		}
		return nil
	}
	s.letGo()
	s.rt.Samplers.Expire(now)
	return gen.TerminateReasonNormal
}

func (s *samplerActor) letGo() {
	if s.undo != nil {
		s.undo()
		s.undo = nil
	}
}

// Terminate ends a sampler whose actor stops while it runs (a panic, the
// node shutting down), so it never reads as running without an actor.
func (s *samplerActor) Terminate(reason error) {
	s.timer.stop()
	s.entry.Finish(time.Now(), fmt.Sprintf("failed: the sampler's actor ended: %v", reason))
}

// HandleInspect shows the sampler as sample_list does.
func (s *samplerActor) HandleInspect(from gen.PID, item ...string) map[string]string {
	return map[string]string{"sampler": string(s.entry.Summary(time.Now()))}
}

// selfTimer sends one message at a time to a process after a delay, from
// one goroutine that lives as long as the process. ergo's SendAfter would
// do the same from a new goroutine per timer; a sampler arms one every
// interval, and when such a send's counter update races (inside ergo)
// with a process table read, the race detector often cannot restore the
// finished goroutine's stack, so the race could not be told apart from
// one in our code (see internal/testrun).
//
// The process re-arms the timer itself (Timer.Reset under the lock that
// holds the message), so a sample costs one goroutine hand-off, the
// timer's goroutine waking to send, not a second one to re-arm it. A
// node-wide goroutine with a deadline heap was measured too
// (BENCHMARKS.md): it was no cheaper, as every sample still needs its own
// wake-up at its own time.
type selfTimer struct {
	tm   *time.Timer
	done chan struct{}

	mu  sync.Mutex
	msg any       // nil once sent
	at  time.Time // when msg is due
}

func startTimer(node gen.Node, pid gen.PID) *selfTimer {
	t := &selfTimer{tm: time.NewTimer(time.Hour), done: make(chan struct{})}
	t.tm.Stop()
	go t.run(node, pid)
	return t
}

func (t *selfTimer) run(node gen.Node, pid gen.PID) {
	for {
		select {
		case <-t.tm.C:
			// A fire received just as the process re-armed belongs to the
			// replaced message: the new one is not due yet and waits for
			// its own fire, so nothing is ever sent early.
			t.mu.Lock()
			msg := t.msg
			if msg != nil && !time.Now().Before(t.at) {
				t.msg = nil
			} else {
				msg = nil
			}
			t.mu.Unlock()
			if msg != nil {
				node.Send(pid, msg) // the process may be gone: then nobody needs it
			}
		case <-t.done:
			return
		}
	}
}

// after arms the timer, replacing what was armed.
func (t *selfTimer) after(msg any, d time.Duration) {
	t.mu.Lock()
	t.msg, t.at = msg, time.Now().Add(d)
	t.tm.Reset(d) // fires no sooner than at
	t.mu.Unlock()
}

// stop ends the goroutine; called once, when the process terminates.
func (t *selfTimer) stop() {
	t.tm.Stop()
	close(t.done)
}
