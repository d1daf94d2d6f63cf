package scenario

import (
	"fmt"
	"time"

	"ergo.services/ergo/act"
	"ergo.services/ergo/gen"
)

// The consumer handles 20 jobs/s (consumeTime each); the producer sends
// 20 + growth a second, so the mailbox grows by growth a second.
const consumeTime = 50 * time.Millisecond

func startSlowConsumer(node gen.Node, growth float64) (*Run, error) {
	produceEvery := every(float64(time.Second/consumeTime) + growth)
	r := newRun(node)
	consumer, err := r.spawn("scenario_slow_consumer", func() gen.ProcessBehavior { return &slowConsumer{run: r} })
	if err != nil {
		return r.started(err)
	}
	_, err = r.spawn("scenario_producer", func() gen.ProcessBehavior { return &jobProducer{run: r, to: consumer, every: produceEvery} })
	return r.started(err, consumer)
}

// job is one unit of work for the slow consumer.
type job struct{ n uint64 }

// jobProducer sends a job to the consumer at its pace.
type jobProducer struct {
	act.Actor
	run   *run
	to    gen.PID
	every time.Duration
	sent  uint64
}

func (p *jobProducer) Init(args ...any) error {
	p.run.track(p.PID())
	p.SendAfter(p.PID(), tick{}, p.every)
	return nil
}

func (p *jobProducer) HandleMessage(from gen.PID, message any) error {
	p.sent++
	if err := p.Send(p.to, job{p.sent}); err != nil {
		// The consumer is gone (Stop is under way): stop producing.
		return gen.TerminateReasonNormal
	}
	p.SendAfter(p.PID(), tick{}, p.every)
	return nil
}

func (p *jobProducer) HandleInspect(from gen.PID, item ...string) map[string]string {
	return map[string]string{"jobs_sent": fmt.Sprint(p.sent)}
}

// slowConsumer spends consumeTime on every job. It sleeps rather than
// spins: the point is throughput, not CPU, so cpu_hog must not fire on it.
type slowConsumer struct {
	act.Actor
	run  *run
	done uint64
}

func (c *slowConsumer) Init(args ...any) error {
	c.run.track(c.PID())
	return nil
}

func (c *slowConsumer) HandleMessage(from gen.PID, message any) error {
	time.Sleep(consumeTime)
	c.done++
	return nil
}

func (c *slowConsumer) HandleInspect(from gen.PID, item ...string) map[string]string {
	return map[string]string{"jobs_done": fmt.Sprint(c.done)}
}
