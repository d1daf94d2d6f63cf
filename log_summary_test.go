package ergomcp_test

import (
	"fmt"
	"testing"
	"time"

	"ergo.services/ergo/act"
	"ergo.services/ergo/gen"

	"github.com/ergomcp/ergomcp"
	"github.com/ergomcp/ergomcp/internal/mcptest"
)

// storm logs on demand: a logBurst message makes it log n lines of one
// format with the numbers varying, as a failing loop does.
type storm struct{ act.Actor }

type logBurst struct {
	n     int
	level gen.LogLevel
	fmt   string // with one %d and one %s
}

func (s *storm) HandleMessage(from gen.PID, message any) error {
	b := message.(logBurst)
	for i := range b.n {
		id := fmt.Sprintf("%08x", 0xa0000000+i) // a hex ID: folded
		switch b.level {
		case gen.LogLevelError:
			s.Log().Error(b.fmt, 1000+i*7, id)
		default:
			s.Log().Warning(b.fmt, 1000+i*7, id)
		}
	}
	return nil
}

type logSummary struct {
	SamplerID       string `json:"sampler_id"`
	Summarized      int
	Dropped         uint64
	DroppedBySource []struct {
		Source  string
		Dropped uint64
	} `json:"dropped_by_source"`
	ByKind  map[string]int `json:"by_kind"`
	ByLevel []struct {
		Level       string
		Count       int
		First, Last time.Time
	} `json:"by_level"`
	SourcesTotal int `json:"sources_total"`
	BySource     []struct {
		Source string
		Count  int
		Levels map[string]int
	} `json:"by_source"`
	TemplatesTotal int `json:"templates_total"`
	Templates      []struct {
		Template      string
		Count         int
		First, Last   time.Time
		Example       string
		ExampleSource string `json:"example_source"`
	}
}

// A log storm reads as one summary, exact against the lines injected:
// counts by level, by source and by template (numbers and hex IDs folded),
// first before last, one real example; a source excluded at listen time
// never shows; a buffer too small for the storm counts what it overwrote,
// per source, and the summary still adds up.
func TestLogSummary(t *testing.T) {
	node, s := openSession(t, ergomcp.Options{Port: mcptest.FreePort(t)}, startNode)
	loud, err := node.SpawnRegister("loud_storm", func() gen.ProcessBehavior { return &storm{} }, gen.ProcessOptions{})
	if err != nil {
		t.Fatal(err)
	}
	quiet, err := node.SpawnRegister("quiet_storm", func() gen.ProcessBehavior { return &storm{} }, gen.ProcessOptions{})
	if err != nil {
		t.Fatal(err)
	}
	all, _ := startSampler(s, map[string]any{"log_levels": []string{"warning", "error"}, "log_source": "process", "buffer_size": 4096})
	noLoud, _ := startSampler(s, map[string]any{"log_levels": []string{"warning", "error"}, "log_source": "process",
		"exclude_source": []string{"loud_storm"}, "buffer_size": 4096})
	small, _ := startSampler(s, map[string]any{"log_levels": []string{"warning", "error"}, "log_source": "process", "buffer_size": 50})

	const loudN, quietN = 300, 20
	node.Send(loud, logBurst{n: loudN, level: gen.LogLevelError, fmt: "order %d failed: upstream %s timed out"})
	node.Send(quiet, logBurst{n: quietN, level: gen.LogLevelWarning, fmt: "cache miss %d for key %s"})

	summary := func(id string, want int) logSummary {
		var sum logSummary
		mcptest.WaitFor(t, func() bool {
			sum = logSummary{}
			s.ok("sample_read", map[string]any{"sampler_id": id, "summary": true}, &sum)
			return sum.Summarized+int(sum.Dropped) >= want
		})
		return sum
	}
	sum := summary(all, loudN+quietN)
	if sum.Summarized != loudN+quietN || sum.Dropped != 0 || sum.ByKind["log"] != loudN+quietN || sum.SourcesTotal != 2 || sum.TemplatesTotal != 2 {
		t.Fatalf("summary: %+v", sum)
	}
	if len(sum.ByLevel) != 2 || sum.ByLevel[0].Level != "error" || sum.ByLevel[0].Count != loudN || sum.ByLevel[1].Level != "warning" ||
		sum.ByLevel[1].Count != quietN || sum.ByLevel[0].First.After(sum.ByLevel[0].Last) {
		t.Errorf("by level: %+v", sum.ByLevel)
	}
	loudSrc := fmt.Sprintf("process %s loud_storm", loud)
	if len(sum.BySource) != 2 || sum.BySource[0].Source != loudSrc || sum.BySource[0].Count != loudN || sum.BySource[0].Levels["error"] != loudN ||
		sum.BySource[1].Source != fmt.Sprintf("process %s quiet_storm", quiet) || sum.BySource[1].Count != quietN {
		t.Errorf("by source: %+v", sum.BySource)
	}
	tp := sum.Templates[0]
	if tp.Template != "order <N> failed: upstream <HEX> timed out" || tp.Count != loudN || tp.Example != "order 1000 failed: upstream a0000000 timed out" ||
		tp.ExampleSource != loudSrc || !tp.Last.After(tp.First) {
		t.Errorf("loud template: %+v", tp)
	}
	if tp := sum.Templates[1]; tp.Template != "cache miss <N> for key <HEX>" || tp.Count != quietN {
		t.Errorf("quiet template: %+v", tp)
	}

	// The excluded source was never recorded.
	ex := summary(noLoud, quietN)
	if ex.Summarized != quietN || ex.SourcesTotal != 1 || ex.BySource[0].Count != quietN {
		t.Errorf("exclude_source: %+v", ex)
	}

	// 320 lines into 50 slots: 270 overwritten, named by source, and
	// what is held plus what was dropped is every line.
	sm := summary(small, loudN+quietN)
	var droppedSum uint64
	for _, d := range sm.DroppedBySource {
		droppedSum += d.Dropped
	}
	if sm.Summarized != 50 || sm.Dropped != loudN+quietN-50 || droppedSum != sm.Dropped || len(sm.DroppedBySource) == 0 {
		t.Errorf("small buffer: summarized %d dropped %d by source %+v", sm.Summarized, sm.Dropped, sm.DroppedBySource)
	}
	// A healthy control: a sampler of a quiet node summarizes nothing.
	var none logSummary
	quietID, _ := startSampler(s, map[string]any{"log_levels": []string{"panic"}, "log_source": "process"})
	s.ok("sample_read", map[string]any{"sampler_id": quietID, "summary": true}, &none)
	if none.Summarized != 0 || none.SourcesTotal != 0 || len(none.Templates) != 0 {
		t.Errorf("quiet sampler: %+v", none)
	}
}
