package scenario

import (
	"fmt"
	"time"

	"ergo.services/ergo/act"
	"ergo.services/ergo/gen"
)

// OrdersEvent is the event the events scenario publishes, at the scenario's rate, with nobody subscribed.
const OrdersEvent gen.Atom = "scenario_orders"

func startEvents(node gen.Node, rate float64) (*Run, error) {
	r := newRun(node)
	pid, err := r.spawn("scenario_event_producer", func() gen.ProcessBehavior { return &eventProducer{run: r, every: every(rate)} })
	return r.started(err, pid)
}

// Order is the message published on OrdersEvent; exported so that a test
// or a demo subscriber can read it.
type Order struct{ N uint64 }

// eventProducer registers OrdersEvent and publishes on it whether or not
// anyone listens: wasted work diagnose should point out.
type eventProducer struct {
	act.Actor
	run       *run
	every     time.Duration
	token     gen.Ref
	published uint64
}

func (p *eventProducer) Init(args ...any) error {
	p.run.track(p.PID())
	// ergo 3.2 refuses RegisterEvent during Init: register on the first tick.
	return p.Send(p.PID(), tick{})
}

func (p *eventProducer) HandleMessage(from gen.PID, message any) error {
	if p.token == (gen.Ref{}) {
		token, err := p.RegisterEvent(OrdersEvent, gen.EventOptions{})
		if err != nil {
			// Most likely another events scenario runs on this node already.
			return fmt.Errorf("register event %s: %w", OrdersEvent, err)
		}
		p.token = token
	}
	p.published++
	if err := p.SendEvent(OrdersEvent, p.token, Order{N: p.published}); err != nil {
		p.Log().Warning("publish %s: %s", OrdersEvent, err)
	}
	p.SendAfter(p.PID(), tick{}, p.every)
	return nil
}

func (p *eventProducer) HandleInspect(from gen.PID, item ...string) map[string]string {
	return map[string]string{"published": fmt.Sprint(p.published)}
}
