package scenario

import (
	"errors"
	"math"
	"time"

	"ergo.services/ergo/act"
	"ergo.services/ergo/gen"
)

// errFlaky is the flaky worker's panic: the supervisor restarts it, and
// ergo logs the panic with this reason, as it would in a real loop.
var errFlaky = errors.New("scenario: flaky worker lost its connection")

// startRestartLoop: the worker lives 1/rate seconds.
func startRestartLoop(node gen.Node, rate float64) (*Run, error) {
	r := newRun(node)
	life := every(rate)
	pid, err := r.spawn("scenario_restart_supervisor", func() gen.ProcessBehavior { return &restartSupervisor{run: r, life: life} })
	return r.started(err, pid)
}

// restartSupervisor restarts its only child forever: its restart intensity
// (the most ergo allows, 65535 restarts a second) is never reached, so the
// loop never ends by the supervisor giving up, as with a badly tuned
// supervisor in production.
type restartSupervisor struct {
	act.Supervisor
	run  *run
	life time.Duration
}

func (s *restartSupervisor) Init(args ...any) (act.SupervisorSpec, error) {
	s.run.track(s.PID())
	return act.SupervisorSpec{
		Type: act.SupervisorTypeOneForOne,
		Children: []act.SupervisorChildSpec{{
			// A one-for-one supervisor registers its children under their
			// spec names, so the worker is findable by name after every restart.
			Name:    "scenario_flaky_worker",
			Factory: func() gen.ProcessBehavior { return &flakyWorker{run: s.run, life: s.life} },
		}},
		Restart: act.SupervisorRestart{
			Strategy:  act.SupervisorStrategyPermanent,
			Intensity: math.MaxUint16,
			Period:    1,
		},
	}, nil
}

// flakyWorker panics life after it starts.
type flakyWorker struct {
	act.Actor
	run  *run
	life time.Duration
}

func (w *flakyWorker) Init(args ...any) error {
	w.run.track(w.PID())
	w.SendAfter(w.PID(), tick{}, w.life)
	return nil
}

func (w *flakyWorker) HandleMessage(from gen.PID, message any) error {
	// Free the name before failing. ergo (3.1 and 3.2) signals the linked
	// supervisor before it deletes a dead process's name, so the restart can
	// find "scenario_flaky_worker" still taken: the supervisor then ends with
	// ErrTaken and the loop stops by accident (in about one run of four).
	w.UnregisterName()
	panic(errFlaky)
}
