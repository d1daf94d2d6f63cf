package diagnose

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// Degenerate inputs and the helpers every rule shares.

func TestStepArgs(t *testing.T) {
	if s := step("runtime_stats", "why"); s.Args != nil {
		t.Errorf("no arguments, yet %v", s.Args)
	}
	// A dangling key has no value and is left out.
	s := step("process_info", "why", "pid", "<A.0.1>", "dangling")
	if len(s.Args) != 1 || s.Args["pid"] != "<A.0.1>" {
		t.Errorf("args %v", s.Args)
	}
}

// TestZeroWindow: a window that measured no time counts as one second,
// never as a division by zero.
func TestZeroWindow(t *testing.T) {
	f := facts(0)
	f.Groups = []Group{{Parent: pid(1700), Behavior: "main.flaky", Born: 12, Died: 12}}
	fd := only(t, f, "restart_loop")[0]
	if !strings.HasSuffix(fd.Conclusion, "were started in 1.0s") || evMetric(t, fd, "RestartRate").Value != 12 {
		t.Errorf("%q, rate %+v", fd.Conclusion, evMetric(t, fd, "RestartRate"))
	}
}

func TestGCPressureEvidence(t *testing.T) {
	// Exact binary fractions: 0.75 of 7.5 CPU-seconds is 0.1, 1.875 is 0.25.
	for _, c := range []struct {
		gc   float64
		want Severity
	}{{0.75, Medium}, {1.875, High}, {0.74, none}, {1.87, Medium}} {
		f := facts(3 * time.Second)
		f.Runtime = &RuntimeWindow{
			Before: Runtime{GCCycles: 40, GCCPUSeconds: 0.5, CPUSeconds: 100, HeapLiveBytes: 10 << 20},
			After:  Runtime{GCCycles: 43, GCCPUSeconds: 0.5 + c.gc, CPUSeconds: 107.5, HeapLiveBytes: 12 << 20},
		}
		fs := only(t, f, "gc_pressure")
		if got := sevOf(t, fs); got != c.want {
			t.Errorf("%g s of GC: %v, want %v", c.gc, got, c.want)
			continue
		}
		if c.want == none {
			continue
		}
		fd := fs[0]
		share := c.gc / 7.5
		if want := fmt.Sprintf("the GC used %.0f%% of the available CPU during the window (3 cycles)", share*100); fd.Conclusion != want {
			t.Errorf("conclusion %q, want %q", fd.Conclusion, want)
		}
		if m := evMetric(t, fd, "GCCPUShare"); m.Value != clean(share) {
			t.Errorf("share %+v", m)
		}
		if m := evMetric(t, fd, "GCCycles"); m.Value != 3 || *m.Before != 40 {
			t.Errorf("cycles %+v", m)
		}
		if m := evMetric(t, fd, "HeapLiveBytes"); m.Value != 2<<20 || *m.Before != 10<<20 {
			t.Errorf("heap %+v", m)
		}
		if fd.Magnitude != share/GCShareMedium {
			t.Errorf("magnitude %g", fd.Magnitude)
		}
	}
}

// TestHeapGrowthMeasuredIgnoresSites: with a GC in the window the live
// heap is measured; a retaining site neither raises nor explains it.
func TestHeapGrowthMeasuredIgnoresSites(t *testing.T) {
	f := facts(2 * time.Second)
	f.Runtime = heapWindow(20<<20, 30<<20, 2, 0.1)
	f.Behaviors = []Behavior{{Behavior: "main.hoarder", Count: 1, PIDs: []string{pid(2100)}}}
	f.Sites = []HeapSite{{Funcs: []string{"runtime.mallocgc", "example.com/app/main.(*hoarder).HandleMessage"}, InUse: 8 << 20, Allocated: 8 << 20, InUseObjects: 80}}
	fd := only(t, f, "heap_growth")[0]
	if fd.Severity != Medium || fd.Inferred != "" {
		t.Errorf("%v, inferred %q", fd.Severity, fd.Inferred)
	}
}

// TestEvidenceAtTheBound: exactly MaxEvidence cases are all listed with
// no Total; one more sets Total to the count.
func TestEvidenceAtTheBound(t *testing.T) {
	build := map[string]func(f *Facts, n int){
		"blocked_callback": func(f *Facts, n int) {
			for i := range n {
				f.Procs = append(f.Procs, stuck(uint64(1400+i), "main.caller", StateWaitResponse, 10, uint64(20+i)))
			}
		},
		"event_no_subscribers": func(f *Facts, n int) {
			for i := range n {
				f.Events = append(f.Events, Event{Name: fmt.Sprint("e", i), Published: int64(10 + i), PublishedBefore: 5})
			}
		},
		"event_never_published": func(f *Facts, n int) {
			for i := range n {
				f.Events = append(f.Events, Event{Name: fmt.Sprint("e", i), Subscribers: 1})
			}
		},
		"event_slow_subscriber": func(f *Facts, n int) {
			e := Event{Name: "e", Subscribers: int64(n), Published: -1, PublishedBefore: -1}
			for i := range n {
				id := uint64(1700 + i)
				f.Procs = append(f.Procs, proc(id, "main.sub", sleeping(1, 0, 10, 1), sleeping(1, 0, uint64(40+i), 1)))
				e.SubscriberPIDs = append(e.SubscriberPIDs, pid(id))
			}
			f.Events = []Event{e}
		},
	}
	for rule, add := range build {
		for _, n := range []int{MaxEvidence, MaxEvidence + 1} {
			f := facts(time.Second)
			add(f, n)
			fs := only(t, f, rule)
			if len(fs) != 1 {
				t.Fatalf("%s: %+v", rule, fs)
			}
			want := 0
			if n > MaxEvidence {
				want = n
			}
			ev := fs[0].Evidence
			if ev.Total != want || max(len(ev.Processes), len(ev.Events)) != MaxEvidence {
				t.Errorf("%s, %d cases: total %d, %d processes, %d events", rule, n, ev.Total, len(ev.Processes), len(ev.Events))
			}
		}
	}
}

func TestProcessLeakRecentAtOtherRates(t *testing.T) {
	// 17 over 8 s is 2/s: the youngest may be 3 intervals (1.5 s) + 1 s old.
	for _, c := range []struct {
		fm   Family
		want bool
	}{{family(17, 17, 2, 10), true}, {family(17, 17, 3, 11), false}} {
		f := facts(2 * time.Second)
		f.ProcsAfter = 10000
		f.Families = []Family{c.fm}
		if got := len(only(t, f, "process_leak")) == 1; got != c.want {
			t.Errorf("youngest %d s old at 2/s: fired %v, want %v", c.fm.MinUptime, got, c.want)
		}
	}
	// No table size (ProcsAfter 0): the share of the table cannot make it high.
	f := facts(2 * time.Second)
	f.ProcsAfter = 0
	f.Families = []Family{family(6, 6, 0, 5)}
	if got := sevOf(t, only(t, f, "process_leak")); got != Medium {
		t.Errorf("no table size: %v", got)
	}
	f.Families[0].Behavior = ""
	if fs := only(t, f, "process_leak"); len(fs) != 1 || !strings.Contains(fs[0].Conclusion, "(no behaviour)") {
		t.Errorf("unnamed behaviour: %+v", fs)
	}
}

func TestParseGoroutineDumpBounds(t *testing.T) {
	var b strings.Builder
	for i := range MaxStacks + 1 {
		fmt.Fprintf(&b, "goroutine %d [select]:\nexample.com/app.f%d(0x1)\n\t/x/a.go:1 +0x1\n\n", i+2, i)
	}
	// One goroutine deeper than the frames kept.
	b.WriteString("goroutine 9999 [select]:\n")
	for i := range dumpFrames + 2 {
		fmt.Fprintf(&b, "example.com/app.deep%d()\n\t/x/a.go:1 +0x1\n", i)
	}
	b.WriteString("created by  in goroutine 3\n")
	groups := ParseGoroutineDump(strings.NewReader(b.String()))
	if len(groups) != MaxStacks || groups[MaxStacks-1].Funcs[0] != fmt.Sprint("example.com/app.f", MaxStacks-1) {
		t.Errorf("%d groups", len(groups))
	}
	// The deep one is past the bound; alone, it keeps dumpFrames frames.
	groups = ParseGoroutineDump(strings.NewReader(b.String()[strings.Index(b.String(), "goroutine 9999"):]))
	if len(groups) != 1 || len(groups[0].Funcs) != dumpFrames || groups[0].Funcs[dumpFrames-1] != fmt.Sprint("example.com/app.deep", dumpFrames-1) {
		t.Errorf("deep %+v", groups)
	}
	if groups[0].CreatedBy != "" {
		t.Errorf("created by %q", groups[0].CreatedBy)
	}
	for line, want := range map[string]string{"pkg.f(0x1)": "pkg.f", "(0x1)": "(0x1)", "pkg.f": "pkg.f", "pkg.(*T).M(...)": "pkg.(*T).M"} {
		if got := funcName(line); got != want {
			t.Errorf("funcName(%q) = %q, want %q", line, got, want)
		}
	}
	for h, want := range map[string]string{"[idle]": "idle", "goroutine 1 [IO wait, 2 minutes]:": "IO wait", "goroutine 1 ]x[": ""} {
		if got := dumpState(h); got != want {
			t.Errorf("dumpState(%q) = %q, want %q", h, got, want)
		}
	}
}

func TestDelta(t *testing.T) {
	st := func(v int64, fn string) Stack { return Stack{Value: v, Funcs: []string{fn}} }
	before := []Stack{st(5, "a"), st(5, "b"), st(5, "c")}
	after := []Stack{st(9, "a"), st(5, "b"), st(3, "c"), st(4, "d"), st(1, "a")}
	got := Delta(before, after)
	want := []Stack{st(5, "a"), st(4, "d")}
	if len(got) != len(want) {
		t.Fatalf("delta %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i].Value != want[i].Value || !slices.Equal(got[i].Funcs, want[i].Funcs) {
			t.Errorf("delta[%d] %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestSummaryAndSeverityNames(t *testing.T) {
	fs := []Finding{{Severity: High, Conclusion: "worst"}, {Severity: Info}, {Severity: Info}, {Severity: Low}}
	if got, want := summary(fs), "4 findings (1 high, 1 low, 2 info); worst: worst"; got != want {
		t.Errorf("summary %q, want %q", got, want)
	}
	if summary(nil) != "no findings" {
		t.Error(summary(nil))
	}
	for s, want := range map[Severity]string{Info: "info", Critical: "critical", Critical + 1: "severity#5", Info - 1: "severity#-1"} {
		if s.String() != want {
			t.Errorf("%d: %q, want %q", int(s), s.String(), want)
		}
	}
}

func TestMissingNamesOnlyWhatANeedLacks(t *testing.T) {
	f := facts(time.Second)
	f.Missing = map[Need]string{NeedHeap: "budget", NeedLogs: "off"}
	if got := f.missing(NeedRuntime | NeedProcesses); got != "" {
		t.Errorf("nothing of it missing, yet %q", got)
	}
	if got := f.missing(NeedHeap | NeedRuntime); !strings.Contains(got, "budget") || strings.Contains(got, "off") {
		t.Errorf("missing %q", got)
	}
}
