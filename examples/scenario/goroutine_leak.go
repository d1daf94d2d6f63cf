package scenario

import (
	"fmt"
	"time"

	"ergo.services/ergo/act"
	"ergo.services/ergo/gen"
)

// goLeakMax caps the goroutines one leaker starts (a few KB each).
const goLeakMax = 20000

func startGoroutineLeak(node gen.Node, rate float64) (*Run, error) {
	r := newRun(node)
	pid, err := r.spawn("scenario_goroutine_leaker", func() gen.ProcessBehavior { return &goroutineLeaker{run: r, every: every(rate)} })
	return r.started(err, pid)
}

// goroutineLeaker starts a goroutine per tick that waits for a reply on
// a channel nobody ever writes: a fire-and-forget helper whose answer is
// never sent. Stop closes release, which frees them.
type goroutineLeaker struct {
	act.Actor
	run     *run
	every   time.Duration
	started int
}

func (g *goroutineLeaker) Init(args ...any) error {
	g.run.track(g.PID())
	g.SendAfter(g.PID(), tick{}, g.every)
	return nil
}

func (g *goroutineLeaker) HandleMessage(from gen.PID, message any) error {
	if g.started >= goLeakMax {
		return nil
	}
	reply := make(chan string)
	go awaitReply(reply, g.run.release)
	g.started++
	g.SendAfter(g.PID(), tick{}, g.every)
	return nil
}

// awaitReply parks until a reply that never comes (or Stop).
func awaitReply(reply <-chan string, release <-chan struct{}) {
	select {
	case <-reply:
	case <-release:
	}
}

func (g *goroutineLeaker) HandleInspect(from gen.PID, item ...string) map[string]string {
	return map[string]string{"goroutines_started": fmt.Sprint(g.started)}
}
