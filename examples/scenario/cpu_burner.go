package scenario

import (
	"fmt"
	"time"

	"ergo.services/ergo/act"
	"ergo.services/ergo/gen"
)

// The burner spins its share of every 20 ms cycle, then schedules its
// next tick for the rest of the cycle. The next tick is scheduled after the spin
// on purpose: the handler then always returns to an empty mailbox, and
// ergo 3.1 adds a process's RunningTime only when its mailbox empties
// (a tick that queued up during the spin would hide the burner's time).
const burnCycle = 20 * time.Millisecond

func startCPUBurner(node gen.Node, share float64) (*Run, error) {
	share = min(max(share, 0.05), 0.95)
	burn := time.Duration(share * float64(burnCycle))
	r := newRun(node)
	pid, err := r.spawn("scenario_cpu_burner", func() gen.ProcessBehavior {
		return &cpuBurner{run: r, burn: burn, pause: burnCycle - burn}
	})
	return r.started(err, pid)
}

// cpuBurner burns CPU in its message handler.
type cpuBurner struct {
	act.Actor
	run         *run
	burn, pause time.Duration
	ticks       uint64
	sum         uint64 // the spin's result, kept so the loop has an effect
}

func (b *cpuBurner) Init(args ...any) error {
	b.run.track(b.PID())
	b.SendAfter(b.PID(), tick{}, b.pause)
	return nil
}

func (b *cpuBurner) HandleMessage(from gen.PID, message any) error {
	b.ticks++
	// A busy loop, no sleep: the goroutine stays on a CPU for its share of the cycle, so
	// CPU profiles and running time both point here.
	for start := time.Now(); time.Since(start) < b.burn; {
		for i := range uint64(1000) {
			b.sum = b.sum*31 + i
		}
	}
	b.SendAfter(b.PID(), tick{}, b.pause)
	return nil
}

func (b *cpuBurner) HandleInspect(from gen.PID, item ...string) map[string]string {
	return map[string]string{"ticks": fmt.Sprint(b.ticks)}
}
