package scenario

import (
	"time"

	"ergo.services/ergo/act"
	"ergo.services/ergo/gen"
)

// HealthyRates are the loads, in messages/s, the healthy control runs at.
var HealthyRates = []float64{100, 1000}

// healthyTick spaces the feeder's bursts.
const healthyTick = 10 * time.Millisecond

// StartHealthy starts scenario_healthy_worker, which handles rate messages
// a second in fast callbacks, fed by scenario_healthy_feeder: diagnose must
// blame neither. It is not in All(): it is what every rule must stay quiet on.
func StartHealthy(node gen.Node, rate float64) (*Run, error) {
	r := newRun(node)
	worker, err := r.spawn("scenario_healthy_worker", func() gen.ProcessBehavior { return &healthyWorker{run: r} })
	if err != nil {
		return r.started(err)
	}
	perTick := max(int(rate*healthyTick.Seconds()), 1)
	_, err = r.spawn("scenario_healthy_feeder", func() gen.ProcessBehavior { return &healthyFeeder{run: r, to: worker, perTick: perTick} })
	return r.started(err, worker)
}

type healthyFeeder struct {
	act.Actor
	run     *run
	to      gen.PID
	perTick int
}

func (f *healthyFeeder) Init(args ...any) error {
	f.run.track(f.PID())
	f.SendAfter(f.PID(), tick{}, healthyTick)
	return nil
}

func (f *healthyFeeder) HandleMessage(from gen.PID, message any) error {
	for range f.perTick {
		if err := f.Send(f.to, job{}); err != nil {
			return gen.TerminateReasonNormal
		}
	}
	f.SendAfter(f.PID(), tick{}, healthyTick)
	return nil
}

// healthyWorker does a little work per message: microseconds.
type healthyWorker struct {
	act.Actor
	run  *run
	sum  uint64
	seen uint64
}

func (w *healthyWorker) Init(args ...any) error {
	w.run.track(w.PID())
	return nil
}

func (w *healthyWorker) HandleMessage(from gen.PID, message any) error {
	w.seen++
	for i := range uint64(200) {
		w.sum = w.sum*31 + i
	}
	return nil
}
