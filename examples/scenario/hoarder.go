package scenario

import (
	"fmt"
	"time"

	"ergo.services/ergo/act"
	"ergo.services/ergo/gen"
)

// The hoarder keeps every hoardChunk it allocates, rate MB a second, up to
// hoardMax; then it stops allocating (still holding it all).
const (
	hoardChunk = 256 << 10
	hoardMax   = 256 << 20
)

func startHoarder(node gen.Node, mbPerSec float64) (*Run, error) {
	r := newRun(node)
	chunksPerSec := mbPerSec * (1 << 20) / hoardChunk
	pid, err := r.spawn("scenario_hoarder", func() gen.ProcessBehavior { return &hoarder{run: r, every: every(chunksPerSec)} })
	return r.started(err, pid)
}

// hoarder is a cache that never evicts: the allocation site
// examples/scenario.(*hoarder).HandleMessage holds all it allocated.
type hoarder struct {
	act.Actor
	run   *run
	every time.Duration
	kept  [][]byte
}

func (h *hoarder) Init(args ...any) error {
	h.run.track(h.PID())
	h.SendAfter(h.PID(), tick{}, h.every)
	return nil
}

func (h *hoarder) HandleMessage(from gen.PID, message any) error {
	if len(h.kept)*hoardChunk >= hoardMax {
		return nil
	}
	buf := make([]byte, hoardChunk)
	for i := 0; i < len(buf); i += 4096 {
		buf[i] = 1 // resident, not just reserved
	}
	h.kept = append(h.kept, buf)
	h.SendAfter(h.PID(), tick{}, h.every)
	return nil
}

func (h *hoarder) HandleInspect(from gen.PID, item ...string) map[string]string {
	return map[string]string{"held_kb": fmt.Sprint(len(h.kept) * hoardChunk >> 10)}
}
