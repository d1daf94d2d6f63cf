package ergomcp_test

import (
	"encoding/json"
	"fmt"
	"math"
	"runtime"
	"strings"
	"testing"
	"time"

	"ergo.services/ergo/act"
	"ergo.services/ergo/gen"

	"github.com/ergomcp/ergomcp"
	"github.com/ergomcp/ergomcp/internal/mcptest"
	"github.com/ergomcp/ergomcp/internal/testnode"
)

// historyOptions are short intervals so that a test sees trends in seconds.
func historyOptions(port uint16) ergomcp.Options {
	return ergomcp.Options{Port: port, HistoryInterval: 100 * time.Millisecond, HistoryFull: time.Minute}
}

type historySeries struct {
	Name, Unit, Trend, Dir string
	PerSec, Last           float64
	AgeS, EveryS           *float64
	Since                  time.Time
	Values                 []*float64
}

type historyReport struct {
	From         time.Time
	HistoryStart time.Time
	StepS        float64
	Buckets      int
	Series       []historySeries
	Gaps         []struct {
		At           time.Time
		Kind, Detail string
	}
	LogSources []struct {
		Source string
		Count  uint64
		PerS   float64
	}
	Movers []struct {
		PID, Name, Behavior string
		MailboxMax          float64
	}
	Spawners []struct {
		Parent, ParentName, Behavior string
		Seen                         uint64
	}
	Notes []string
}

func (r historyReport) series(t *testing.T, name string) historySeries {
	t.Helper()
	for _, s := range r.Series {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no series %q in %+v", name, r.Series)
	return historySeries{}
}

// idler is a process that does nothing until told to stop.
type idler struct{ act.Actor }

// spawner spawns one idler every period, forever: a leak of 1/period.
type spawner struct {
	act.Actor
	period time.Duration
}

type spawnTick struct{}

func (s *spawner) Init(args ...any) error {
	s.period = args[0].(time.Duration)
	s.SendAfter(s.PID(), spawnTick{}, s.period)
	return nil
}

func (s *spawner) HandleMessage(from gen.PID, message any) error {
	if _, err := s.Spawn(func() gen.ProcessBehavior { return &idler{} }, gen.ProcessOptions{}); err != nil {
		return err
	}
	s.SendAfter(s.PID(), spawnTick{}, s.period)
	return nil
}

func TestHistorySpawnerRate(t *testing.T) {
	port := mcptest.FreePort(t)
	node, err := startNode(t, historyOptions(port))
	if err != nil {
		t.Fatal(err)
	}
	s := mcptest.Connect(t, mcptest.URL(port), "")

	// The healthy control first: nothing spawns, processes stay flat.
	time.Sleep(2 * time.Second)
	var quiet historyReport
	mcptest.Call(t, s, "node_history", map[string]any{"minutes": 1}, &quiet)
	if p := quiet.series(t, "processes"); p.Dir != "flat" {
		t.Fatalf("idle node: processes %s, want flat", p.Trend)
	}

	start := time.Now()
	pid, err := node.Spawn(func() gen.ProcessBehavior { return &spawner{} }, gen.ProcessOptions{}, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(6500 * time.Millisecond)
	var r historyReport
	mcptest.Call(t, s, "node_history", map[string]any{"minutes": 1}, &r)
	node.Kill(pid)
	p := r.series(t, "processes")
	if p.Dir != "rising" || p.PerSec < 0.7 || p.PerSec > 1.4 {
		t.Fatalf("processes: %s (PerSec %.2f), want rising about +1/s", p.Trend, p.PerSec)
	}
	if d := p.Since.Sub(start); d < -time.Second || d > 1500*time.Millisecond {
		t.Fatalf("processes rising since %s, spawner started %s", p.Since, start)
	}
	sp := r.series(t, "spawned")
	var sum, spans float64
	for _, v := range sp.Values {
		if v != nil {
			sum += *v
			spans++
		}
	}
	seen := uint64(0)
	for _, g := range r.Spawners {
		if g.Behavior == "ergomcp_test.idler" && g.Parent == pid.String() {
			seen = g.Seen
		}
	}
	if seen < 5 || seen > 8 {
		t.Fatalf("spawners: %+v, want 6 or 7 idlers of %s seen", r.Spawners, pid)
	}
	_ = sum / spans
}

func finite(v *float64) bool { return v != nil && !math.IsNaN(*v) }

// logger logs n lines at level, then stops.
type logger struct{ act.Actor }

type historyLogBurst struct {
	n     int
	level gen.LogLevel
}

func (l *logger) HandleMessage(from gen.PID, message any) error {
	m := message.(historyLogBurst)
	for i := 0; i < m.n; i++ {
		switch m.level {
		case gen.LogLevelError:
			l.Log().Error("storm line %d", i)
		default:
			l.Log().Info("quiet line %d", i)
		}
	}
	return nil
}

func TestHistoryLogStormBySource(t *testing.T) {
	port := mcptest.FreePort(t)
	node, err := startNode(t, historyOptions(port))
	if err != nil {
		t.Fatal(err)
	}
	s := mcptest.Connect(t, mcptest.URL(port), "")
	storm, err := node.SpawnRegister("storm_source", func() gen.ProcessBehavior { return &logger{} }, gen.ProcessOptions{})
	if err != nil {
		t.Fatal(err)
	}
	quiet, err := node.SpawnRegister("quiet_source", func() gen.ProcessBehavior { return &logger{} }, gen.ProcessOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// The bucket that holds the history's start covers only the part of a
	// step after it, so a storm there reads at the rate of that part (3000
	// in 0.1 s is 30000/s, rightly): storm once that bucket is past.
	time.Sleep(1200 * time.Millisecond)
	node.Send(storm, historyLogBurst{n: 3000, level: gen.LogLevelError})
	node.Send(quiet, historyLogBurst{n: 7, level: gen.LogLevelInfo})
	time.Sleep(time.Second) // several points after the storm
	var r historyReport
	mcptest.Call(t, s, "node_history", map[string]any{"minutes": 1}, &r)
	counts := map[string]uint64{}
	for _, src := range r.LogSources {
		counts[src.Source] = src.Count
	}
	if len(r.LogSources) == 0 || r.LogSources[0].Source != "storm_source" || counts["storm_source"] != 3000 || counts["quiet_source"] != 7 {
		t.Fatalf("log sources %+v: want storm_source 3000 first, quiet_source 7", r.LogSources)
	}
	// The storm took well under a bucket: one bucket's rate holds it.
	var peak float64
	for _, v := range r.series(t, "log_error").Values {
		if finite(v) {
			peak = max(peak, *v)
		}
	}
	if peak < 3000/(1.5*r.StepS) || peak > 3000/(0.5*r.StepS) {
		t.Fatalf("log_error peaks at %.1f/s, want 3000 in one bucket of %.1fs", peak, r.StepS)
	}
}

func TestHistoryRestartMarksGap(t *testing.T) {
	port := mcptest.FreePort(t)
	node, err := startNode(t, historyOptions(port))
	if err != nil {
		t.Fatal(err)
	}
	s := mcptest.Connect(t, mcptest.URL(port), "")
	time.Sleep(time.Second)
	old := collectorOf(t, node)
	if err := node.SendExit(old, fmt.Errorf("test restart")); err != nil {
		t.Fatal(err)
	}
	restarted := func() bool {
		p, _ := node.ProcessListShortInfo(1000, 10000)
		for _, r := range p {
			if r.Behavior == "actors.collector" && r.PID != old {
				return true
			}
		}
		return false
	}
	for deadline := time.Now().Add(10 * time.Second); !restarted(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			p, _ := node.ProcessListShortInfo(1000, 10000)
			for _, r := range p {
				t.Logf("%s %s %s %s", r.PID, r.Name, r.Behavior, r.State)
			}
			t.Fatalf("the collector %s was not restarted in 10 s", old)
		}
	}
	time.Sleep(500 * time.Millisecond)
	var r historyReport
	mcptest.Call(t, s, "node_history", map[string]any{"minutes": 1, "points": 600, "series": []string{"goroutines", "processes"}}, &r)
	// Late points may be marked too on a loaded machine; one restart.
	var restart *time.Time
	for i, g := range r.Gaps {
		if g.Kind == "restarted" {
			if restart != nil {
				t.Fatalf("gaps %+v: want one restart", r.Gaps)
			}
			restart = &r.Gaps[i].At
		}
	}
	if restart == nil {
		t.Fatalf("gaps %+v: want one restart", r.Gaps)
	}
	// The history goes on: points from before the restart are still there.
	g := r.series(t, "goroutines")
	before := 0
	for i, v := range g.Values {
		at := r.From.Add(time.Duration(float64(i+1) * r.StepS * float64(time.Second)))
		if finite(v) && at.Before(*restart) {
			before++
		}
	}
	if before < 2 {
		t.Fatalf("%d points before the restart at %s: the history was lost", before, *restart)
	}
	// The collectors add no logger of their own: ergomcp's one logger
	// feeds the history, before and after the restart.
	var ours []string
	for _, l := range node.Loggers() {
		if strings.HasPrefix(l, "ergomcp_") {
			ours = append(ours, l)
		}
	}
	if len(ours) != 1 || ours[0] != "ergomcp_logs" {
		t.Fatalf("ergomcp's loggers after the restart: %v, want only ergomcp_logs", ours)
	}
}

type nodeInfoTotals struct {
	ProcessesTotal, ProcessesSpawned, ProcessesTerminated int64
	ProcessesCountedSince                                 time.Time
}

func TestNodeInfoSpawnedTotals(t *testing.T) {
	port := mcptest.FreePort(t)
	node, err := startNode(t, ergomcp.Options{Port: port})
	if err != nil {
		t.Fatal(err)
	}
	s := mcptest.Connect(t, mcptest.URL(port), "")
	var a, b nodeInfoTotals
	// The totals count from the collector's first scan, a tenth of the
	// interval after ergomcp starts.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		mcptest.Call(t, s, "node_info", nil, &a)
		// ergo 3.3 counts spawned and terminated itself, from the node's
		// start (ergomcp adds no CountedSince there).
		if !a.ProcessesCountedSince.IsZero() || ergo33 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("node_info has no spawned totals: %+v", a)
		}
	}
	var pids []gen.PID
	for i := 0; i < 5; i++ {
		pid, err := node.Spawn(func() gen.ProcessBehavior { return &idler{} }, gen.ProcessOptions{})
		if err != nil {
			t.Fatal(err)
		}
		pids = append(pids, pid)
	}
	for _, pid := range pids[:2] {
		node.Kill(pid)
	}
	mcptest.WaitFor(t, func() bool {
		_, err0 := node.ProcessState(pids[0])
		_, err1 := node.ProcessState(pids[1])
		return err0 != nil && err1 != nil
	})
	// The count ergo's Info walks may still hold a killed process for a
	// moment: ask until both kills show.
	var spawned, ended int64
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		mcptest.Call(t, s, "node_info", nil, &b)
		spawned, ended = b.ProcessesSpawned-a.ProcessesSpawned, b.ProcessesTerminated-a.ProcessesTerminated
		if ended >= 2 || time.Now().After(deadline) {
			break
		}
	}
	if spawned < 5 || spawned > 8 || ended < 2 || ended > 5 {
		t.Fatalf("between two node_info: spawned %d, terminated %d; want 5 and 2 (plus a few of ergomcp's); %+v → %+v", spawned, ended, a, b)
	}
	if spawned-ended != b.ProcessesTotal-a.ProcessesTotal {
		t.Fatalf("spawned %d - terminated %d != change in processes %d", spawned, ended, b.ProcessesTotal-a.ProcessesTotal)
	}
}

// With the history on (the default), idle ergomcp runs one goroutine more
// than the accept loop, the collector's timer, and only the collector gets
// messages: a scan a tenth of the interval.
func TestIdleCostHistory(t *testing.T) {
	startPlainNode(t)
	plain := settledGoroutines(t)
	node, err := startNode(t, ergomcp.Options{Port: mcptest.FreePort(t), HistoryInterval: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	withApp := settledGoroutines(t)
	extra := withApp.newSince(plain)
	timer := 0
	for _, st := range extra {
		if strings.Contains(st, "selfTimer") {
			timer++
		}
	}
	// The node's own goroutines, the accept loop and the collector's timer.
	if timer != 1 {
		t.Fatalf("%d collector timers among the new goroutines:\n%s", timer, strings.Join(extra, "\n\n"))
	}
	first := ergomcpCounters(t, node)
	time.Sleep(1200 * time.Millisecond)
	second := ergomcpCounters(t, node)
	for pid, in := range first {
		got := second[pid] - in
		if strings.Contains(pid, "actors.collector") {
			if got < 5 || got > 13 { // 12 scans of 100 ms, give or take the load
				t.Errorf("the collector got %d messages in 1.2 s, want about 12 (a scan every 100 ms)", got)
			}
			continue
		}
		if got != 0 {
			t.Errorf("%s received %d messages while idle", pid, got)
		}
	}
}

// The history's memory does not follow the node's size: with 20k
// processes (the store's size is fixed at start, see internal/history's
// TestMemoryBounded at the ceilings; 20k rather than 100k keeps this test
// within the shared CI's memory and time under -race, while the table read
// already costs the collector a stretched cadence, as at 100k) the heap
// after GC is the same before and after a run of points, and every list of
// the answer stays within its bound.
func TestHistoryMemoryBounded(t *testing.T) {
	port := mcptest.FreePort(t)
	node, err := startNode(t, historyOptions(port))
	if err != nil {
		t.Fatal(err)
	}
	s := mcptest.Connect(t, mcptest.URL(port), "")
	const n = 20000
	for i := 0; i < n; i++ {
		if _, err := node.Spawn(func() gen.ProcessBehavior { return &idler{} }, gen.ProcessOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(2 * time.Second) // the first points, a table read among them
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats // a test may stop the world
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	before := heap()
	time.Sleep(3 * time.Second) // ~30 more points
	after := heap()
	if after > before+1<<20 {
		t.Fatalf("heap grew %d KiB over 30 points with %d processes", (after-before)>>10, n)
	}
	var r historyReport
	mcptest.Call(t, s, "node_history", map[string]any{"minutes": 1, "points": 600, "series": []string{"goroutines", "processes"}}, &r)
	// The count is paced by its cost (under -race a 20k walk is slow):
	// an old count must say how old it is.
	p := r.series(t, "processes")
	if (p.Last < n || p.Last > n+50) && (p.AgeS == nil || *p.AgeS < 3) {
		t.Fatalf("processes %v read %v s ago, want about %d or an age over the 3 s since the spawning ended", p.Last, p.AgeS, n)
	}
	if len(r.Movers) > 8 || len(r.Spawners) > 8 || len(r.LogSources) > 8 {
		t.Fatalf("lists beyond their bounds: %d movers, %d spawners, %d sources", len(r.Movers), len(r.Spawners), len(r.LogSources))
	}
}

// diagnose cites the history's horizon: a leak of 10/s over a few seconds
// of points shows as processes rising, a quiet node cites nothing.
func TestDiagnoseCitesHistory(t *testing.T) {
	type diag struct {
		Notes   []string
		History *struct {
			Minutes float64
			Lines   []string
			Trends  []struct{ Series, Dir string }
		}
	}
	run := func(t *testing.T, leak bool) diag {
		port := mcptest.FreePort(t)
		node, err := startNode(t, historyOptions(port))
		if err != nil {
			t.Fatal(err)
		}
		s := mcptest.Connect(t, mcptest.URL(port), "")
		if leak {
			pid, err := node.Spawn(func() gen.ProcessBehavior { return &spawner{} }, gen.ProcessOptions{}, 100*time.Millisecond)
			if err != nil {
				t.Fatal(err)
			}
			defer node.Kill(pid)
		}
		time.Sleep(3 * time.Second)
		var d diag
		mcptest.Call(t, s, "diagnose", map[string]any{"scenario": "leak", "budget_ms": 500}, &d)
		if d.History == nil || len(d.History.Trends) == 0 {
			t.Fatalf("diagnose has no history: %+v", d)
		}
		return d
	}
	cited := func(d diag) bool {
		for _, n := range d.Notes {
			if strings.HasPrefix(n, "history (") && strings.Contains(n, "processes rising") {
				return true
			}
		}
		return false
	}
	if d := run(t, true); !cited(d) {
		t.Fatalf("a leak of 10/s is not cited: notes %q, history %+v", d.Notes, d.History)
	}
	if d := run(t, false); cited(d) {
		t.Fatalf("a quiet node cites a leak: %q", d.Notes)
	}
}

// node_history node="*": one trend table per node, each node's own.
func TestNodeHistoryFanOut(t *testing.T) {
	port := mcptest.FreePort(t)
	opts := historyOptions(port)
	entry := startNetNode(t, "histentry", opts)
	opts.Port = 0
	agent := startNetNode(t, "histagent", opts)
	if _, err := entry.Network().GetNode(agent.Name()); err != nil {
		t.Fatalf("connect %s: %v", agent.Name(), err)
	}
	// The agent alone leaks: its table rises, the entry's stays flat.
	pid, err := agent.Spawn(func() gen.ProcessBehavior { return &spawner{} }, gen.ProcessOptions{}, 100*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	defer agent.Kill(pid)
	time.Sleep(2500 * time.Millisecond)
	s := mcptest.Connect(t, mcptest.URL(port), "")
	var all fanOutResult
	mcptest.Call(t, s, "node_history", map[string]any{"node": "*", "minutes": 1, "series": []string{"processes"}}, &all)
	if all.Nodes != 2 || all.OK != 2 {
		t.Fatalf("two nodes: %+v", all)
	}
	dirs := map[string]string{}
	for _, r := range all.Results {
		var h historyReport
		if err := json.Unmarshal(r.Result, &h); err != nil || len(h.Series) != 1 {
			t.Fatalf("%s: %s (%v)", r.Node, r.Result, err)
		}
		dirs[r.Node] = h.Series[0].Dir
	}
	if dirs[string(agent.Name())] != "rising" || dirs[string(entry.Name())] != "flat" {
		t.Fatalf("trends by node %v: want the agent rising, the entry flat", dirs)
	}
}

// A stopped ergomcp frees its history even while its configuration
// stays referenced (here, by the stopped nodes the test still holds): ten
// nodes started and stopped retain about as much with the history as
// without it, not its rings (~800 KiB each at the defaults).
func TestHistoryFreedWithErgomcp(t *testing.T) {
	heap := func() int64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return int64(m.HeapAlloc)
	}
	var nodes []gen.Node // held, as a test or a host program may hold them
	retained := func(disable bool) int64 {
		before := heap()
		for i := 0; i < 10; i++ {
			node, err := newNode(t, ergomcp.Options{Port: mcptest.FreePort(t), DisableHistory: disable}, func(*gen.NodeOptions) {})
			if err != nil {
				t.Fatal(err)
			}
			testnode.Stop(t, node)
			nodes = append(nodes, node)
		}
		return heap() - before
	}
	// The rings alone would be ~8 MiB; the rest is noise of the heap.
	off := retained(true)
	on := retained(false)
	if on > 2<<20 {
		t.Fatalf("10 stopped nodes retain %d KiB with the history (%d KiB without)", on>>10, off>>10)
	}
	runtime.KeepAlive(nodes)
}

// collectorOf finds the history's collector, an unregistered child of
// ergomcp_history.
func collectorOf(t *testing.T, node gen.Node) gen.PID {
	t.Helper()
	page, _ := node.ProcessListShortInfo(1000, 10000)
	for _, p := range page {
		if p.Behavior == "actors.collector" {
			return p.PID
		}
	}
	t.Fatal("no history collector")
	return gen.PID{}
}
