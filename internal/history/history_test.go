package history

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/ergomcp/ergomcp/internal/logcount"
)

var t0 = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

func mustStore(t *testing.T, c Config) *Store {
	t.Helper()
	c, err := c.Normalize()
	if err != nil {
		t.Fatal(err)
	}
	return New(c, logcount.New())
}

// feed adds n points every interval from start, value(i) filling each.
func feed(s *Store, start time.Time, n int, fill func(i int, p *Point)) time.Time {
	iv := s.Config().Interval
	at := start
	for i := 0; i < n; i++ {
		at = start.Add(time.Duration(i+1) * iv)
		p := Blank()
		p.At, p.Span = at.UnixNano(), iv.Nanoseconds()
		fill(i, &p)
		s.Add(p)
	}
	return at
}

func TestConfigDefaultsAndBounds(t *testing.T) {
	c, err := Config{}.Normalize()
	if err != nil {
		t.Fatal(err)
	}
	if c.Interval != 10*time.Second || c.Full != time.Hour || c.CoarseStep != time.Minute || c.Retention != 24*time.Hour {
		t.Fatalf("defaults: %+v", c)
	}
	c, err = Config{Interval: 100 * time.Millisecond}.Normalize()
	if err != nil || c.Full != 144*time.Second {
		t.Fatalf("short interval: full %s, %v: want 1440 intervals", c.Full, err)
	}
	for _, bad := range []struct {
		c    Config
		want string
	}{
		{Config{Interval: time.Millisecond}, "HistoryInterval"},
		{Config{Interval: 2 * time.Minute}, "HistoryInterval"},
		{Config{Interval: time.Second, Full: 5 * time.Second}, "HistoryFull"},
		{Config{Interval: time.Second, Full: 2 * time.Hour}, "HistoryFull"},
		{Config{Interval: time.Minute, CoarseStep: time.Minute}, "HistoryCoarseStep"},
		{Config{Retention: 48 * time.Hour}, "HistoryRetention"},
	} {
		if _, err := bad.c.Normalize(); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%+v: %v, want an error naming %s", bad.c, err, bad.want)
		}
	}
}

// The store's memory is fixed by its configuration: at the ceilings it
// stays under 2 MiB, and adding a day of points changes nothing.
func TestMemoryBounded(t *testing.T) {
	s := mustStore(t, Config{Interval: 2500 * time.Millisecond, Full: time.Hour, CoarseStep: time.Minute, Retention: 24 * time.Hour})
	if b := s.Bytes(); b > 2<<20 {
		t.Fatalf("store at the ceilings: %d bytes, over 2 MiB", b)
	}
	before := s.Bytes()
	feed(s, t0, 3*MaxPoints*24, func(i int, p *Point) { p.V[Processes] = float64(i) })
	if len(s.full.buf) != MaxPoints || len(s.coarse.buf) != MaxPoints {
		t.Fatalf("rings %d/%d, want the ceilings", len(s.full.buf), len(s.coarse.buf))
	}
	if s.Bytes() != before {
		t.Fatalf("memory moved: %d → %d", before, s.Bytes())
	}
	// Bytes counts the rings and tables by their configured size: check it
	// against what the rings really take.
	if rings := (len(s.full.buf) + len(s.coarse.buf)) * int(unsafe.Sizeof(Point{})); rings > s.Bytes() {
		t.Fatalf("rings take %d bytes, Bytes says %d", rings, s.Bytes())
	}
	s.Release()
	if s.full.buf != nil || s.points != 0 {
		t.Fatalf("Release kept the rings")
	}
	if r := s.Report(Query{Window: time.Minute, MaxPoints: 10, Now: t0}); len(r.Series) != int(NumSeries) {
		t.Fatalf("a released store still answers: %+v", r)
	}
}

func TestRetentionAndDownsampling(t *testing.T) {
	s := mustStore(t, Config{Interval: 10 * time.Second, Full: 100 * time.Second, CoarseStep: time.Minute, Retention: 10 * time.Minute})
	// 30 minutes: processes climb 1 a point, 6 spawns a point, heap flat.
	end := feed(s, t0, 180, func(i int, p *Point) {
		p.V[Processes] = float64(100 + i)
		p.V[Spawned] = 6
		p.V[HeapLive] = 50 << 20
		p.V[SchedP99] = 0.001 * float64(i%6)
	})
	if s.full.size != 10 {
		t.Fatalf("full ring holds %d, want 10", s.full.size)
	}
	if s.coarse.size != 10 {
		t.Fatalf("coarse ring holds %d, want 10 (the last 10 minutes)", s.coarse.size)
	}
	for i := 0; i < s.coarse.size; i++ {
		c := s.coarse.at(i)
		if c.Span != time.Minute.Nanoseconds() {
			t.Fatalf("coarse point %d spans %s", i, time.Duration(c.Span))
		}
		if c.V[Spawned] != 36 || Shown(*c, Spawned) != 0.6 {
			t.Fatalf("coarse spawned %v (%v/s), want 36 (0.6/s): counts add up", c.V[Spawned], Shown(*c, Spawned))
		}
		if c.V[HeapLive] != 50<<20 {
			t.Fatalf("coarse heap %v: gauges average", c.V[HeapLive])
		}
		if c.V[SchedP99] != 0.005 {
			t.Fatalf("coarse p99 %v: latencies keep the worst", c.V[SchedP99])
		}
		// Coarse points line up on minutes.
		if time.Unix(0, c.At).Second() != 50 && time.Unix(0, c.At).Second() != 0 {
			t.Fatalf("coarse point at %s", time.Unix(0, c.At).UTC())
		}
	}
	// A 15-minute report reaches into the coarse ring: minute buckets, the
	// oldest five minutes out of retention are null.
	r := s.Report(Query{Window: 15 * time.Minute, MaxPoints: 90, Now: end})
	if r.StepS != 60 || r.Buckets != 15 {
		t.Fatalf("step %v, buckets %d: want minute buckets", r.StepS, r.Buckets)
	}
	p := r.Series[Processes]
	nulls := 0
	for _, v := range p.Values {
		if math.IsNaN(float64(v)) {
			nulls++
		}
	}
	if nulls < 4 || nulls > 6 {
		t.Fatalf("%d null buckets, want about 5 (retention is 10 min): %v", nulls, p.Values)
	}
	if p.Dir != Rising || math.Abs(float64(p.PerSec)-0.1) > 0.01 {
		t.Fatalf("processes trend %s", p.Trend)
	}
}

func TestFit(t *testing.T) {
	ts := make([]float64, 60)
	for i := range ts {
		ts[i] = float64(t0.Unix()) + float64(i*10)
	}
	ys := func(f func(i int) float64) []float64 {
		v := make([]float64, len(ts))
		for i := range v {
			v[i] = f(i)
		}
		return v
	}
	rng := rand.New(rand.NewPCG(1, 2))
	cases := []struct {
		name  string
		y     []float64
		dir   string
		slope float64 // per second, 0: not checked
		since int     // index of Since, -1: not checked
	}{
		{"leak from the middle", ys(func(i int) float64 { return 200 + float64(max(i-30, 0))*10 }), Rising, 1, 30},
		{"healthy noise", ys(func(i int) float64 { return 500 + rng.Float64()*20 }), Flat, 0, -1},
		{"constant", ys(func(i int) float64 { return 42 }), Flat, 0, -1},
		{"draining", ys(func(i int) float64 { return 10000 - float64(i)*50 }), Falling, -5, 0},
		{"tiny drift under the floor", ys(func(i int) float64 { return 10 + float64(i)*0.01 }), Flat, 0, -1},
		{"sawtooth heap growing", ys(func(i int) float64 { return float64(i)*2 + float64(i%3)*3 }), Rising, 0.2, -1},
	}
	for _, c := range cases {
		tr := Fit(ts, c.y, 3)
		if tr.Dir != c.dir {
			t.Errorf("%s: %s, want %s", c.name, tr.Line("count"), c.dir)
			continue
		}
		if c.slope != 0 && math.Abs(tr.PerSec-c.slope) > math.Abs(c.slope)*0.1 {
			t.Errorf("%s: slope %v/s, want %v", c.name, tr.PerSec, c.slope)
		}
		if c.slope != 0 && math.Abs(tr.PerHour-3600*tr.PerSec) > 1e-6 {
			t.Errorf("%s: per hour %v", c.name, tr.PerHour)
		}
		if c.since >= 0 && !tr.Since.Equal(unixSeconds(ts[c.since])) {
			t.Errorf("%s: since %s, want %s", c.name, tr.Since, unixSeconds(ts[c.since]))
		}
	}
	if tr := Fit(ts[:2], []float64{1, 2}, 0); tr.Dir != Unknown {
		t.Errorf("two readings: %s", tr.Dir)
	}
	nan := ys(func(i int) float64 {
		if i%2 == 0 {
			return math.NaN()
		}
		return float64(i) * 10
	})
	if tr := Fit(ts, nan, 1); tr.Dir != Rising || tr.Readings != 30 {
		t.Errorf("NaN readings are skipped: %+v", tr)
	}
}

func TestGapsAndHistoryStart(t *testing.T) {
	s := mustStore(t, Config{Interval: time.Second, Full: 10 * time.Minute})
	at := feed(s, t0, 60, func(i int, p *Point) { p.V[Goroutines] = 100 })
	s.Mark(at.Add(30*time.Second), GapRestart, "collector restarted")
	at = feed(s, at.Add(30*time.Second), 60, func(i int, p *Point) { p.V[Goroutines] = 100 })
	r := s.Report(Query{Window: 5 * time.Minute, MaxPoints: 300, Now: at})
	if len(r.Gaps) != 1 || r.Gaps[0].Kind != "restarted" {
		t.Fatalf("gaps %+v", r.Gaps)
	}
	if !r.HistoryStart.Equal(t0.Add(time.Second)) {
		t.Fatalf("history start %s", r.HistoryStart)
	}
	var notes = strings.Join(r.Notes, " | ")
	if !strings.Contains(notes, "history starts at") || !strings.Contains(notes, "buckets have no point") {
		t.Fatalf("notes %q: want the history start and the missing buckets", notes)
	}
	// The restart's 30 s are null, not interpolated.
	g := r.Series[Goroutines].Values
	nulls := 0
	for _, v := range g[len(g)-90 : len(g)-60] {
		if math.IsNaN(float64(v)) {
			nulls++
		}
	}
	if nulls < 28 {
		t.Fatalf("%d nulls in the restart's 30 s", nulls)
	}
	last, _ := s.Last()
	if last.Gaps != 0 {
		t.Fatalf("the mark went to the point after it only")
	}
	if s.full.at(60).Gaps&GapRestart == 0 {
		t.Fatalf("the first point after the restart is not marked")
	}
}

// An hour at the defaults, with every list full, stays within 4k tokens
// (about 2.9 bytes a token for JSON of numbers).
func TestReportCompact(t *testing.T) {
	s := mustStore(t, Config{})
	for i := 0; i < 8; i++ {
		s.Logs.Add(logcount.Key{Level: "warning", Kind: "process", Source: "source_with_a_long_name_" + string(rune('a'+i))}, "", t0, nil)
	}
	ids := make([]uint32, MaxMovers)
	for i := range ids {
		ids[i] = s.Process(ProcessID{PID: "<ABCDEF12.0.100" + string(rune('0'+i)) + ">", Name: "some_worker_name", Behavior: "shop.orderWorker"})
	}
	gid := s.Group(GroupID{Parent: "<ABCDEF12.0.1004>", ParentName: "orders_sup", Behavior: "shop.orderWorker"})
	rng := rand.New(rand.NewPCG(3, 4))
	end := feed(s, t0, 400, func(i int, p *Point) {
		p.V[Processes] = float64(12000 + i*7)
		p.V[Spawned] = float64(70 + rng.IntN(5))
		p.V[Terminated] = float64(rng.IntN(5))
		p.V[MailboxSum] = float64(rng.IntN(100000))
		p.V[Goroutines] = float64(12040 + i*7)
		p.V[HeapLive] = float64(300<<20 + i<<20 + rng.IntN(1<<20))
		p.V[GCCycles] = float64(rng.IntN(30))
		p.V[GCCPU] = rng.Float64() * 0.1
		p.V[SchedP99] = rng.Float64() * 0.01
		for _, l := range LogLevels {
			p.V[l] = float64(rng.IntN(2000))
		}
		for j := 0; j < 8; j++ {
			p.Src[j] = uint32(rng.IntN(500))
			p.Movers[j] = Mover{ID: ids[j], Mailbox: uint32(rng.IntN(50000)), In: uint32(rng.IntN(5000)), Out: uint32(rng.IntN(5000))}
		}
		p.Spawns[0] = GroupCount{ID: gid, N: 70}
	})
	q, err := ParseQuery(60, 0, nil, end)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(s.Report(q))
	if err != nil {
		t.Fatal(err)
	}
	tokens := float64(len(b)) / 2.9
	t.Logf("an hour at the defaults: %d bytes, about %.0f tokens", len(b), tokens)
	if tokens > 4000 {
		t.Fatalf("an hour is %d bytes (~%.0f tokens), over 4k tokens", len(b), tokens)
	}
}

func TestParseQuery(t *testing.T) {
	q, err := ParseQuery(0, 0, []string{"heap_live", "processes", "heap_live"}, t0)
	if err != nil || q.Window != 15*time.Minute || q.MaxPoints != 60 || len(q.Series) != 2 {
		t.Fatalf("%+v %v", q, err)
	}
	for _, bad := range []struct {
		m, p int
		s    []string
		want string
	}{{-1, 0, nil, "minutes"}, {2000, 0, nil, "minutes"}, {0, 5000, nil, "points"}, {0, 0, []string{"heap"}, "heap_live"}} {
		if _, err := ParseQuery(bad.m, bad.p, bad.s, t0); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%+v: %v", bad, err)
		}
	}
}

func TestEvery(t *testing.T) {
	iv := 10 * time.Second
	for _, c := range []struct {
		cost time.Duration
		want time.Duration
	}{{time.Millisecond, iv}, {10 * time.Millisecond, 20 * time.Second}, {100 * time.Millisecond, 200 * time.Second}} {
		if got := Every(c.cost, iv, TableShare); got != c.want {
			t.Errorf("cost %s: every %s, want %s", c.cost, got, c.want)
		}
	}
}

func TestTopK(t *testing.T) {
	var k TopK[int]
	for i := 0; i < 100; i++ {
		k.Offer(i, float64((i*37)%100))
	}
	got := k.Items()
	if len(got) != MaxMovers || (got[0]*37)%100 != 99 {
		t.Fatalf("top %v", got)
	}
}

func TestHorizon(t *testing.T) {
	s := mustStore(t, Config{Interval: 10 * time.Second})
	if h := s.Horizon("leak", t0); h != nil {
		t.Fatalf("no points: %+v, want nil", h)
	}
	end := feed(s, t0, 60, func(i int, p *Point) {
		p.V[Processes] = float64(500 + i*10) // a leak of 1/s
		p.V[Spawned] = 10
		p.V[Terminated] = 0
		p.V[HeapLive] = 100 << 20 // steady heap: the control
	})
	h := s.Horizon("leak", end)
	if h == nil || math.Abs(float64(h.Minutes)-9.8) > 0.01 || len(h.Trends) != 4 {
		t.Fatalf("horizon %+v", h)
	}
	if len(h.Lines) != 1 || !strings.Contains(h.Lines[0], "processes rising") || !strings.Contains(h.Lines[0], "+1/s (+3600/h)") {
		t.Fatalf("lines %q: want the processes rising 1/s, and nothing else", h.Lines)
	}
	if m := s.Horizon("memory", end); len(m.Lines) != 0 {
		t.Fatalf("a steady heap cited: %q", m.Lines)
	}
}
