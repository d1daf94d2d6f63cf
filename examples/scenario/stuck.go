package scenario

import (
	"fmt"
	"time"

	"ergo.services/ergo/act"
	"ergo.services/ergo/gen"
	"ergo.services/ergo/lib"
)

// The chain's calls wait an hour: long enough that nothing but Stop ends
// them while anyone looks. pingEvery feeds a's mailbox 20 messages a second.
const (
	chainCallTimeout = 3600 // seconds, as CallWithTimeout takes it
	pingEvery        = 50 * time.Millisecond
	exitPoll         = 20 * time.Millisecond
)

func startStuck(node gen.Node) (*Run, error) {
	r := newRun(node)
	entered := make(chan struct{})
	c, err := r.spawn("scenario_chain_c", func() gen.ProcessBehavior { return &chainEnd{run: r, entered: entered} })
	if err != nil {
		return r.started(err)
	}
	b, err := r.spawn("scenario_chain_b", func() gen.ProcessBehavior { return &chainMiddle{run: r, next: c} })
	if err != nil {
		return r.started(err)
	}
	a, err := r.spawn("scenario_chain_a", func() gen.ProcessBehavior { return &chainStart{run: r, next: b} })
	if err != nil {
		return r.started(err)
	}
	if _, err = r.spawn("scenario_chain_pinger", func() gen.ProcessBehavior { return &chainPinger{run: r, to: a} }); err != nil {
		return r.started(err)
	}
	// Return only once the chain is in place: c inside its handler, a and b
	// waiting. Callers then see the stuck state at once, and a Stop right
	// after Start cannot catch a call half-made (a process killed with a
	// call pending at it leaves its caller waiting for the whole timeout).
	if err := waitChain(node, entered, a, b); err != nil {
		return r.started(err)
	}
	// c is the cause, so it comes first; a and b only wait for it.
	return r.started(nil, c, b, a)
}

// chainSetup bounds how long Start waits for the chain to form; it takes
// microseconds on an idle node.
const chainSetup = 5 * time.Second

func waitChain(node gen.Node, entered <-chan struct{}, waiters ...gen.PID) error {
	deadline := time.Now().Add(chainSetup)
	select {
	case <-entered:
	case <-time.After(chainSetup):
		return fmt.Errorf("scenario stuck: the call chain did not form within %s", chainSetup)
	}
	for _, pid := range waiters {
		for {
			s, err := node.ProcessState(pid)
			if err != nil {
				return fmt.Errorf("scenario stuck: %s: %w", pid, err)
			}
			if s == gen.ProcessStateWaitResponse {
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("scenario stuck: %s is %s, not waiting for a response, after %s", pid, s, chainSetup)
			}
			time.Sleep(time.Millisecond)
		}
	}
	return nil
}

// chainRequest travels down the chain a → b → c.
type chainRequest struct{}

// chainKick makes a start the chain. a sends it to itself from Init
// because a process cannot make a call before its Init has returned.
type chainKick struct{}

// chainPing is the traffic that queues up at a while it waits.
type chainPing struct{}

// chainStart (a) calls b once and, while the call waits, receives pings
// it cannot handle: its mailbox grows.
type chainStart struct {
	act.Actor
	run    *run
	next   gen.PID
	pinged uint64
}

func (a *chainStart) Init(args ...any) error {
	a.run.track(a.PID())
	return a.Send(a.PID(), chainKick{})
}

func (a *chainStart) HandleMessage(from gen.PID, message any) error {
	switch message.(type) {
	case chainKick:
		// Blocks until Stop releases c (or the process is killed).
		a.CallWithTimeout(a.next, chainRequest{}, chainCallTimeout)
	case chainPing:
		a.pinged++
	}
	return nil
}

func (a *chainStart) HandleInspect(from gen.PID, item ...string) map[string]string {
	return map[string]string{"pings_handled": fmt.Sprint(a.pinged)}
}

// chainMiddle (b) answers a call by making a call of its own to c.
type chainMiddle struct {
	act.Actor
	run  *run
	next gen.PID
}

func (b *chainMiddle) Init(args ...any) error {
	b.run.track(b.PID())
	return nil
}

func (b *chainMiddle) HandleCall(from gen.PID, ref gen.Ref, request any) (any, error) {
	return b.CallWithTimeout(b.next, request, chainCallTimeout)
}

// chainEnd (c) never answers by itself: its handler blocks until Stop
// closes the release channel (not time.Sleep, which nothing could end).
// It stays Running all along, the one process of the chain that is busy.
type chainEnd struct {
	act.Actor
	run      *run
	entered  chan struct{} // closed when the handler starts blocking
	signaled bool
}

func (c *chainEnd) Init(args ...any) error {
	c.run.track(c.PID())
	return nil
}

func (c *chainEnd) HandleCall(from gen.PID, ref gen.Ref, request any) (any, error) {
	// Also give up once an exit signal waits in the urgent queue: node.Stop
	// sends one to every process and then waits for all of them, so a node
	// stopped before Run.Stop would otherwise wait for c forever. (Calling
	// Run.Stop first is still the clean order: see Start's wait.) Only an
	// exit signal: an observer's inspect request queues there too, and
	// looking at the stuck process must not un-stick it.
	if !c.signaled {
		c.signaled = true
		close(c.entered)
	}
	poll := time.NewTicker(exitPoll)
	defer poll.Stop()
	for {
		select {
		case <-c.run.release:
			return "released", nil
		case <-poll.C:
			if exitPending(c.Mailbox().Urgent) {
				return "exit requested", nil
			}
		}
	}
}

// exitPending reports whether an exit signal waits in q. It walks the
// queue without taking anything from it, which only the process that owns
// the mailbox may do: c, from inside its handler.
func exitPending(q lib.QueueMPSC) bool {
	for item := q.Item(); item != nil; item = item.Next() {
		if m, ok := item.Value().(*gen.MailboxMessage); ok && m.Type == gen.MailboxMessageTypeExit {
			return true
		}
	}
	return false
}

// chainPinger sends a ping to a every pingEvery.
type chainPinger struct {
	act.Actor
	run *run
	to  gen.PID
}

func (p *chainPinger) Init(args ...any) error {
	p.run.track(p.PID())
	p.SendAfter(p.PID(), tick{}, pingEvery)
	return nil
}

func (p *chainPinger) HandleMessage(from gen.PID, message any) error {
	if err := p.Send(p.to, chainPing{}); err != nil {
		return gen.TerminateReasonNormal // a is gone: Stop is under way
	}
	p.SendAfter(p.PID(), tick{}, pingEvery)
	return nil
}
