package rtstats

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"slices"
	"strings"
	"testing"
)

var keep [][]byte

func TestReadPlausible(t *testing.T) {
	for range 1000 {
		keep = append(keep, make([]byte, 1024)) // some live heap
	}
	runtime.GC() // HeapLiveBytes is as of the last GC: 0 before the first
	s := Read()
	if len(s.Unavailable) != 0 {
		t.Errorf("unavailable on %s (a metric name is wrong, or this Go dropped it): %v", runtime.Version(), s.Unavailable)
	}
	switch {
	case s.GoVersion != runtime.Version() || s.GOMAXPROCS < 1 || s.NumCPU < 1 || s.Threads < 1:
		t.Errorf("basics: %+v", s)
	case s.Goroutines < 1 || s.GoroutinesRunning < 1 || s.GoroutinesCreated < 1:
		t.Errorf("goroutines: %+v", s)
	case s.HeapLiveBytes == 0 || s.HeapGoalBytes < s.HeapLiveBytes || s.HeapObjects == 0:
		t.Errorf("heap: live %d goal %d objects %d", s.HeapLiveBytes, s.HeapGoalBytes, s.HeapObjects)
	case s.MemoryLimitBytes == 0 || s.GOGCPercent != 100 && os.Getenv("GOGC") == "":
		t.Errorf("limits: %d %d", s.MemoryLimitBytes, s.GOGCPercent)
	case s.MemoryTotalBytes < s.MemoryHeapObjectsBytes+s.MemoryStacksBytes+s.MemoryMetadataBytes || s.MemoryStacksBytes == 0 || s.MemoryMetadataBytes == 0:
		t.Errorf("memory classes: %+v", s)
	case s.GCCPUShare < 0 || s.GCCPUShare > 1:
		t.Errorf("GC CPU share %v", s.GCCPUShare)
	}
	before := s.GCCycles
	runtime.GC()
	s = Read()
	if s.GCCycles <= before || s.GCCyclesForced < 1 {
		t.Errorf("GC cycles %d -> %d, forced %d", before, s.GCCycles, s.GCCyclesForced)
	}
	for _, q := range [][4]float64{
		{s.GCPauseP50Seconds, s.GCPauseP90Seconds, s.GCPauseP99Seconds, s.GCPauseMaxSeconds},
		{s.SchedLatencyP50Seconds, s.SchedLatencyP90Seconds, s.SchedLatencyP99Seconds, s.SchedLatencyMaxSeconds},
	} {
		if !slices.IsSorted(q[:]) || q[0] < 0 || q[3] <= 0 {
			t.Errorf("percentiles not monotone or empty: %v", q)
		}
	}
}

func TestJSON(t *testing.T) {
	b, err := json.Marshal(Read())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(b), `{"GoVersion":"go`) || strings.Contains(string(b), "Unavailable") {
		t.Fatalf("got %s", b)
	}
	s := Stats{Unavailable: map[string]string{"Threads": "runtime/metrics in go1.x has no /sched/threads/total:threads"}}
	b, err = json.Marshal(&s)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if _, ok := m["Threads"]; ok || m["Unavailable"] == nil || m["Goroutines"] == nil {
		t.Fatalf("got %s", b)
	}
}

func TestResolve(t *testing.T) {
	src := source{metrics: []string{"/a", "/new|/old"}}
	if names, missing := src.resolve(map[string]bool{"/a": true, "/old": true}); missing != "" || !slices.Equal(names, []string{"/a", "/old"}) {
		t.Fatalf("fallback: %v %q", names, missing)
	}
	if names, _ := src.resolve(map[string]bool{"/a": true, "/new": true, "/old": true}); names[1] != "/new" {
		t.Fatalf("preference: %v", names)
	}
	if _, missing := src.resolve(map[string]bool{"/a": true}); missing != "/new or /old" {
		t.Fatalf("missing: %q", missing)
	}
}

func TestPercentile(t *testing.T) {
	inf := math.Inf(1)
	h := &metrics.Float64Histogram{
		Counts:  []uint64{1, 0, 8, 1},
		Buckets: []float64{math.Inf(-1), 1, 2, 3, inf},
	}
	for _, c := range []struct{ q, want float64 }{
		{0, 1}, {0.1, 1}, {0.11, 3}, {0.5, 3}, {0.9, 3}, {0.91, 3}, {0.99, 3}, {1, 3}, {-1, 1}, {2, 3}, {math.NaN(), 1},
	} {
		if got := Percentile(h, c.q); got != c.want {
			t.Errorf("q=%v: %v, want %v", c.q, got, c.want)
		}
	}
	// The +Inf bucket yields its lower edge.
	h = &metrics.Float64Histogram{Counts: []uint64{1, 0, 0, 9}, Buckets: []float64{math.Inf(-1), 1, 2, 3, inf}}
	if got := Percentile(h, 0.5); got != 3 {
		t.Errorf("+Inf bucket: %v", got)
	}
	if got := Percentile(h, 0.1); got != 1 {
		t.Errorf("-Inf bucket: %v", got)
	}
	for _, empty := range []*metrics.Float64Histogram{
		nil, {}, {Counts: []uint64{0, 0}, Buckets: []float64{0, 1, 2}}, {Counts: []uint64{1}, Buckets: []float64{0}},
	} {
		if got := Percentile(empty, 0.5); got != 0 {
			t.Errorf("empty %+v: %v", empty, got)
		}
	}
}

// TestNoStopTheWorld guards the package's reason to exist.
func TestNoStopTheWorld(t *testing.T) {
	files, _ := filepath.Glob("*.go")
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(src), "ReadMemStats(") {
			t.Errorf("%s calls runtime.ReadMemStats, which stops the world", f)
		}
	}
	// And measured: non-GC stop-the-world pauses must not follow Read.
	// ReadMemStats is the control that shows the counter sees them.
	const n = 50
	stw := func() uint64 {
		s := []metrics.Sample{{Name: "/sched/pauses/total/other:seconds"}}
		metrics.Read(s)
		var c uint64
		for _, x := range s[0].Value.Float64Histogram().Counts {
			c += x
		}
		return c
	}
	start := stw()
	for range n {
		Read()
	}
	afterRead := stw()
	var ms runtime.MemStats
	for range n {
		runtime.ReadMemStats(&ms)
	}
	afterControl := stw()
	if afterControl-afterRead < n {
		t.Skipf("this runtime does not count ReadMemStats pauses (%d for %d calls)", afterControl-afterRead, n)
	}
	if afterRead-start >= n {
		t.Errorf("%d stop-the-world pauses during %d Reads", afterRead-start, n)
	}
}

func BenchmarkRead(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		Read()
	}
}
