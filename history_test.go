package ergomcp_test

import (
	"fmt"
	"math"
	"testing"
	"time"

	"ergo.services/ergo/act"
	"ergo.services/ergo/gen"

	"github.com/ergomcp/ergomcp"
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
	Gaps         []struct{ At time.Time; Kind, Detail string }
	LogSources   []struct {
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
	port := freePort(t)
	node, err := startNode(t, historyOptions(port))
	if err != nil {
		t.Fatal(err)
	}
	s := connect(t, fmt.Sprintf("http://localhost:%d/mcp", port), "")

	// The healthy control first: nothing spawns, processes stay flat.
	time.Sleep(2 * time.Second)
	var quiet historyReport
	call(t, s, "node_history", map[string]any{"minutes": 1}, &quiet)
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
	call(t, s, "node_history", map[string]any{"minutes": 1}, &r)
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
