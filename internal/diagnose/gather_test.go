package diagnose

import (
	"bytes"
	"runtime/pprof"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestCollectorFamilies(t *testing.T) {
	c := NewCollector(2*time.Second, hash)
	add := func(id, parent uint64, behavior string, in uint64, uptime int64, born bool) {
		p := Proc{ID: id, ParentID: parent, Behavior: behavior, After: Counters{MessagesIn: in, Uptime: uptime}}
		if !born {
			p.Before = &Counters{MessagesIn: in, Uptime: uptime - 2}
		}
		c.Add(p)
	}
	// Parent 1500's workers, oldest first (PID order); one received a message.
	add(1500, 1, "main.spawner", 10, 30, false)
	for i, up := range []int64{20, 15, 10, 5, 1, 0} {
		add(uint64(1501+i), 1500, "main.worker", map[bool]uint64{true: 3}[i == 2], up, up < 2)
	}
	add(1600, 1500, "main.other", 0, 9, false)
	var f Facts
	c.Fill(&f)
	var w *Family
	for i := range f.Families {
		if f.Families[i].Behavior == "main.worker" {
			w = &f.Families[i]
		}
	}
	if w == nil {
		t.Fatalf("no worker family: %+v", f.Families)
	}
	if w.Parent != pid(1500) || w.ParentID != 1500 || w.Count != 6 || w.NeverReceived != 5 || w.MinUptime != 0 || w.MaxUptime != 20 || w.BornInWindow != 2 {
		t.Errorf("family %+v", *w)
	}
	if len(w.Youngest) == 0 || w.Youngest[0] != pid(1506) {
		t.Errorf("youngest %v, want %s first", w.Youngest, pid(1506))
	}
	if f.Families[0].Behavior != "main.worker" {
		t.Errorf("largest family not first: %+v", f.Families)
	}
	if len(f.Families) != 3 {
		t.Errorf("%d families, want 3", len(f.Families))
	}
}

func TestCollectorWantBehavior(t *testing.T) {
	c := NewCollector(time.Second, hash)
	c.WantBehavior("main.flaky")
	c.WantBehavior("")
	for id := uint64(2000); id < 2000+pidsPerBehavior+3; id++ {
		c.Add(Proc{ID: id, ParentID: 1999, Behavior: "main.flaky", Before: &Counters{}, After: Counters{}})
	}
	c.Add(Proc{ID: 3000, Behavior: "main.quiet", Before: &Counters{}, After: Counters{}})
	var f Facts
	c.Fill(&f)
	n := 0
	for _, p := range f.Procs {
		if p.Behavior == "main.flaky" {
			n++
			if p.PID == "" || p.Parent != pid(1999) {
				t.Errorf("kept process lacks PID or parent: %+v", p)
			}
		}
		if p.Behavior == "main.quiet" {
			t.Errorf("unwanted idle process kept: %+v", p)
		}
	}
	if n != pidsPerBehavior {
		t.Errorf("kept %d of the wanted behaviour, want %d", n, pidsPerBehavior)
	}
}

// parkedForDump is a goroutine the dump test finds by its frames.
func parkedForDump(stop <-chan struct{}) { <-stop }

func TestParseGoroutineDump(t *testing.T) {
	stop := make(chan struct{})
	defer close(stop)
	for range 7 {
		go parkedForDump(stop)
	}
	time.Sleep(20 * time.Millisecond)
	var b bytes.Buffer
	if err := pprof.Lookup("goroutine").WriteTo(&b, 2); err != nil {
		t.Fatal(err)
	}
	groups := ParseGoroutineDump(&b)
	var g *GoGroup
	for i := range groups {
		if slices.ContainsFunc(groups[i].Funcs, func(fn string) bool { return strings.HasSuffix(fn, "diagnose.parkedForDump") }) {
			g = &groups[i]
		}
	}
	if g == nil {
		t.Fatalf("parked goroutines not found in %d groups", len(groups))
	}
	if g.Count != 7 || g.State != "chan receive" || !strings.HasSuffix(g.CreatedBy, "diagnose.TestParseGoroutineDump") {
		t.Errorf("group %+v", *g)
	}
	if strings.Contains(strings.Join(g.Funcs, " "), "(") && !strings.Contains(strings.Join(g.Funcs, " "), "(*") {
		t.Errorf("arguments left in frames: %v", g.Funcs)
	}
	merged := MergeGoGroups([]GoGroup{{Funcs: g.Funcs, CreatedBy: g.CreatedBy, State: g.State, Count: 3}}, groups)
	for _, m := range merged {
		if m.CreatedBy == g.CreatedBy && slices.Equal(m.Funcs, g.Funcs) && (m.CountBefore != 3 || m.Count != 7) {
			t.Errorf("merged %+v", m)
		}
	}
	for i := 1; i < len(merged); i++ {
		if merged[i].Count > merged[i-1].Count {
			t.Fatalf("merged not largest first: %d after %d", merged[i].Count, merged[i-1].Count)
		}
	}
}

func TestParseGoroutineDumpText(t *testing.T) {
	dump := `goroutine 1 [running]:
main.main()
	/x/main.go:10 +0x1

goroutine 7 [chan receive, 3 minutes]:
example.com/app.wait(0xc000010000)
	/x/app.go:5 +0x2
created by example.com/app.(*T).HandleMessage in goroutine 1
	/x/app.go:9 +0x3

goroutine 8 [chan receive, 3 minutes]:
example.com/app.wait(0xc000010001)
	/x/app.go:5 +0x2
created by example.com/app.(*T).HandleMessage in goroutine 1
	/x/app.go:9 +0x3
`
	groups := ParseGoroutineDump(strings.NewReader(dump))
	if len(groups) != 2 {
		t.Fatalf("groups %+v", groups)
	}
	if g := groups[1]; g.Count != 2 || g.State != "chan receive" || g.CreatedBy != "example.com/app.(*T).HandleMessage" || !slices.Equal(g.Funcs, []string{"example.com/app.wait"}) {
		t.Errorf("group %+v", g)
	}
	if g := groups[0]; g.Count != 1 || g.State != "running" || g.CreatedBy != "" || !slices.Equal(g.Funcs, []string{"main.main"}) {
		t.Errorf("group %+v", g)
	}
	if s := dumpState("goroutine 9 no state"); s != "" {
		t.Errorf("state of a malformed header: %q", s)
	}
}

func TestHeapSites(t *testing.T) {
	a := []string{"runtime.mallocgc", "main.(*h).HandleMessage"}
	b := []string{"runtime.mallocgc", "main.other"}
	sites := HeapSites(
		[]Stack{{Value: 10, Funcs: a}, {Value: 3, Funcs: b}},
		[]Stack{{Value: 4, Funcs: a}, {Value: 7, Funcs: []string{"not.in.use"}}},
		[]Stack{{Value: 12, Funcs: a}, {Value: 30, Funcs: b}, {Value: 5, Funcs: []string{"only.allocated"}}},
		[]Stack{{Value: 2, Funcs: a}, {Value: 9, Funcs: []string{"gone.site"}}},
		[]Stack{{Value: 1, Funcs: a}, {Value: 9, Funcs: []string{"gone.site"}}},
	)
	if len(sites) != 3 {
		t.Fatalf("sites %+v", sites)
	}
	if s := sites[0]; !slices.Equal(s.Funcs, a) || s.InUse != 10 || s.Allocated != 12 || s.AllocatedInWindow != 2 || s.InUseObjects != 4 || s.HeldInWindow != 1 {
		t.Errorf("first site %+v", s)
	}
	if s := sites[1]; s.InUse != 3 || s.Allocated != 30 || s.AllocatedInWindow != 0 || s.InUseObjects != 0 {
		t.Errorf("second site %+v", s)
	}
	if s := sites[2]; s.InUse != 0 || s.Allocated != 5 {
		t.Errorf("third site %+v", s)
	}
}

func TestNeedNames(t *testing.T) {
	for _, n := range allNeeds {
		if n.String() == "" || strings.Contains(n.String(), "+") {
			t.Errorf("need %d has no name of its own: %q", n, n.String())
		}
	}
	if got := (NeedLogs | NeedGoroutineDump).String(); got != "logs+goroutine_dump" {
		t.Errorf("names %q", got)
	}
}
