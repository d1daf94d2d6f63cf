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
	slow := Rates{EstLatency: 3, TimeToDrain: 100, CPU: 0.9, InRate: 1, OutRate: 2, MailboxGrowth: -1}
	for _, k := range SortKeys[1:] {
		_ = slow.Value(k) // every key has a value
	}
	if stalled.Value("est_latency") <= slow.Value("est_latency") || stalled.Value("time_to_drain") <= slow.Value("time_to_drain") {
		t.Error("a stalled mailbox must rank above any finite latency")
	}
	if slow.Value("cpu") != 0.9 || slow.Value("messages_out_rate") != 2 || slow.Value("mailbox_growth") != -1 {
		t.Error("Value picks the wrong field")
	}
	if _, ok := Finite(math.Inf(1)); ok {
		t.Error("Finite(+Inf)")
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
