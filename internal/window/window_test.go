package window

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestMeasureSteadyConsumer(t *testing.T) {
	// 2 s window: 100 arrivals, mailbox 10 → 30, 40 ms of callbacks, 4 sent.
	before := Sample{ID: 7, MessagesIn: 500, MessagesOut: 10, Mailbox: 10, RunningTime: 1e9, Uptime: 60}
	after := Sample{ID: 7, MessagesIn: 600, MessagesOut: 14, Mailbox: 30, RunningTime: 1e9 + 40e6, Uptime: 62}
	r := Measure(&before, &after, 2*time.Second)
	want := map[string][2]float64{
		"InRate":         {r.InRate, 50},
		"OutRate":        {r.OutRate, 2},
		"CPU":            {r.CPU, 0.02},
		"MailboxGrowth":  {r.MailboxGrowth, 10},
		"ProcessingRate": {r.ProcessingRate, 40}, // 100 arrived, 20 stayed
		"EstLatency":     {r.EstLatency, 0.75},   // Little: 30 waiting / 40 per s
	}
	for name, v := range want {
		if !near(v[0], v[1]) {
			t.Errorf("%s = %g, want %g", name, v[0], v[1])
		}
	}
	if !math.IsInf(r.TimeToDrain, 1) {
		t.Errorf("growing mailbox: TimeToDrain = %g, want +Inf", r.TimeToDrain)
	}
	if r.New || r.Reset || r.Stalled || r.CPUStale {
		t.Errorf("flags %+v", r)
	}
}

func TestMeasureDraining(t *testing.T) {
	// No arrivals, 40 handled in 1 s, 60 left: drains in 1.5 s.
	before := Sample{ID: 1, MessagesIn: 100, Mailbox: 100, RunningTime: 5, Uptime: 9}
	after := Sample{ID: 1, MessagesIn: 100, Mailbox: 60, RunningTime: 5 + 5e8, Uptime: 10}
	r := Measure(&before, &after, time.Second)
	if !near(r.TimeToDrain, 1.5) || !near(r.ProcessingRate, 40) || !near(r.EstLatency, 1.5) || !near(r.MailboxGrowth, -40) {
		t.Fatalf("draining: %+v", r)
	}
	if !near(r.CPU, 0.5) {
		t.Errorf("CPU %g, want 0.5", r.CPU)
	}
}

func TestMeasureStalledAndStale(t *testing.T) {
	// Blocked in a callback: messages keep arriving, none handled.
	before := Sample{ID: 3, MessagesIn: 10, Mailbox: 4, Uptime: 5}
	after := Sample{ID: 3, MessagesIn: 15, Mailbox: 9, Uptime: 6}
	r := Measure(&before, &after, time.Second)
	if !r.Stalled || !math.IsInf(r.EstLatency, 1) || !math.IsInf(r.TimeToDrain, 1) || r.ProcessingRate != 0 {
		t.Fatalf("stalled: %+v", r)
	}
	if r.CPUStale {
		t.Error("nothing handled: CPUStale must be false")
	}

	// Handles messages but never empties its mailbox (ergo 3.1/3.2 then
	// record no running time): CPU is unknown, flagged.
	before = Sample{ID: 3, MessagesIn: 100, Mailbox: 50, RunningTime: 7}
	after = Sample{ID: 3, MessagesIn: 120, Mailbox: 60, RunningTime: 7}
	r = Measure(&before, &after, time.Second)
	if !r.CPUStale || r.Stalled || !near(r.ProcessingRate, 10) {
		t.Fatalf("stale: %+v", r)
	}

	// An empty mailbox: nothing waits, nothing to drain.
	before = Sample{ID: 3}
	after = Sample{ID: 3}
	r = Measure(&before, &after, time.Second)
	if r.EstLatency != 0 || r.TimeToDrain != 0 || r.Stalled {
		t.Fatalf("idle: %+v", r)
	}
}

func TestMeasureResets(t *testing.T) {
	for name, after := range map[string]Sample{
		// A restarted process (or a reused identity) starts its counters
		// again: the counters seen at the end count from zero.
		"messages_in":  {ID: 9, MessagesIn: 30, MessagesOut: 500, RunningTime: 9e9, Uptime: 100},
		"messages_out": {ID: 9, MessagesIn: 1500, MessagesOut: 3, RunningTime: 9e9, Uptime: 100},
		"running_time": {ID: 9, MessagesIn: 1500, MessagesOut: 500, RunningTime: 1, Uptime: 100},
		"uptime":       {ID: 9, MessagesIn: 1500, MessagesOut: 500, RunningTime: 9e9, Uptime: 0},
	} {
		before := Sample{ID: 9, MessagesIn: 1000, MessagesOut: 400, RunningTime: 8e9, Uptime: 99}
		r := Measure(&before, &after, time.Second)
		if !r.Reset {
			t.Errorf("%s went backwards: Reset not set", name)
		}
		if !near(r.InRate, float64(after.MessagesIn)) || r.InRate < 0 || r.OutRate < 0 || r.CPU < 0 {
			t.Errorf("%s: rates must count from zero, got %+v", name, r)
		}
	}
	// Born inside the window.
	r := Measure(nil, &Sample{ID: 11, MessagesIn: 8, Mailbox: 2}, 2*time.Second)
	if !r.New || !near(r.InRate, 4) || !near(r.ProcessingRate, 3) || r.Stalled {
		t.Fatalf("new: %+v", r)
	}
}

func TestCursor(t *testing.T) {
	s := Snapshot{{ID: 2}, {ID: 5}, {ID: 9}}
	c := NewCursor(s)
	for _, q := range []struct {
		id    uint64
		found bool
	}{{1, false}, {2, true}, {3, false}, {5, true}, {9, true}, {12, false}} {
		if got := c.Find(q.id); (got != nil) != q.found || got != nil && got.ID != q.id {
			t.Errorf("cursor %d: %v", q.id, got)
		}
	}
}

func TestValidateAndOrder(t *testing.T) {
	w, s := 0, ""
	if err := Validate(&w, &s); err != nil || w != DefaultWindowMs || s != "cpu" {
		t.Fatalf("defaults: %d %q %v", w, s, err)
	}
	for _, c := range []struct {
		w    int
		s    string
		want string
	}{
		{50, "", "window_ms must be between 100 and 30000"},
		{30001, "", "got 30001"},
		{-1, "", "got -1"},
		{1000, "mailbox", `sort_by "mailbox" is not valid; use one of: cpu, messages_in_rate`},
	} {
		w, s := c.w, c.s
		if err := Validate(&w, &s); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Validate(%d, %q) = %v, want %q", c.w, c.s, err, c.want)
		}
	}
	stalled := Rates{EstLatency: math.Inf(1), TimeToDrain: math.Inf(1)}
	// Every field distinct, so a key reading the wrong one is seen.
	slow := Rates{CPU: 0.9, InRate: 1, OutRate: 2, MailboxGrowth: -1, EstLatency: 3, TimeToDrain: 100}
	want := map[string]float64{
		"cpu": 0.9, "messages_in_rate": 1, "messages_out_rate": 2,
		"mailbox_growth": -1, "est_latency": 3, "time_to_drain": 100,
	}
	if len(SortKeys) != len(want) {
		t.Errorf("sort keys %v, want the %d of the table", SortKeys, len(want))
	}
	for _, k := range SortKeys {
		w, ok := want[k]
		if !ok {
			t.Errorf("unexpected sort key %q", k)
			continue
		}
		if got := slow.Value(k); got != w {
			t.Errorf("Value(%q) = %g, want %g", k, got, w)
		}
		sw, wms := k, 500
		if err := Validate(&wms, &sw); err != nil || sw != k {
			t.Errorf("Validate refuses or changes its own key %q: %q %v", k, sw, err)
		}
	}
	if stalled.Value("est_latency") <= slow.Value("est_latency") || stalled.Value("time_to_drain") <= slow.Value("time_to_drain") {
		t.Error("a stalled mailbox must rank above any finite latency")
	}
	for _, c := range []struct {
		f  float64
		ok bool
	}{{math.Inf(1), false}, {math.Inf(-1), false}, {math.NaN(), false}, {0, true}, {-2.5, true}, {math.MaxFloat64, true}} {
		v, ok := Finite(c.f)
		if ok != c.ok || ok && v != c.f || !ok && v != 0 {
			t.Errorf("Finite(%g) = %g, %v; want ok %v", c.f, v, ok, c.ok)
		}
	}
}

func TestValidateWindowBounds(t *testing.T) {
	for _, c := range []struct {
		in, out int
		ok      bool
	}{
		{0, DefaultWindowMs, true},
		{MinWindowMs - 1, 0, false}, {MinWindowMs, MinWindowMs, true}, {MinWindowMs + 1, MinWindowMs + 1, true},
		{MaxWindowMs - 1, MaxWindowMs - 1, true}, {MaxWindowMs, MaxWindowMs, true}, {MaxWindowMs + 1, 0, false},
	} {
		w, s := c.in, "est_latency"
		err := Validate(&w, &s)
		if (err == nil) != c.ok {
			t.Errorf("Validate(%d): %v, want ok %v", c.in, err, c.ok)
			continue
		}
		if c.ok && w != c.out {
			t.Errorf("Validate(%d) set %d, want %d", c.in, w, c.out)
		}
		if !c.ok && w != c.in {
			t.Errorf("refused window %d was changed to %d", c.in, w)
		}
		if s != "est_latency" {
			t.Errorf("Validate(%d) changed a valid sort key to %q", c.in, s)
		}
	}
}

// TestMeasureBoundaries walks each judgment of Measure across its edge
// (one message below, at, one above), with windows other than a second and
// counters that do not start at zero, so a rate multiplied instead of
// divided, a start read as zero or a comparison off by one shows.
func TestMeasureBoundaries(t *testing.T) {
	inf := math.Inf(1)
	base := Sample{ID: 4, MessagesIn: 1000, MessagesOut: 300, Mailbox: 7, RunningTime: 5e9, Uptime: 40}
	at := func(dIn, dOut uint64, mailbox uint64, dRun uint64) Sample {
		return Sample{ID: 4, MessagesIn: base.MessagesIn + dIn, MessagesOut: base.MessagesOut + dOut,
			Mailbox: mailbox, RunningTime: base.RunningTime + dRun, Uptime: base.Uptime + 1}
	}
	for _, c := range []struct {
		name              string
		before            *Sample
		after             Sample
		w                 time.Duration
		in, out, cpu      float64
		growth, proc      float64
		latency, drain    float64
		stalled, cpuStale bool
	}{
		// Mailbox 7 → 6, 7, 8 over 250 ms with 8 arrivals and 50 ms of callbacks.
		{"shrinks by one", &base, at(8, 2, 6, 5e7), 250 * time.Millisecond,
			32, 8, 0.2, -4, 36, 6.0 / 36, 1.5, false, false},
		{"steady", &base, at(8, 2, 7, 5e7), 250 * time.Millisecond,
			32, 8, 0.2, 0, 32, 7.0 / 32, inf, false, false},
		{"grows by one", &base, at(8, 2, 8, 5e7), 250 * time.Millisecond,
			32, 8, 0.2, 4, 28, 8.0 / 28, inf, false, false},
		// Over 2.5 s: nothing handled, and the mailbox was or was not
		// already holding messages at the start.
		{"nothing handled, was waiting", &base, at(3, 0, 10, 0), 2500 * time.Millisecond,
			1.2, 0, 0, 1.2, 0, inf, inf, true, false},
		{"nothing handled, arrived in window", &Sample{ID: 4, MessagesIn: 1000, MessagesOut: 300, RunningTime: 5e9, Uptime: 40},
			at(3, 0, 3, 0), 2500 * time.Millisecond, 1.2, 0, 0, 1.2, 0, inf, inf, false, false},
		{"one handled", &base, at(3, 0, 9, 0), 2500 * time.Millisecond,
			1.2, 0, 0, 0.8, 0.4, 22.5, inf, false, true},
		// Running time recorded or not, mailbox left empty or not.
		{"handled, no running time, emptied", &base, at(3, 0, 0, 0), 500 * time.Millisecond,
			6, 0, 0, -14, 20, 0, 0, false, false},
		{"handled, one ns of running time", &base, at(3, 0, 1, 1), 500 * time.Millisecond,
			6, 0, 2e-9, -12, 18, 1.0 / 18, 1.0 / 12, false, false},
		{"handled, no running time, one left", &base, at(3, 0, 1, 0), 500 * time.Millisecond,
			6, 0, 0, -12, 18, 1.0 / 18, 1.0 / 12, false, true},
		// Counters equal to the start are not a restart.
		{"nothing moved", &base, Sample{ID: 4, MessagesIn: 1000, MessagesOut: 300, Mailbox: 7, RunningTime: 5e9, Uptime: 40}, 4 * time.Second,
			0, 0, 0, 0, 0, inf, inf, true, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := Measure(c.before, &c.after, c.w)
			for _, f := range []struct {
				name      string
				got, want float64
			}{
				{"Seconds", r.Seconds, c.w.Seconds()}, {"InRate", r.InRate, c.in}, {"OutRate", r.OutRate, c.out},
				{"CPU", r.CPU, c.cpu}, {"MailboxGrowth", r.MailboxGrowth, c.growth}, {"ProcessingRate", r.ProcessingRate, c.proc},
				{"EstLatency", r.EstLatency, c.latency}, {"TimeToDrain", r.TimeToDrain, c.drain},
			} {
				if math.IsInf(f.want, 1) && !math.IsInf(f.got, 1) || !math.IsInf(f.want, 0) && !near(f.got, f.want) {
					t.Errorf("%s = %g, want %g", f.name, f.got, f.want)
				}
			}
			if r.Stalled != c.stalled || r.CPUStale != c.cpuStale || r.New || r.Reset || r.Mailbox != c.after.Mailbox {
				t.Errorf("flags: stalled %v (want %v), cpuStale %v (want %v), new %v, reset %v, mailbox %d",
					r.Stalled, c.stalled, r.CPUStale, c.cpuStale, r.New, r.Reset, r.Mailbox)
			}
		})
	}
}

// TestTimeToDrainRanksNeverLast: a mailbox that holds messages and does not
// shrink never drains, so time_to_drain must rank it above every mailbox
// that drains, however slowly; −Inf there would list it as the best.
func TestTimeToDrainRanksNeverLast(t *testing.T) {
	key := Key("time_to_drain")
	before := Sample{ID: 1, MessagesIn: 50, Mailbox: 1000, Uptime: 3}
	slowest := Measure(&before, &Sample{ID: 1, MessagesIn: 50, Mailbox: 999, Uptime: 33}, 30*time.Second)
	for _, w := range []time.Duration{100 * time.Millisecond, time.Second, 30 * time.Second} {
		for _, in := range []uint64{50, 51, 5000} { // idle, one arrival, busy: all steady at 1000
			r := Measure(&before, &Sample{ID: 1, MessagesIn: in, Mailbox: 1000, RunningTime: 1, Uptime: 4}, w)
			if !math.IsInf(r.TimeToDrain, 1) || !(key(&r) > key(&slowest)) {
				t.Errorf("steady mailbox over %s with %d arrivals: TimeToDrain %g, must be +Inf and rank above %g",
					w, in-50, r.TimeToDrain, key(&slowest))
			}
		}
	}
}

func TestMeasureDegenerateWindow(t *testing.T) {
	// A window of no length (a clock that did not move) must not divide by
	// zero: an idle process stays at zero, not NaN.
	for _, w := range []time.Duration{0, -time.Second} {
		s := Sample{ID: 2, MessagesIn: 9, MessagesOut: 4, RunningTime: 3, Uptime: 8}
		r := Measure(&s, &s, w)
		if !(r.Seconds > 0) {
			t.Errorf("window %s: Seconds %g, must be positive", w, r.Seconds)
		}
		for name, v := range map[string]float64{"InRate": r.InRate, "OutRate": r.OutRate, "CPU": r.CPU,
			"MailboxGrowth": r.MailboxGrowth, "ProcessingRate": r.ProcessingRate, "EstLatency": r.EstLatency, "TimeToDrain": r.TimeToDrain} {
			if v != 0 {
				t.Errorf("window %s: idle process has %s = %g, want 0", w, name, v)
			}
		}
	}
}

func TestWait(t *testing.T) {
	var calls int
	if Wait(context.Background(), 120*time.Millisecond, 20*time.Millisecond, func(elapsed, total time.Duration) {
		calls++
		if elapsed > total+50*time.Millisecond {
			t.Errorf("elapsed %s past total %s", elapsed, total)
		}
	}) {
		t.Fatal("not cancelled, yet Wait says so")
	}
	if calls == 0 {
		t.Error("no progress reported")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if !Wait(ctx, time.Hour, time.Second, nil) {
		t.Fatal("cancelled context: Wait must report it")
	}
}
