package ergomcp_test

import (
	"encoding/json"
	"testing"

	"github.com/ergomcp/ergomcp"
	"github.com/ergomcp/ergomcp/internal/mcptest"
)

// wakeUpCatchTarget parks until release closes: the goroutine a sampler
// waits for.
//
//go:noinline
func wakeUpCatchTarget(release chan struct{}) { <-release }

// A sampler with stop=first_match keeps calling while pprof_goroutines
// matches nothing and ends at the first result that matched: the wake-up
// catch works with a filter. Without it, count=1 ends at once on Matched 0
// (the control that shows why).
func TestFirstMatchSampler(t *testing.T) {
	_, s := openSession(t, ergomcp.Options{Port: mcptest.FreePort(t)}, startNode)
	args := map[string]any{"filter": "wakeUpCatchTarget", "exclude": "toolPprof"}

	plain, _ := startSampler(s, map[string]any{"tool": "pprof_goroutines", "arguments": args, "interval_ms": 100, "count": 1, "duration_sec": 30})
	b := waitStatus(s, plain, "lingering", "")
	var got struct{ Matched int }
	if len(b.Samples) != 1 || json.Unmarshal(b.Samples[0].Data, &got) != nil || got.Matched != 0 {
		t.Fatalf("control: count=1 should end on the first (empty) result: %+v", b)
	}

	id, _ := startSampler(s, map[string]any{"tool": "pprof_goroutines", "arguments": args, "interval_ms": 100, "stop": "first_match", "duration_sec": 30})
	var misses uint64
	mcptest.WaitFor(t, func() bool {
		var l struct {
			Samplers []struct {
				SamplerID string `json:"sampler_id"`
				Misses    uint64
				Samples   uint64
				Status    string
			}
		}
		s.ok("sample_list", nil, &l)
		for _, it := range l.Samplers {
			if it.SamplerID == id {
				if it.Samples != 0 || it.Status != "running" {
					t.Fatalf("a result that matched nothing was kept: %+v", it)
				}
				misses = it.Misses
			}
		}
		return misses >= 3
	})
	release := make(chan struct{})
	defer close(release)
	go wakeUpCatchTarget(release)
	b = waitStatus(s, id, "lingering", "")
	if b.Reason != "count" || len(b.Samples) != 1 || json.Unmarshal(b.Samples[0].Data, &got) != nil || got.Matched != 1 {
		t.Fatalf("first match: %+v", b)
	}
	s.fail("sample_start", map[string]any{"tool": "runtime_stats", "stop": "first_match", "count": 2}, "count must be 0 or 1")
	s.fail("sample_start", map[string]any{"tool": "runtime_stats", "stop": "always"}, `stop "always" is not valid`)
}
