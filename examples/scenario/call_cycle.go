package scenario

import (
	"fmt"
	"math"

	"ergo.services/ergo/act"
	"ergo.services/ergo/gen"
)

// startCallCycle starts a and b, each of which answers a call by calling
// the other: a's first call makes the ring. Calls time out after
// 1/rate seconds (whole seconds, as CallWithTimeout takes them).
func startCallCycle(node gen.Node, rate float64) (*Run, error) {
	timeout := max(int(math.Round(1/max(rate, 0.01))), 1)
	r := newRun(node)
	b, err := r.spawn("scenario_cycle_b", func() gen.ProcessBehavior { return &cycleMember{run: r, timeout: timeout} })
	if err != nil {
		return r.started(err)
	}
	a, err := r.spawn("scenario_cycle_a", func() gen.ProcessBehavior { return &cycleMember{run: r, timeout: timeout, next: b, kick: true} })
	if err != nil {
		return r.started(err)
	}
	// b learns a only now: a did not exist when b started.
	if err := node.Send(b, cycleNext{a}); err != nil {
		return r.started(err)
	}
	return r.started(nil, a, b)
}

// cycleNext tells a member whom to call.
type cycleNext struct{ pid gen.PID }

// cycleRequest is the call that goes round.
type cycleRequest struct{}

// cycleMember calls next when it starts (a only) and on every call it
// gets; a timed-out call is logged and made again.
type cycleMember struct {
	act.Actor
	run      *run
	timeout  int
	next     gen.PID
	kick     bool
	timeouts uint64
}

func (m *cycleMember) Init(args ...any) error {
	m.run.track(m.PID())
	if m.kick {
		return m.Send(m.PID(), tick{})
	}
	return nil
}

// call calls next until Stop begins or a call is answered.
func (m *cycleMember) call() {
	for !m.run.released() && m.next != (gen.PID{}) {
		_, err := m.CallWithTimeout(m.next, cycleRequest{}, m.timeout)
		if err == nil {
			return
		}
		m.timeouts++
		m.Log().Warning("call to %s failed: %s", m.next, err)
		if err != gen.ErrTimeout {
			return
		}
	}
}

func (m *cycleMember) HandleMessage(from gen.PID, message any) error {
	switch msg := message.(type) {
	case cycleNext:
		m.next = msg.pid
	case tick:
		m.call()
	}
	return nil
}

func (m *cycleMember) HandleCall(from gen.PID, ref gen.Ref, request any) (any, error) {
	m.call()
	return "ok", nil
}

func (m *cycleMember) HandleInspect(from gen.PID, item ...string) map[string]string {
	return map[string]string{"timeouts": fmt.Sprint(m.timeouts)}
}
