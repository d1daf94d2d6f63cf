package diagnose

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"
)

// heapWindow is a runtime whose live heap went from live0 to live1 over
// gcs cycles, with gcCPU of the 8 CPU-seconds the window had spent in GC.
func heapWindow(live0, live1, gcs uint64, gcCPU float64) *RuntimeWindow {
	return &RuntimeWindow{
		Before: Runtime{HeapLiveBytes: live0, HeapObjectsBytes: live0 + 3<<20, GCCycles: 10, GCCPUSeconds: 1, CPUSeconds: 100},
		After:  Runtime{HeapLiveBytes: live1, HeapObjectsBytes: live1 + 3<<20, GCCycles: 10 + gcs, GCCPUSeconds: 1 + gcCPU, CPUSeconds: 108},
	}
}

func TestHeapGrowthBoundaries(t *testing.T) {
	const mib = 1 << 20
	w := 4 * time.Second
	for _, c := range []struct {
		name       string
		rt         *RuntimeWindow
		limit      uint64
		want       Severity
		wantGrowth uint64 // bytes, for the magnitude
	}{
		// The size: 4 MiB, which is 20 % of 20 MiB.
		{"at the size", heapWindow(20*mib, 24*mib, 2, 0.1), 0, Medium, 4 * mib},
		{"just under the size", heapWindow(20*mib, 24*mib-1, 2, 0.1), 0, none, 0},
		// The share: 5 MiB of 50 MiB.
		{"at the share", heapWindow(50*mib, 55*mib, 2, 0.1), 0, Medium, 5 * mib},
		{"just under the share", heapWindow(50*mib, 55*mib-1, 2, 0.1), 0, none, 0},
		{"shrank", heapWindow(50*mib, 40*mib, 2, 0.1), 0, none, 0},
		// 32 MiB/s over 4 s is 128 MiB.
		{"at the high rate", heapWindow(100*mib, 228*mib, 2, 0.1), 0, High, 128 * mib},
		{"just under the high rate", heapWindow(100*mib, 228*mib-4, 2, 0.1), 0, Medium, 128*mib - 4},
		// GC at 0.25 of the 8 CPU-seconds is high.
		{"GC share at high", heapWindow(50*mib, 60*mib, 2, 2), 0, High, 10 * mib},
		{"GC share just under high", heapWindow(50*mib, 60*mib, 2, 1.99), 0, Medium, 10 * mib},
		// 0.9 of a 200 MiB limit is 180 MiB.
		{"at the memory limit's share", heapWindow(100*mib, 180*mib, 2, 0.1), 200 * mib, High, 80 * mib},
		{"just under the memory limit's share", heapWindow(100*mib, 180*mib-1, 2, 0.1), 200 * mib, Medium, 80*mib - 1},
		{"no memory limit", heapWindow(100*mib, 180*mib, 2, 0.1), 0, Medium, 80 * mib},
		{"limit at the runtime's 'none'", heapWindow(100*mib, 180*mib, 2, 0.1), math.MaxInt64, Medium, 80 * mib},
		{"limit below the live heap", heapWindow(100*mib, 180*mib, 2, 0.1), 100 * mib, High, 80 * mib},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := facts(w)
			f.Runtime = c.rt
			f.Runtime.After.MemoryLimitBytes = c.limit
			fs := only(t, f, "heap_growth")
			if got := sevOf(t, fs); got != c.want {
				t.Fatalf("severity %v, want %v: %+v", got, c.want, fs)
			}
			if c.want == none {
				return
			}
			fd := fs[0]
			if want := float64(c.wantGrowth) / HeapGrowthMinBytes; fd.Magnitude != want {
				t.Errorf("magnitude %g, want %g", fd.Magnitude, want)
			}
			b, a := c.rt.Before.HeapLiveBytes, c.rt.After.HeapLiveBytes
			want := fmt.Sprintf("grew %.1f→%.1f MiB in 4.0s (%.1f MiB/s) across 2 GCs", float64(b)/mib, float64(a)/mib, float64(a-b)/mib/4)
			if !strings.Contains(fd.Conclusion, want) {
				t.Errorf("conclusion %q lacks %q", fd.Conclusion, want)
			}
			if m := evMetric(t, fd, "HeapLiveBytes"); m.Value != clean(float64(a-b)/mib) || *m.Before != clean(float64(b)/mib) || *m.After != clean(float64(a)/mib) {
				t.Errorf("live heap %+v", m)
			}
			if m := evMetric(t, fd, "HeapObjectsBytes"); m.Value != clean(float64(a-b)/mib) || *m.Before != clean(float64(b+3*mib)/mib) {
				t.Errorf("heap objects %+v", m)
			}
			if m := evMetric(t, fd, "GCCycles"); m.Value != 2 || *m.Before != 10 || *m.After != 12 {
				t.Errorf("cycles %+v", m)
			}
			if fd.Inferred != "" || len(fd.Evidence.Processes) != 0 {
				t.Errorf("measured growth without a profile: inferred %q, processes %+v", fd.Inferred, fd.Evidence.Processes)
			}
		})
	}
}

// TestHeapGrowthRateUsesTheWindow: the same growth is high over one
// second and medium over eight.
func TestHeapGrowthRateUsesTheWindow(t *testing.T) {
	const mib = 1 << 20
	for _, c := range []struct {
		w    time.Duration
		want Severity
	}{{time.Second, High}, {8 * time.Second, Medium}, {4 * time.Second, High}, {4*time.Second + time.Millisecond, Medium}} {
		f := facts(c.w)
		f.Runtime = heapWindow(100*mib, 228*mib, 3, 0.1)
		if got := sevOf(t, only(t, f, "heap_growth")); got != c.want {
			t.Errorf("128 MiB in %v: %v, want %v", c.w, got, c.want)
		}
	}
}

func TestHeapGrowthWithoutGC(t *testing.T) {
	const mib = 1 << 20
	objects := func(o0, o1 uint64) *RuntimeWindow {
		return &RuntimeWindow{
			Before: Runtime{HeapLiveBytes: 40 * mib, HeapObjectsBytes: o0, GCCycles: 7, CPUSeconds: 10},
			After:  Runtime{HeapLiveBytes: 40 * mib, HeapObjectsBytes: o1, GCCycles: 7, CPUSeconds: 12},
		}
	}
	own := "example.com/app/main.(*hoarder).HandleMessage"
	hoarder := Behavior{Behavior: "main.hoarder", Count: 2, PIDs: []string{pid(2100)}}
	held := func(inUse, alloc, objs int64) HeapSite {
		return HeapSite{Funcs: []string{"runtime.mallocgc", own}, InUse: inUse, Allocated: alloc, InUseObjects: objs}
	}
	for _, c := range []struct {
		name   string
		rt     *RuntimeWindow
		sites  []HeapSite
		want   Severity
		growth uint64
	}{
		{"objects at the bound", objects(60*mib, 68*mib), nil, Low, 8 * mib},
		{"objects just under", objects(60*mib, 68*mib-1), nil, none, 0},
		{"twice the bound", objects(60*mib, 76*mib), nil, Low, 16 * mib},
		{"a behaviour holds what it allocates", objects(60*mib, 68*mib), []HeapSite{held(4*mib, 5*mib, 4)}, Medium, 8 * mib},
		{"it holds just under the share", objects(60*mib, 68*mib), []HeapSite{held(4*mib, 5*mib+2, 4)}, Low, 8 * mib},
		{"too few objects", objects(60*mib, 68*mib), []HeapSite{held(4*mib, 4*mib, HeapRetainMinObjects-1)}, Low, 8 * mib},
		{"too few bytes", objects(60*mib, 68*mib), []HeapSite{held(mib-1, mib-1, 40)}, Low, 8 * mib},
		{"at the bytes", objects(60*mib, 68*mib), []HeapSite{held(mib, mib, 40)}, Medium, 8 * mib},
		{"diluted history, held all it allocated in the window",
			objects(60*mib, 68*mib), []HeapSite{{Funcs: []string{"runtime.mallocgc", own}, InUse: 2 * mib, Allocated: 40 * mib, AllocatedInWindow: mib, HeldInWindow: mib, InUseObjects: 8}}, Medium, 8 * mib},
		{"diluted history, held less in the window",
			objects(60*mib, 68*mib), []HeapSite{{Funcs: []string{"runtime.mallocgc", own}, InUse: 2 * mib, Allocated: 40 * mib, AllocatedInWindow: mib, HeldInWindow: mib * 8 / 10 * 99 / 100, InUseObjects: 8}}, Low, 8 * mib},
		{"no actor's code", objects(60*mib, 68*mib), []HeapSite{{Funcs: []string{"runtime.mallocgc", "example.com/lib.(*Cache).Put"}, InUse: 4 * mib, Allocated: 4 * mib, InUseObjects: 40}}, Low, 8 * mib},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := facts(2 * time.Second)
			f.Runtime = c.rt
			f.Behaviors = []Behavior{hoarder}
			f.Sites = c.sites
			fs := only(t, f, "heap_growth")
			if got := sevOf(t, fs); got != c.want {
				t.Fatalf("severity %v, want %v: %+v", got, c.want, fs)
			}
			if c.want == none {
				return
			}
			fd := fs[0]
			if want := float64(c.growth) / HeapUnretainedBytes; fd.Magnitude != want {
				t.Errorf("magnitude %g, want %g", fd.Magnitude, want)
			}
			b, a := c.rt.Before.HeapObjectsBytes, c.rt.After.HeapObjectsBytes
			if want := fmt.Sprintf("heap objects grew %.1f→%.1f MiB with no GC", float64(b)/mib, float64(a)/mib); !strings.Contains(fd.Conclusion, want) {
				t.Errorf("conclusion %q lacks %q", fd.Conclusion, want)
			}
			if m := evMetric(t, fd, "GCCycles"); m.Value != 0 || *m.Before != 7 || *m.After != 7 {
				t.Errorf("cycles %+v", m)
			}
			switch c.want {
			case Low:
				if !strings.Contains(fd.Inferred, "the growth may be garbage") {
					t.Errorf("low without its caveat: %q", fd.Inferred)
				}
			case Medium:
				s := c.sites[0]
				want := fmt.Sprintf("%s (main.hoarder) holds %.1f of the %.1f MiB it allocated, so the growth is retained", own, float64(s.InUse)/mib, float64(s.Allocated)/mib)
				if !strings.Contains(fd.Inferred, want) {
					t.Errorf("inferred %q lacks %q", fd.Inferred, want)
				}
			}
		})
	}
}

func TestHeapGrowthAttribution(t *testing.T) {
	const mib = 1 << 20
	frame := func(b string) string { return "example.com/app/main.(*" + b + ").HandleMessage" }
	stack := func(v int64, b string) Stack { return Stack{Value: v, Funcs: []string{"runtime.mallocgc", frame(b)}} }
	grown := func() *Facts {
		f := facts(2 * time.Second)
		f.Runtime = heapWindow(20*mib, 30*mib, 2, 0.1)
		f.Procs = []Proc{proc(2200, "main.big", sleeping(1, 1, 0, 1), sleeping(1, 1, 0, 1))}
		f.Behaviors = []Behavior{
			{Behavior: "main.big", Count: 7, PIDs: []string{pid(2200), pid(2201), pid(2202), pid(2203)}},
			{Behavior: "main.tenth", Count: 1, PIDs: []string{pid(2300)}},
			{Behavior: "main.sliver", Count: 1, PIDs: []string{pid(2400)}},
			{Behavior: "main.nopids", Count: 3},
		}
		return f
	}
	t.Run("held and allocated add up, a tenth of the top is named", func(t *testing.T) {
		f := grown()
		f.Heap = []Stack{stack(6*mib, "big"), stack(mib, "tenth"), stack(mib-1, "sliver"), stack(50*mib, "nopids")}
		f.HeapAlloc = []Stack{stack(4*mib, "big"), stack(0, "tenth")}
		fd := only(t, f, "heap_growth")[0]
		var got []string
		for _, pe := range fd.Evidence.Processes {
			got = append(got, pe.PID)
		}
		// main.big's weight is 10 MiB; main.tenth's 1 MiB is a tenth of
		// it, main.sliver's is not; main.nopids has no process to name.
		if want := []string{pid(2200), pid(2201), pid(2202), pid(2300)}; !slices.Equal(got, want) {
			t.Fatalf("named %v, want %v", got, want)
		}
		big := fd.Evidence.Processes[0]
		if big.Name != "pmain.big" || big.Behavior != "main.big" {
			t.Errorf("a kept process carries its snapshot: %+v", big)
		}
		if m := metricOf(t, big, "HeapInUseBytes"); m.Value != 6 {
			t.Errorf("held %+v", m)
		}
		if m := metricOf(t, big, "HeapAllocatedInWindow"); m.Value != 4 {
			t.Errorf("allocated %+v", m)
		}
		if m := metricOf(t, big, "BehaviorProcesses"); m.Value != 7 {
			t.Errorf("count %+v", m)
		}
		if other := fd.Evidence.Processes[1]; other.Name != "" || other.Behavior != "main.big" {
			t.Errorf("a process not kept is named by behaviour only: %+v", other)
		}
		last := fd.Next[len(fd.Next)-1]
		if slices.ContainsFunc(fd.Next, func(s Step) bool { return s.Tool == "process_info" && s.Args["pid"] == pid(2200) }) == false {
			t.Errorf("no step to the top holder: %+v (last %+v)", fd.Next, last)
		}
		if !strings.HasSuffix(fd.Inferred, "attributed to processes by their behaviour's method names") {
			t.Errorf("inferred %q", fd.Inferred)
		}
		// Sites: the top five by bytes in use, largest first.
		if len(fd.Evidence.Sites) != 4 || fd.Evidence.Sites[0] != frame("nopids")+": 50.0 MiB in use" || fd.Evidence.Sites[1] != frame("big")+": 6.0 MiB in use" {
			t.Errorf("sites %v", fd.Evidence.Sites)
		}
	})
	t.Run("sites are the top five", func(t *testing.T) {
		f := grown()
		for i := range 7 {
			f.Heap = append(f.Heap, Stack{Value: int64(i+1) * mib, Funcs: []string{"runtime.mallocgc", fmt.Sprint("example.com/lib.f", i)}})
		}
		fd := only(t, f, "heap_growth")[0]
		if len(fd.Evidence.Sites) != 5 || fd.Evidence.Sites[0] != "example.com/lib.f6: 7.0 MiB in use" || fd.Evidence.Sites[4] != "example.com/lib.f2: 3.0 MiB in use" {
			t.Errorf("sites %v", fd.Evidence.Sites)
		}
		if len(fd.Evidence.Processes) != 0 || fd.Inferred != "" || slices.ContainsFunc(fd.Next, func(s Step) bool { return s.Tool == "process_info" }) {
			t.Errorf("no behaviour's code, yet %+v / %q / %+v", fd.Evidence.Processes, fd.Inferred, fd.Next)
		}
	})
	t.Run("at most three behaviours", func(t *testing.T) {
		f := grown()
		f.Behaviors = nil
		for i := range 5 {
			b := fmt.Sprint("b", i)
			f.Behaviors = append(f.Behaviors, Behavior{Behavior: "main." + b, Count: 1, PIDs: []string{pid(uint64(2500 + i))}})
			f.Heap = append(f.Heap, stack(int64(10-i)*mib, b))
		}
		fd := only(t, f, "heap_growth")[0]
		var got []string
		for _, pe := range fd.Evidence.Processes {
			got = append(got, pe.PID)
		}
		if want := []string{pid(2500), pid(2501), pid(2502)}; !slices.Equal(got, want) {
			t.Errorf("named %v, want %v", got, want)
		}
	})
	t.Run("only the allocation profile", func(t *testing.T) {
		f := grown()
		f.HeapAlloc = []Stack{stack(3*mib, "tenth")}
		fd := only(t, f, "heap_growth")[0]
		if len(fd.Evidence.Processes) != 1 || fd.Evidence.Processes[0].PID != pid(2300) || len(fd.Evidence.Sites) != 0 {
			t.Errorf("processes %+v sites %v", fd.Evidence.Processes, fd.Evidence.Sites)
		}
		if m := metricOf(t, fd.Evidence.Processes[0], "HeapAllocatedInWindow"); m.Value != 3 {
			t.Errorf("allocated %+v", m)
		}
	})
	t.Run("low keeps its caveat beside the attribution's", func(t *testing.T) {
		f := grown()
		f.Runtime = &RuntimeWindow{Before: Runtime{HeapObjectsBytes: 10 * mib, GCCycles: 3}, After: Runtime{HeapObjectsBytes: 30 * mib, GCCycles: 3}}
		f.Heap = []Stack{stack(6*mib, "big")}
		fd := only(t, f, "heap_growth")[0]
		if fd.Severity != Low || !strings.HasPrefix(fd.Inferred, "without a GC inside the window") || !strings.Contains(fd.Inferred, "; heap profiles record no pid") {
			t.Errorf("%v: %q", fd.Severity, fd.Inferred)
		}
		if fd.Magnitude != 2.5 {
			t.Errorf("magnitude %g", fd.Magnitude)
		}
	})
}

func TestHeapRetentionEvidence(t *testing.T) {
	const mib = 1 << 20
	own := "example.com/app/main.(*hoarder).HandleMessage"
	f := facts(2 * time.Second)
	f.Procs = []Proc{proc(2100, "main.hoarder", sleeping(1, 1, 0, 1), sleeping(1, 1, 0, 1))}
	f.Behaviors = []Behavior{{Behavior: "main.hoarder", Count: 5, PIDs: []string{pid(2100), pid(2101), pid(2102), pid(2103)}}}
	f.Runtime = &RuntimeWindow{Before: Runtime{HeapLiveBytes: 30 * mib, GCCycles: 8}, After: Runtime{HeapLiveBytes: 36 * mib, GCCycles: 11}}
	f.Sites = []HeapSite{
		{Funcs: []string{"runtime.mallocgc", "example.com/lib.(*Cache).Put"}, InUse: 90 * mib, Allocated: 90 * mib, AllocatedInWindow: 1},
		{Funcs: []string{"runtime.mallocgc", own}, InUse: 3 * mib, Allocated: 2 * mib, AllocatedInWindow: mib / 2, HeldInWindow: mib / 4, InUseObjects: 12},
		{Funcs: []string{"runtime.mallocgc", own}, InUse: 3 * mib, Allocated: 2 * mib, InUseObjects: 4},
	}
	fs := only(t, f, "heap_retention")
	if len(fs) != 2 {
		t.Fatalf("%d findings: %+v", len(fs), fs)
	}
	fd := fs[0]
	for name, want := range map[string]float64{"InUse": 6, "Allocated": 4, "InUseShare": 1.5, "AllocatedInWindow": 0.5, "InUseObjects": 16, "HeldInWindow": 0.25} {
		if m := evMetric(t, fd, name); m.Value != want {
			t.Errorf("%s = %g, want %g", name, m.Value, want)
		}
	}
	if m := evMetric(t, fd, "HeapLiveBytes"); m.Value != 6 || *m.Before != 30 || *m.After != 36 {
		t.Errorf("live heap %+v", m)
	}
	if m := evMetric(t, fd, "GCCycles"); m.Value != 3 || *m.Before != 8 || *m.After != 11 {
		t.Errorf("cycles %+v", m)
	}
	if fd.Severity != Medium || fd.Magnitude != 6 {
		t.Errorf("%v, magnitude %g", fd.Severity, fd.Magnitude)
	}
	if want := own + " (main.hoarder) keeps what it allocates: 6.0 of 4.0 MiB still in use"; fd.Conclusion != want {
		t.Errorf("conclusion %q, want %q", fd.Conclusion, want)
	}
	if want := []string{own + ": 6.0 of 4.0 MiB still in use"}; !slices.Equal(fd.Evidence.Sites, want) {
		t.Errorf("sites %v", fd.Evidence.Sites)
	}
	var got []string
	for _, pe := range fd.Evidence.Processes {
		got = append(got, pe.PID+"/"+pe.Name+"/"+pe.Behavior)
	}
	if want := []string{pid(2100) + "/pmain.hoarder/main.hoarder", pid(2101) + "//main.hoarder", pid(2102) + "//main.hoarder"}; !slices.Equal(got, want) {
		t.Errorf("processes %v, want %v", got, want)
	}
	if len(fd.Next) != 3 || fd.Next[1].Tool != "process_info" || fd.Next[1].Args["pid"] != pid(2100) {
		t.Errorf("next %+v", fd.Next)
	}
	// The library site: low, nobody named, no process to look at.
	lib := fs[1]
	if lib.Severity != Low || len(lib.Evidence.Processes) != 0 || len(lib.Next) != 2 || !strings.Contains(lib.Conclusion, "(no actor of this node)") || lib.Magnitude != 90 {
		t.Errorf("library site %+v", lib)
	}
	// An owner with no processes to name, and no runtime readings.
	f.Behaviors[0].PIDs = nil
	f.Runtime = nil
	fd = only(t, f, "heap_retention")[0]
	if len(fd.Evidence.Processes) != 0 || len(fd.Next) != 2 || len(fd.Evidence.Metrics) != 6 || fd.Severity != Medium {
		t.Errorf("owner without pids: %+v", fd)
	}
}

func TestHeapRetentionInTheWindow(t *testing.T) {
	const mib = 1 << 20
	own := "example.com/app/main.(*hoarder).HandleMessage"
	for _, c := range []struct {
		alloc, held int64
		want        Severity
	}{
		{5 * mib, 4 * mib, Medium}, // 0.8 of it held
		{5 * mib, 4*mib - 1, none},
		{mib, mib, Medium},
		{mib - 1, mib - 1, none}, // allocated too little in the window to tell
	} {
		f := facts(time.Second)
		f.Behaviors = []Behavior{{Behavior: "main.hoarder", Count: 1, PIDs: []string{pid(2100)}}}
		f.Sites = []HeapSite{{Funcs: []string{"runtime.mallocgc", own}, InUse: 2 * mib, Allocated: 40 * mib, AllocatedInWindow: c.alloc, HeldInWindow: c.held, InUseObjects: 9}}
		if got := sevOf(t, only(t, f, "heap_retention")); got != c.want {
			t.Errorf("held %d of %d allocated in the window: %v, want %v", c.held, c.alloc, got, c.want)
		}
	}
}
