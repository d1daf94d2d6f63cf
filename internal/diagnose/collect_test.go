package diagnose

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// kept is the IDs of the processes a collector kept, in order.
func kept(f *Facts) []uint64 {
	var ids []uint64
	for _, p := range f.Procs {
		ids = append(ids, p.ID)
	}
	return ids
}

// TestCollectorKeepsTheGrowing: the mailbox-growth measure keeps the
// processes whose mailbox rose most, not the deepest: a deep but stable
// mailbox that rose by one loses to a shallow one that rose by fifty.
func TestCollectorKeepsTheGrowing(t *testing.T) {
	c := NewCollector(2*time.Second, hash)
	var growers []uint64
	for i := range uint64(3 * PerMeasure) {
		id := 1000 + i
		var b, a Counters
		switch i % 3 {
		case 0: // deepest, flat: the depth measure's
			b, a = sleeping(10, 0, 2000, 0), sleeping(10, 0, 2000, 0)
		case 1: // deep, rose by one
			b, a = sleeping(10, 0, 1000, 0), sleeping(11, 0, 1001, 0)
		case 2: // shallow, rose by fifty
			b, a = sleeping(10, 0, 30, 0), sleeping(60, 0, 80, 0)
			growers = append(growers, id)
		}
		c.Add(Proc{ID: id, Behavior: "main.q", Before: &b, After: a})
	}
	var f Facts
	c.Fill(&f)
	got := kept(&f)
	for _, id := range growers {
		if !slices.Contains(got, id) {
			t.Errorf("grower %d dropped; kept %v", id, got)
		}
	}
	for _, id := range got {
		if (id-1000)%3 == 1 {
			t.Errorf("deep process %d that rose by one kept over the growers", id)
		}
	}
	if len(got) != 2*PerMeasure {
		t.Errorf("kept %d, want the %d deepest and growers", len(got), 2*PerMeasure)
	}
}

// TestCollectorMeasures: each measure keeps its own top, and a process
// that scores on none is dropped.
func TestCollectorMeasures(t *testing.T) {
	c := NewCollector(time.Second, hash)
	idle := sleeping(5, 5, 0, 1e6)
	add := func(id uint64, b *Counters, a Counters, probes, running, waiting int) {
		c.Add(Proc{ID: id, Behavior: "main.m", Before: b, After: a, Probes: probes, Running: running, Waiting: waiting})
	}
	add(1, &idle, idle, 4, 0, 0)                   // nothing: dropped
	add(2, &idle, sleeping(5, 5, 3, 1e6), 4, 0, 0) // grew
	add(3, &idle, sleeping(5, 6, 0, 1e6), 4, 0, 0) // sent
	add(4, &idle, sleeping(5, 5, 0, 2e6), 4, 0, 0) // ran
	r := state(idle, StateRunning)
	add(5, &r, r, 4, 4, 0) // busy all window
	add(6, &r, r, 4, 3, 0) // running, not all window: dropped
	m := sleeping(5, 5, 4, 1e6)
	add(7, &m, m, 4, 0, 0)                          // deep, flat
	add(8, nil, sleeping(0, 0, 0, 0), 0, 0, 0)      // born idle: dropped
	add(9, nil, sleeping(0, 2, 0, 0), 0, 0, 0)      // born, sent
	add(10, &idle, sleeping(7, 5, 0, 1e6), 4, 0, 0) // handled two: no measure keeps it
	var f Facts
	c.Fill(&f)
	if want := []uint64{2, 3, 4, 5, 7, 9}; !slices.Equal(kept(&f), want) {
		t.Errorf("kept %v, want %v", kept(&f), want)
	}
}

func TestCollectorTableBounds(t *testing.T) {
	c := NewCollector(time.Second, hash)
	for i := range uint64(MaxGroups + 3) {
		c.Add(Proc{ID: 10000 + i, ParentID: 1, Behavior: fmt.Sprint("main.b", i), After: Counters{Uptime: 5}})
	}
	var f Facts
	c.Fill(&f)
	if len(f.Families) != MaxGroups || len(f.Behaviors) != MaxBehaviors {
		t.Errorf("%d families, %d behaviours: want %d and %d", len(f.Families), len(f.Behaviors), MaxGroups, MaxBehaviors)
	}
	// Families and behaviours of one count come in parent, then name order.
	if f.Families[0].Behavior != "main.b0" || f.Families[1].Behavior != "main.b1" || f.Behaviors[0].Behavior != "main.b0" || f.Behaviors[1].Behavior != "main.b1" {
		t.Errorf("order %s %s / %s %s", f.Families[0].Behavior, f.Families[1].Behavior, f.Behaviors[0].Behavior, f.Behaviors[1].Behavior)
	}
}

func TestCollectorYoungestAndOrder(t *testing.T) {
	c := NewCollector(time.Second, hash)
	// Parent 7's workers, in PID order, the later the younger; one older
	// than the youngest so far comes last and is not among the youngest.
	for i, up := range []int64{90, 80, 70, 60, 50, 40, 30, 20, 25} {
		c.Add(Proc{ID: uint64(3000 + i), ParentID: 7, Behavior: "main.w", After: Counters{Uptime: up}})
	}
	// Two families of one each: by parent ID, then behaviour.
	c.Add(Proc{ID: 4000, ParentID: 9, Behavior: "main.a", After: Counters{Uptime: 1}})
	c.Add(Proc{ID: 4001, ParentID: 8, Behavior: "main.z", After: Counters{Uptime: 1}})
	c.Add(Proc{ID: 4002, ParentID: 8, Behavior: "main.y", After: Counters{Uptime: 1}})
	var f Facts
	c.Fill(&f)
	w := f.Families[0]
	if w.Behavior != "main.w" || w.Count != 9 || w.MinUptime != 20 || w.MaxUptime != 90 {
		t.Fatalf("family %+v", w)
	}
	if want := []string{pid(3007), pid(3006), pid(3005), pid(3004), pid(3003)}; !slices.Equal(w.Youngest, want) {
		t.Errorf("youngest %v, want %v", w.Youngest, want)
	}
	var order []string
	for _, fm := range f.Families[1:] {
		order = append(order, fmt.Sprint(fm.ParentID, fm.Behavior))
	}
	if want := []string{"8main.y", "8main.z", "9main.a"}; !slices.Equal(order, want) {
		t.Errorf("families %v, want %v", order, want)
	}
}

func TestCollectorGroups(t *testing.T) {
	c := NewCollector(time.Second, hash)
	// Parent 5 lost 12: the deaths are counted, the first ten listed.
	for i := range uint64(12) {
		c.Died(6000+i, 5, "main.d")
	}
	// Parent 6 started 3 (two alive) and lost 8: churn 11.
	for i := range uint64(3) {
		c.Born(7000+i, 6, "main.e", i != 1)
	}
	for i := range uint64(8) {
		c.Died(7100+i, 6, "main.e")
	}
	// Parent 4 started 13 and lost none: the most churn.
	for i := range uint64(13) {
		c.Born(8000+i, 4, "main.f", false)
	}
	// Equal churn: by parent, then behaviour.
	c.Born(9000, 3, "main.h", true)
	c.Died(9001, 2, "main.g")
	c.Died(9002, 2, "main.a")
	var f Facts
	c.Fill(&f)
	var order []string
	for _, g := range f.Groups {
		order = append(order, g.Parent+" "+g.Behavior)
	}
	want := []string{pid(4) + " main.f", pid(5) + " main.d", pid(6) + " main.e", pid(2) + " main.a", pid(2) + " main.g", pid(3) + " main.h"}
	if !slices.Equal(order, want) {
		t.Fatalf("groups %v, want %v", order, want)
	}
	d := f.Groups[1]
	if d.Died != 12 || d.Born != 0 || len(d.Gone) != pidsPerGroup || d.Gone[0] != pid(6000) || d.Gone[pidsPerGroup-1] != pid(6000+pidsPerGroup-1) {
		t.Errorf("deaths %+v", d)
	}
	e := f.Groups[2]
	if e.Born != 3 || e.Died != 8 || !slices.Equal(e.Alive, []string{pid(7002), pid(7000)}) || len(e.Gone) != 8 {
		t.Errorf("churn %+v", e)
	}
	if f.Groups[0].Born != 13 || len(f.Groups[0].Alive) != 0 {
		t.Errorf("births %+v", f.Groups[0])
	}
}

// TestCollectorKeepsTheBusyAndTheSenders: the busy measure ranks by the
// mailbox behind the callback (an empty one last), the senders' measure by
// what was sent in the window, not since the process started.
func TestCollectorKeepsTheBusyAndTheSenders(t *testing.T) {
	c := NewCollector(time.Second, hash)
	id := uint64(1000)
	next := func() uint64 { id++; return id }
	for range PerMeasure { // the deepest: the depth measure's
		m := sleeping(0, 0, 100, 0)
		c.Add(Proc{ID: next(), Behavior: "main.deep", Before: &m, After: m})
	}
	var busy []uint64
	for range PerMeasure {
		r := state(sleeping(0, 0, 1, 0), StateRunning)
		busy = append(busy, next())
		c.Add(Proc{ID: id, Behavior: "main.busy", Before: &r, After: r, Probes: 4, Running: 4})
	}
	empty := state(sleeping(0, 0, 0, 0), StateRunning)
	idleBusy := next()
	c.Add(Proc{ID: idleBusy, Behavior: "main.busy", Before: &empty, After: empty, Probes: 4, Running: 4})
	var senders []uint64
	for i := range 2 * PerMeasure {
		b, a := sleeping(0, 1000, 0, 0), sleeping(0, 1001, 0, 0) // sent one, of many since start
		if i%2 == 0 {
			b, a = sleeping(0, 0, 0, 0), sleeping(0, 50, 0, 0)
			senders = append(senders, id+1)
		}
		c.Add(Proc{ID: next(), Behavior: "main.out", Before: &b, After: a})
	}
	var f Facts
	c.Fill(&f)
	got := kept(&f)
	for _, want := range append(busy, senders...) {
		if !slices.Contains(got, want) {
			t.Errorf("%d dropped", want)
		}
	}
	if slices.Contains(got, idleBusy) {
		t.Errorf("a busy process with an empty mailbox outranked those with one queued")
	}
	if len(got) != 3*PerMeasure {
		t.Errorf("kept %d, want %d", len(got), 3*PerMeasure)
	}
}
