package scenario

import (
	"fmt"
	"time"

	"ergo.services/ergo/act"
	"ergo.services/ergo/gen"
)

// The hog keeps one more hogChunk at its rate (20 MB/s by default) until it holds
// hogMaxChunks (512 MB); then it replaces the oldest chunk on every tick,
// so the heap stays large and the GC keeps working.
const (
	hogChunk     = 1 << 20
	hogMaxChunks = 512
)

// startMemory keeps rate MB more a second (one chunk per tick).
func startMemory(node gen.Node, rate float64) (*Run, error) {
	r := newRun(node)
	pid, err := r.spawn("scenario_memory_hog", func() gen.ProcessBehavior { return &memoryHog{run: r, every: every(rate)} })
	return r.started(err, pid)
}

// memoryHog holds on to memory it allocates. Its name is what heap
// profiles show: the allocation site is
// github.com/ergomcp/ergomcp/examples/scenario.(*memoryHog).HandleMessage
// and the process's Behavior is "scenario.memoryHog", which lets diagnose
// tie heap growth to this process.
type memoryHog struct {
	act.Actor
	run    *run
	every  time.Duration
	chunks [][]byte
	next   int // ring position once chunks is full
}

func (h *memoryHog) Init(args ...any) error {
	h.run.track(h.PID())
	h.SendAfter(h.PID(), tick{}, h.every)
	return nil
}

func (h *memoryHog) HandleMessage(from gen.PID, message any) error {
	// Allocated right here, not in a helper, so the profile's allocation
	// site is this method.
	chunk := make([]byte, hogChunk)
	// Touch every page so the memory is really resident, not just reserved.
	for i := 0; i < len(chunk); i += 4096 {
		chunk[i] = 1
	}
	if len(h.chunks) < hogMaxChunks {
		h.chunks = append(h.chunks, chunk)
	} else {
		h.chunks[h.next] = chunk
		h.next = (h.next + 1) % hogMaxChunks
	}
	h.SendAfter(h.PID(), tick{}, h.every)
	return nil
}

func (h *memoryHog) HandleInspect(from gen.PID, item ...string) map[string]string {
	return map[string]string{"held_mb": fmt.Sprint(len(h.chunks) * hogChunk >> 20)}
}
