package profiles

import (
	"context"
	"fmt"
	"runtime/pprof"
	"strings"
	"testing"
	"time"

	"github.com/google/pprof/profile"
)

const (
	testPIDA = "<AAAAAAAA.0.1001>"
	testPIDB = "<AAAAAAAA.0.1002>"
)

// The parkedInTest* functions give the test goroutines distinctive frames
// to find; each blocks until stop is closed.
func parkedInTestAlpha(stop <-chan struct{}) { <-stop }
func parkedInTestBeta(stop <-chan struct{})  { <-stop }
func parkedInTestGamma(stop <-chan struct{}) { <-stop }

// park starts n goroutines running fn, labelled pid=pid unless pid is "".
// All n share one call site, hence one stack.
func park(n int, pid string, fn func(<-chan struct{}), stop <-chan struct{}) {
	for range n {
		if pid == "" {
			go fn(stop)
			continue
		}
		go pprof.Do(context.Background(), pprof.Labels("pid", pid), func(context.Context) { fn(stop) })
	}
}

// settledGoroutines captures goroutine profiles until ok accepts one. A
// goroutine that was started but has not yet blocked may be caught at
// another PC, so the first capture can legitimately split a group.
func settledGoroutines(t *testing.T, ok func(*profile.Profile) bool) *profile.Profile {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		p, err := Goroutines()
		if err != nil {
			t.Fatal(err)
		}
		if ok(p) {
			return p
		}
		if time.Now().After(deadline) {
			t.Fatal("test goroutines did not settle into their parked stacks")
		}
		time.Sleep(time.Millisecond) // back off between captures; not an assertion
	}
}

func analyze(t *testing.T, p *profile.Profile, q GoroutineQuery) GoroutineReport {
	t.Helper()
	if err := q.Validate(); err != nil {
		t.Fatalf("Validate(%+v): %v", q, err)
	}
	return AnalyzeGoroutines(p, q)
}

func headerOf(r GoroutineReport) string {
	h, _, _ := strings.Cut(r.Text, "\n")
	return h
}

func TestAnalyzeGoroutines(t *testing.T) {
	stop := make(chan struct{})
	defer close(stop)
	park(3, testPIDA, parkedInTestAlpha, stop)
	park(2, testPIDA, parkedInTestBeta, stop)
	park(1, testPIDB, parkedInTestAlpha, stop)
	park(4, "", parkedInTestGamma, stop)

	// Settled = every started goroutine sits in one group per function/pid.
	p := settledGoroutines(t, func(p *profile.Profile) bool {
		a := AnalyzeGoroutines(p, GoroutineQuery{PID: testPIDA})
		b := AnalyzeGoroutines(p, GoroutineQuery{PID: testPIDB})
		g := AnalyzeGoroutines(p, GoroutineQuery{Filter: "parkedInTestGamma"})
		return strings.Contains(headerOf(a), "matched 5, showing 5 (2 of 2 groups)") &&
			strings.Contains(headerOf(b), "matched 1, showing 1 (1 of 1 groups)") &&
			strings.Contains(headerOf(g), "matched 4, showing 4 (1 of 1 groups)")
	})
	var total int
	for _, s := range p.Sample {
		total += int(s.Value[0])
	}

	t.Run("pid", func(t *testing.T) {
		r := analyze(t, p, GoroutineQuery{PID: testPIDA})
		if r.Total != total || r.Total < 10 || r.Matched != 5 || r.Shown != 5 {
			t.Fatalf("total/matched/shown = %d/%d/%d, want %d/5/5", r.Total, r.Matched, r.Shown, total)
		}
		if want := fmt.Sprintf("total %d, matched 5, showing 5 (2 of 2 groups)", total); headerOf(r) != want {
			t.Fatalf("header %q, want %q", headerOf(r), want)
		}
		// Count descending: alpha (3) before beta (2), each with its labels.
		blocks := strings.Split(r.Text, "\n\n")
		if len(blocks) != 3 ||
			!strings.HasPrefix(blocks[1], "3 goroutines {pid=\""+testPIDA+"\"}:\n") || !strings.Contains(blocks[1], "profiles.parkedInTestAlpha\n\t") ||
			!strings.HasPrefix(blocks[2], "2 goroutines {pid=\""+testPIDA+"\"}:\n") || !strings.Contains(blocks[2], "profiles.parkedInTestBeta\n\t") {
			t.Fatalf("want an alpha group of 3 then a beta group of 2:\n%s", r.Text)
		}
		if strings.Contains(r.Text, "parkedInTestGamma") || strings.Contains(r.Text, testPIDB) {
			t.Fatalf("pid filter let other goroutines through:\n%s", r.Text)
		}
	})

	t.Run("filter and exclude", func(t *testing.T) {
		for _, c := range []struct {
			q               GoroutineQuery
			matched, groups int
		}{
			{GoroutineQuery{PID: testPIDA, Filter: "parkedInTestBeta"}, 2, 1},
			{GoroutineQuery{PID: testPIDA, Exclude: "parkedInTestBeta"}, 3, 1},
			{GoroutineQuery{PID: testPIDA, Filter: "goroutines_test.go:"}, 5, 2}, // file:line is searchable
			{GoroutineQuery{Filter: "parkedInTestAlpha"}, 4, 2},                  // same stack, two pids
			{GoroutineQuery{Filter: "parkedInTestAlpha", Exclude: "parkedInTestAlpha"}, 0, 0},
		} {
			r := analyze(t, p, c.q)
			want := fmt.Sprintf("matched %d, showing %d (%d of %d groups)", c.matched, c.matched, c.groups, c.groups)
			if r.Matched != c.matched || r.Shown != c.matched || !strings.HasSuffix(headerOf(r), want) {
				t.Errorf("%+v: header %q, want suffix %q", c.q, headerOf(r), want)
			}
		}
		r := analyze(t, p, GoroutineQuery{Filter: "parkedInTestGamma"})
		if !strings.Contains(r.Text, "\n4 goroutines:\n") {
			t.Errorf("unlabelled group should print without labels:\n%s", r.Text)
		}
	})

	t.Run("debug 2 expands", func(t *testing.T) {
		r := analyze(t, p, GoroutineQuery{PID: testPIDA, Debug: 2})
		if r.Matched != 5 || r.Shown != 5 || strings.Count(r.Text, "\ngoroutine #") != 5 {
			t.Fatalf("want 5 entries, got matched %d shown %d:\n%s", r.Matched, r.Shown, r.Text)
		}
		if strings.Count(r.Text, "parkedInTestAlpha") != 3 || !strings.Contains(r.Text, "states, wait times and IDs are not available") {
			t.Fatalf("want 3 alpha entries and a states note:\n%s", r.Text)
		}
	})

	t.Run("limit", func(t *testing.T) {
		r := analyze(t, p, GoroutineQuery{PID: testPIDA, Debug: 2, Limit: 2})
		if want := fmt.Sprintf("total %d, matched 5, showing 2", total); headerOf(r) != want || r.Shown != 2 ||
			strings.Count(r.Text, "\ngoroutine #") != 2 || !strings.Contains(r.Text, "3 more goroutines not shown") {
			t.Fatalf("header %q, want %q, two entries and a note:\n%s", headerOf(r), want, r.Text)
		}
		r = analyze(t, p, GoroutineQuery{PID: testPIDA, Limit: 1})
		if want := fmt.Sprintf("total %d, matched 5, showing 3 (1 of 2 groups)", total); headerOf(r) != want ||
			strings.Contains(r.Text, "parkedInTestBeta") || !strings.Contains(r.Text, "1 more groups (2 goroutines) not shown") ||
			!strings.Contains(r.Text, "limit=1 counts stack groups") || r.Groups != 2 || r.GroupsShown != 1 || r.LimitCounts != "stack groups" {
			t.Fatalf("header %q, want %q, alpha only and a note saying what limit counts:\n%s %+v", headerOf(r), want, r.Text, r)
		}
	})

	t.Run("pid without goroutines", func(t *testing.T) {
		r := analyze(t, p, GoroutineQuery{PID: "<AAAAAAAA.0.9999>"})
		if r.Matched != 0 || r.Shown != 0 || !strings.Contains(headerOf(r), "matched 0, showing 0") ||
			!strings.Contains(r.Text, "a sleeping actor has no goroutine") {
			t.Fatalf("want matched 0 with a note:\n%s", r.Text)
		}
	})
}

// toolPprofTestCaller stands in for the MCP tool handler: the goroutine
// that captures the profile appears in it, and agents hide it with
// exclude=toolPprof.
func toolPprofTestCaller(t *testing.T) *profile.Profile {
	p, err := Goroutines()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestAnalyzeGoroutinesCallerFrames(t *testing.T) {
	p := toolPprofTestCaller(t)
	if r := AnalyzeGoroutines(p, GoroutineQuery{Filter: "toolPprof"}); r.Matched != 1 {
		t.Fatalf("filter=toolPprof matched %d, want the capturing goroutine:\n%s", r.Matched, r.Text)
	}
	all := AnalyzeGoroutines(p, GoroutineQuery{})
	r := AnalyzeGoroutines(p, GoroutineQuery{Exclude: "toolPprof"})
	if r.Matched != all.Matched-1 || strings.Contains(r.Text, "toolPprof") {
		t.Fatalf("exclude=toolPprof matched %d of %d:\n%s", r.Matched, all.Matched, r.Text)
	}
}

func TestAnalyzeGoroutinesSynthetic(t *testing.T) {
	// One location holding an inlined call: both functions must be
	// printed and searchable, the inlined (innermost) one first.
	p := synthProfile([]string{"goroutine/count"},
		synthSample([]int64{2}, nil, []string{"pkg.inlinedLeaf", "pkg.outer"}, []string{"runtime.goexit"}))
	r := AnalyzeGoroutines(p, GoroutineQuery{Filter: "pkg.inlinedLeaf"})
	if r.Matched != 2 || !strings.Contains(r.Text, "pkg.inlinedLeaf\n\tpkg.go:1\npkg.outer\n\tpkg.go:2\nruntime.goexit") {
		t.Fatalf("inlined frames not rendered leaf first:\n%s", r.Text)
	}
	r = AnalyzeGoroutines(p, GoroutineQuery{PID: testPIDA})
	if !strings.Contains(r.Text, "no goroutine carries a pid label") {
		t.Fatalf("want the -tags=pprof note:\n%s", r.Text)
	}
}

func TestGoroutineQueryValidate(t *testing.T) {
	q := GoroutineQuery{}
	if err := q.Validate(); err != nil || q.Limit != 50 || q.Debug != 1 {
		t.Fatalf("defaults: %+v, %v", q, err)
	}
	for _, c := range []struct {
		q    GoroutineQuery
		want string
	}{
		{GoroutineQuery{Limit: -1}, "limit must be between 1 and 1000"},
		{GoroutineQuery{Limit: 1001}, "got 1001"},
		{GoroutineQuery{Debug: 3}, "debug must be 1 (grouped by identical stack) or 2"},
		{GoroutineQuery{Debug: -1}, "got -1"},
	} {
		if err := c.q.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want it to contain %q", c.q, err, c.want)
		}
	}
}

func TestStacks(t *testing.T) {
	p, err := Goroutines()
	if err != nil {
		t.Fatal(err)
	}
	stacks, err := Stacks(p, "goroutine", 20)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, s := range stacks {
		if s.Value <= 0 || len(s.Funcs) == 0 || len(s.Funcs) > 20 {
			t.Fatalf("bad stack %+v", s)
		}
		for _, f := range s.Funcs {
			if strings.Contains(f, "TestStacks") {
				found = true
			}
		}
	}
	if !found {
		t.Errorf("no stack names TestStacks: %+v", stacks)
	}
	if _, err := Stacks(p, "inuse_space", 5); err == nil || !strings.Contains(err.Error(), "goroutine") {
		t.Errorf("unknown sample type: %v", err)
	}
}
