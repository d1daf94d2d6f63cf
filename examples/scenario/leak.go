package scenario

import (
	"fmt"
	"time"

	"ergo.services/ergo/act"
	"ergo.services/ergo/gen"
)

// The spawner leaks workers at its rate and stops at leakMax, so a demo
// left running cannot exhaust the machine (5000 idle actors are a few MB).
const leakMax = 5000

func startLeak(node gen.Node, rate float64) (*Run, error) {
	r := newRun(node)
	pid, err := r.spawn("scenario_leak_spawner", func() gen.ProcessBehavior { return &leakSpawner{run: r, every: every(rate)} })
	return r.started(err, pid)
}

// leakSpawner spawns workers and forgets them: nobody ever tells them to
// stop, the classic leak of a spawn-per-request design.
type leakSpawner struct {
	act.Actor
	run     *run
	every   time.Duration
	spawned int
}

func (s *leakSpawner) Init(args ...any) error {
	s.run.track(s.PID())
	s.SendAfter(s.PID(), tick{}, s.every)
	return nil
}

func (s *leakSpawner) HandleMessage(from gen.PID, message any) error {
	if s.spawned >= leakMax {
		return nil // stop ticking: the leak has reached its cap
	}
	if _, err := s.Spawn(func() gen.ProcessBehavior { return &leakedWorker{run: s.run} }, gen.ProcessOptions{}); err != nil {
		s.Log().Warning("spawn leaked worker: %s", err)
	} else {
		s.spawned++
	}
	s.SendAfter(s.PID(), tick{}, s.every)
	return nil
}

func (s *leakSpawner) HandleInspect(from gen.PID, item ...string) map[string]string {
	return map[string]string{"spawned": fmt.Sprint(s.spawned), "cap": fmt.Sprint(leakMax)}
}

// leakedWorker is a process nobody needs: it waits for a message that
// never comes. It has a behavior type of its own so that process lists
// grouped by behavior show the leak as one growing group.
type leakedWorker struct {
	act.Actor
	run *run
}

func (w *leakedWorker) Init(args ...any) error {
	w.run.track(w.PID())
	return nil
}
