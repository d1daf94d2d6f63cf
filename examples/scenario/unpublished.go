package scenario

import (
	"fmt"
	"math"

	"ergo.services/ergo/act"
	"ergo.services/ergo/gen"
)

// SilentEvent is the event the event_unpublished scenario registers and
// never publishes.
const SilentEvent gen.Atom = "scenario_silent"

// startUnpublished registers SilentEvent and subscribes n processes to it.
func startUnpublished(node gen.Node, n float64) (*Run, error) {
	r := newRun(node)
	registered := make(chan error, 1)
	producer, err := r.spawn("scenario_silent_producer", func() gen.ProcessBehavior { return &silentProducer{run: r, registered: registered} })
	if err != nil {
		return r.started(err)
	}
	if err := <-registered; err != nil {
		return r.started(err)
	}
	for i := range max(int(math.Round(n)), 1) {
		if _, err := r.spawn(gen.Atom(fmt.Sprintf("scenario_silent_subscriber_%d", i)), func() gen.ProcessBehavior { return &silentSubscriber{run: r} }); err != nil {
			return r.started(err)
		}
	}
	return r.started(nil, producer)
}

// silentProducer registers the event on its first message and then does
// nothing: the subscribers wait for news that never comes.
type silentProducer struct {
	act.Actor
	run        *run
	registered chan error
}

func (p *silentProducer) Init(args ...any) error {
	p.run.track(p.PID())
	return p.Send(p.PID(), tick{}) // RegisterEvent is refused during Init
}

func (p *silentProducer) HandleMessage(from gen.PID, message any) error {
	_, err := p.RegisterEvent(SilentEvent, gen.EventOptions{})
	p.registered <- err
	return err
}

// silentSubscriber subscribes on its first message.
type silentSubscriber struct {
	act.Actor
	run *run
}

func (s *silentSubscriber) Init(args ...any) error {
	s.run.track(s.PID())
	return s.Send(s.PID(), tick{})
}

func (s *silentSubscriber) HandleMessage(from gen.PID, message any) error {
	_, err := s.MonitorEvent(gen.Event{Name: SilentEvent, Node: s.Node().Name()})
	return err
}
