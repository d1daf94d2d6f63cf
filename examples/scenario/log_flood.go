package scenario

import (
	"fmt"
	"time"

	"ergo.services/ergo/act"
	"ergo.services/ergo/gen"
)

func startLogFlood(node gen.Node, rate float64) (*Run, error) {
	r := newRun(node)
	pid, err := r.spawn("scenario_log_flooder", func() gen.ProcessBehavior { return &logFlooder{run: r, every: every(rate)} })
	return r.started(err, pid)
}

// logFlooder rejects an order on every tick and logs it as an error.
type logFlooder struct {
	act.Actor
	run    *run
	every  time.Duration
	logged uint64
}

func (l *logFlooder) Init(args ...any) error {
	l.run.track(l.PID())
	l.SendAfter(l.PID(), tick{}, l.every)
	return nil
}

func (l *logFlooder) HandleMessage(from gen.PID, message any) error {
	l.logged++
	l.Log().Error("order %d rejected: %s", l.logged, "payment service unavailable")
	l.SendAfter(l.PID(), tick{}, l.every)
	return nil
}

func (l *logFlooder) HandleInspect(from gen.PID, item ...string) map[string]string {
	return map[string]string{"logged": fmt.Sprint(l.logged)}
}
