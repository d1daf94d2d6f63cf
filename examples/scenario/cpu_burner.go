package scenario

import (
	"fmt"
	"time"

	"ergo.services/ergo/act"
	"ergo.services/ergo/gen"
)

// The burner spins burnFor, then schedules its next tick burnPause later:
// a 20 ms cycle, 75% of one CPU. The next tick is scheduled after the spin
// on purpose: the handler then always returns to an empty mailbox, and
// ergo 3.1 adds a process's RunningTime only when its mailbox empties
// (a tick that queued up during the spin would hide the burner's time).
const (
	burnFor   = 15 * time.Millisecond
	burnPause = 5 * time.Millisecond
)

func startCPUBurner(node gen.Node) (*Run, error) {
	r := newRun(node)
	pid, err := r.spawn("scenario_cpu_burner", func() gen.ProcessBehavior { return &cpuBurner{run: r} })
	return r.started(err, pid)
}

// cpuBurner burns CPU in its message handler.
type cpuBurner struct {
	act.Actor
	run   *run
	ticks uint64
	sum   uint64 // the spin's result, kept so the loop has an effect
}

func (b *cpuBurner) Init(args ...any) error {
	b.run.track(b.PID())
	b.SendAfter(b.PID(), tick{}, burnPause)
	return nil
}

func (b *cpuBurner) HandleMessage(from gen.PID, message any) error {
	b.ticks++
	// A busy loop, no sleep: the goroutine stays on a CPU for burnFor, so
	// CPU profiles and running time both point here.
	for start := time.Now(); time.Since(start) < burnFor; {
		for i := range uint64(1000) {
			b.sum = b.sum*31 + i
		}
	}
	b.SendAfter(b.PID(), tick{}, burnPause)
	return nil
}

func (b *cpuBurner) HandleInspect(from gen.PID, item ...string) map[string]string {
	return map[string]string{"ticks": fmt.Sprint(b.ticks)}
}
