package diagnose

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"
)

// These tests pin each rule at its thresholds: just below, at and just
// above, with windows other than a second and counters that do not start
// at zero, so a rate computed wrongly or a bound off by one changes what
// a test sees.

// facts is an empty node observed over w with nothing missing.
func facts(w time.Duration) *Facts {
	return &Facts{Window: w, Probes: 40, ProcsBefore: 100, ProcsAfter: 100, Missing: map[Need]string{}}
}

// only runs one rule on f and returns its findings.
func only(t *testing.T, f *Facts, id string) []Finding {
	t.Helper()
	for _, r := range Rules {
		if r.ID == id {
			return r.Check(f)
		}
	}
	t.Fatalf("no rule %s", id)
	return nil
}

// sevOf is the severity of the one finding, or -1 for none.
func sevOf(t *testing.T, fs []Finding) Severity {
	t.Helper()
	switch len(fs) {
	case 0:
		return -1
	case 1:
		return fs[0].Severity
	}
	t.Fatalf("%d findings, want at most one: %+v", len(fs), fs)
	return -1
}

func names(t *testing.T, fd Finding, s string) bool {
	t.Helper()
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(fd.Evidence); err != nil {
		t.Fatal(err)
	}
	return strings.Contains(b.String()+fd.Conclusion, s)
}

const none Severity = -1

// queue is a process probed over the window with the mailbox series s,
// whose counters start at in0 and which handled `handled` messages.
func queue(s []uint64, in0, handled uint64) Proc {
	first, last := s[0], s[len(s)-1]
	b := Counters{MessagesIn: in0, MessagesOut: 7, Mailbox: first, RunningTime: 5e9, Uptime: 60, State: StateRunning}
	a := Counters{MessagesIn: in0 + handled + last - first, MessagesOut: 7 + handled, Mailbox: last, RunningTime: 5e9, Uptime: 62, State: StateRunning}
	p := proc(1100, "main.q", b, a)
	p.Probes, p.Running, p.Mailboxes = len(s), len(s), s
	return p
}

// ramp is n readings from a to b, evenly spaced (rounded down).
func ramp(n int, a, b float64) []uint64 {
	s := make([]uint64, n)
	for i := range s {
		s[i] = uint64(a + (b-a)*float64(i)/float64(n-1))
	}
	return s
}

func TestMailboxGrowingBoundaries(t *testing.T) {
	w := 2 * time.Second
	cases := []struct {
		name    string
		series  []uint64
		handled uint64 // in the window of 2 s
		want    Severity
	}{
		// 40 handled in 2 s = 20/s: a wait of 0.25 s is 5 queued.
		{"wait at the objective", ramp(12, 3, 5), 40, Medium},
		{"wait just below", ramp(12, 2, 4), 40, none},
		{"wait just above", ramp(12, 3, 6), 40, Medium},
		{"deep but flat", []uint64{900, 900, 900, 900, 900, 900, 900, 900, 900}, 40, none},
		{"burst that drains", []uint64{0, 50, 100, 90, 40, 10, 5, 4, 6}, 40, none},
		{"rises by one over the window", []uint64{5, 5, 5, 5, 5, 6, 6, 6, 6}, 20, Medium},
		{"last third not above the first", []uint64{5, 6, 7, 7, 6, 5, 5, 6, 6}, 20, none},
		{"queued below the minimum", []uint64{0, 0, 1, 1, 1, 2, 2, 2, 2}, 2, none},
		{"queued at the minimum", []uint64{1, 1, 2, 2, 2, 3, 3, 3, 3}, 2, Medium},
		{"high from the wait", ramp(10, 90, 100), 40, High},    // 100 / 20 per s = 5 s
		{"medium just under it", ramp(10, 89, 99), 40, Medium}, // 4.95 s
		{"high from the depth", ramp(10, 990, 1000), 4000, High},
		{"critical from the depth", ramp(10, 99990, 100000), 400000, Critical},
		{"stalled: handled nothing, waits forever", ramp(10, 3, 9), 0, High},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := facts(w)
			f.Procs = []Proc{queue(c.series, 12345, c.handled)}
			fs := only(t, f, "mailbox_growing")
			if got := sevOf(t, fs); got != c.want {
				t.Fatalf("severity %v, want %v: %+v", got, c.want, fs)
			}
			if c.want != none && !names(t, fs[0], pid(1100)) {
				t.Errorf("culprit not named: %+v", fs[0])
			}
		})
	}
}

func TestMailboxGrowingWithoutProbes(t *testing.T) {
	for _, c := range []struct {
		before, after uint64
		want          Severity
	}{
		{10, 12, Medium}, // +2 over the passes, wait 12 / 20 per s = 0.6 s
		{10, 11, none},   // +1 is not a trend without probes
		{0, 2, none},     // 2 queued, under the minimum
		{10, 10, none},
	} {
		f := facts(500 * time.Millisecond)
		b := Counters{MessagesIn: 50, Mailbox: c.before, Uptime: 9}
		a := Counters{MessagesIn: 50 + 10 + c.after - c.before, Mailbox: c.after, Uptime: 10}
		f.Procs = []Proc{proc(1200, "main.q", b, a)}
		if got := sevOf(t, only(t, f, "mailbox_growing")); got != c.want {
			t.Errorf("%d→%d: severity %v, want %v", c.before, c.after, got, c.want)
		}
	}
	// Born in the window: no before, no trend.
	f := facts(time.Second)
	f.Procs = []Proc{{PID: pid(1201), ID: 1201, After: Counters{MessagesIn: 50, Mailbox: 40}}}
	if fs := only(t, f, "mailbox_growing"); len(fs) != 0 {
		t.Errorf("newborn reported: %+v", fs)
	}
}

func TestMailboxTrendSlope(t *testing.T) {
	p := queue(ramp(21, 10, 30), 100, 10)
	tr := mailboxTrend(&p, 2)
	if !tr.steady || math.Abs(tr.slope-10) > 0.6 {
		t.Errorf("trend %+v, want steady at ~10/s", tr)
	}
	p = queue(ramp(21, 30, 10), 100, 10)
	if tr := mailboxTrend(&p, 2); tr.steady || tr.slope >= 0 {
		t.Errorf("draining trend %+v", tr)
	}
	if m := median([]uint64{4, 1, 3}); m != 3 {
		t.Errorf("median odd %g", m)
	}
	if m := median([]uint64{4, 1, 3, 2}); m != 2.5 {
		t.Errorf("median even %g", m)
	}
}

// cpu is a process that ran `running` ns of the window, probed 10 times
// with `runs` of them running.
func cpu(running uint64, runs int, waits int) Proc {
	b := Counters{MessagesIn: 100, MessagesOut: 100, RunningTime: 3e9, Uptime: 50, State: StateSleep}
	a := Counters{MessagesIn: 200, MessagesOut: 200, RunningTime: 3e9 + running, Uptime: 52, State: StateSleep}
	p := proc(1300, "main.burner", b, a)
	p.Probes, p.Running, p.Waiting = 10, runs, waits
	return p
}

func TestCPUHogBoundaries(t *testing.T) {
	w := 2 * time.Second
	for _, c := range []struct {
		name string
		p    Proc
		want Severity
	}{
		{"at the share", cpu(1e9, 5, 0), Medium},
		{"just below", cpu(0.98e9, 5, 0), none},
		{"high at 0.8", cpu(1.6e9, 8, 0), High},
		{"just below high", cpu(1.58e9, 8, 0), Medium},
		{"one core exactly", cpu(2e9, 10, 0), High},
		{"above one core: an artefact", cpu(2.4e9, 10, 0), none},
		{"waited for a call at a probe", cpu(1.8e9, 9, 1), none},
		{"rarely seen running", cpu(1.8e9, 4, 0), none},
		{"seen running often enough", cpu(1.8e9, 5, 0), High},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := facts(w)
			f.Procs = []Proc{c.p}
			if got := sevOf(t, only(t, f, "cpu_hog")); got != c.want {
				t.Errorf("severity %v, want %v", got, c.want)
			}
		})
	}
	// In wait response at either pass: running time includes the wait.
	for _, at := range []string{"before", "after"} {
		f := facts(w)
		p := cpu(1.8e9, 9, 0)
		if at == "before" {
			p.Before.State = StateWaitResponse
		} else {
			p.After.State = StateWaitResponse
		}
		f.Procs = []Proc{p}
		if fs := only(t, f, "cpu_hog"); len(fs) != 0 {
			t.Errorf("waiting %s: %+v", at, fs)
		}
	}
	// A parked stack contradicts the running time: a sleeping callback.
	f := facts(w)
	p := cpu(1.8e9, 10, 0)
	p.Before.State, p.After.State = StateRunning, StateRunning
	f.Procs = []Proc{p}
	f.Goroutines = []Stack{{Funcs: []string{"runtime.gopark", "time.Sleep", "example.com/app/main.(*burner).HandleMessage"}}}
	if fs := only(t, f, "cpu_hog"); len(fs) != 0 {
		t.Errorf("parked stack reported as CPU: %+v", fs)
	}
	// On CPU with no running time recorded: inferred, high.
	f.Procs[0].After.RunningTime = f.Procs[0].Before.RunningTime
	f.Goroutines = []Stack{{Funcs: []string{"example.com/app/main.(*burner).HandleMessage", "ergo.services/ergo/act.(*Actor).ProcessRun"}}}
	fs := only(t, f, "cpu_hog")
	if sevOf(t, fs) != High || fs[0].Inferred == "" || !names(t, fs[0], pid(1300)) {
		t.Errorf("inferred CPU hog: %+v", fs)
	}
	// Newborn: no before, no share.
	f = facts(w)
	f.Procs = []Proc{{PID: pid(1301), ID: 1301, After: Counters{RunningTime: 1.9e9}}}
	if fs := only(t, f, "cpu_hog"); len(fs) != 0 {
		t.Errorf("newborn: %+v", fs)
	}
}

// member is a process of a call cycle: waiting in `waits` of 10 probes,
// its counters moved by out and in in the window.
func member(id uint64, waits int, out, in uint64) Proc {
	b := Counters{MessagesIn: 1000, MessagesOut: 2000, Mailbox: 3, Uptime: 30, State: StateWaitResponse}
	a := Counters{MessagesIn: 1000 + in, MessagesOut: 2000 + out, Mailbox: 3 + in, Uptime: 32, State: StateWaitResponse}
	p := proc(id, "main.member", b, a)
	p.Name = "member" + string(rune('a'+id-1400))
	p.Probes, p.Waiting = 10, waits
	return p
}

func TestCallCycle(t *testing.T) {
	w := 3 * time.Second
	ring := func(f *Facts) []Finding {
		var out []Finding
		for _, fd := range only(t, f, "call_chain") {
			if strings.HasPrefix(fd.Conclusion, "call cycle") {
				out = append(out, fd)
			}
		}
		return out
	}
	t.Run("pair with matching deltas", func(t *testing.T) {
		f := facts(w)
		// a sent 3 to b (b received 3), b sent 3 to a (a received 3).
		f.Procs = []Proc{member(1400, 8, 3, 3), member(1401, 10, 3, 3)}
		f.Logs = []LogEntry{{Level: "warning", Kind: "process", Source: "membera", Template: "call to %s failed: %s", Message: "call to <X.0.1> failed: timed out",
			Count: 9, CountBefore: 6, PIDs: []string{pid(1400)}, Recent: []float64{6, 4, 2}}}
		fs := ring(f)
		if len(fs) != 1 || fs[0].Severity != Critical || !names(t, fs[0], pid(1400)) || !names(t, fs[0], pid(1401)) {
			t.Fatalf("cycle: %+v", fs)
		}
		if !strings.Contains(fs[0].Conclusion, "every 2.0s") || !strings.Contains(fs[0].Conclusion, "9 timeout") {
			t.Errorf("timeout period missing: %s", fs[0].Conclusion)
		}
	})
	t.Run("below the waiting share", func(t *testing.T) {
		f := facts(w)
		f.Procs = []Proc{member(1400, 7, 3, 3), member(1401, 10, 3, 3)}
		if fs := ring(f); len(fs) != 0 {
			t.Errorf("70%% waiting made a cycle: %+v", fs)
		}
	})
	t.Run("too few probes", func(t *testing.T) {
		f := facts(w)
		a, b := member(1400, 5, 3, 3), member(1401, 5, 3, 3)
		a.Probes, b.Probes = 5, 5
		f.Procs = []Proc{a, b}
		if fs := ring(f); len(fs) != 0 {
			t.Errorf("5 probes made a cycle: %+v", fs)
		}
	})
	t.Run("deltas that do not match, nor do totals", func(t *testing.T) {
		f := facts(w)
		f.Procs = []Proc{member(1400, 10, 3, 40), member(1401, 10, 40, 9)}
		f.Procs[0].After.MessagesOut, f.Procs[1].After.MessagesIn = 10, 5000
		f.Procs[1].After.MessagesOut, f.Procs[0].After.MessagesIn = 10, 5000
		if fs := ring(f); len(fs) != 0 {
			t.Errorf("unmatched counters made a cycle: %+v", fs)
		}
	})
	t.Run("totals match when the window shows no call", func(t *testing.T) {
		f := facts(w)
		a, b := member(1400, 10, 0, 0), member(1401, 10, 0, 0)
		a.After.MessagesOut, b.After.MessagesIn = 500, 501
		b.After.MessagesOut, a.After.MessagesIn = 480, 480
		a.Before.MessagesOut, b.Before.MessagesIn, b.Before.MessagesOut, a.Before.MessagesIn = 500, 501, 480, 480
		f.Procs = []Proc{a, b}
		fs := ring(f)
		if len(fs) != 1 || !strings.Contains(strings.Join(fs[0].Evidence.Sites, " "), "since they started") {
			t.Errorf("cycle from totals: %+v", fs)
		}
	})
	t.Run("three through c", func(t *testing.T) {
		f := facts(w)
		a, b, c := member(1400, 9, 2, 2), member(1401, 9, 4, 2), member(1402, 9, 2, 4)
		// a→b: 2 and 2; b→c: 4 and 4; c→a: 2 and 2.
		f.Procs = []Proc{a, b, c}
		fs := ring(f)
		if len(fs) != 1 || !strings.Contains(fs[0].Conclusion, "cycle of 3") {
			t.Errorf("three-member cycle: %+v", fs)
		}
	})
	t.Run("one waiter is no cycle", func(t *testing.T) {
		f := facts(w)
		f.Procs = []Proc{member(1400, 10, 3, 3)}
		if fs := ring(f); len(fs) != 0 {
			t.Errorf("%+v", fs)
		}
	})
	for _, c := range []struct{ a, b uint64 }{{1, 2}, {2, 1}, {8, 10}, {100, 125}} {
		if !near(c.a, c.b) {
			t.Errorf("near(%d, %d) = false", c.a, c.b)
		}
	}
	for _, c := range []struct{ a, b uint64 }{{1, 3}, {8, 11}, {100, 134}} {
		if near(c.a, c.b) {
			t.Errorf("near(%d, %d) = true", c.a, c.b)
		}
	}
}

func TestCallChainWithoutCallee(t *testing.T) {
	// Waiters, no visible callee: reported, high, naming the waiter.
	f := facts(2 * time.Second)
	w := state(sleeping(5, 5, 0, 1e6), StateWaitResponse)
	p := proc(1500, "main.caller", w, w)
	p.Probes, p.Waiting = 10, 10
	q := proc(1501, "main.caller2", state(sleeping(5, 5, 4, 1e6), StateWaitResponse), state(sleeping(9, 5, 8, 1e6), StateWaitResponse))
	q.Probes, q.Waiting = 10, 10
	for _, c := range []struct {
		procs []Proc
		head  string
	}{{[]Proc{p}, pid(1500)}, {[]Proc{p, q}, pid(1501)}} {
		f.Procs = c.procs
		fs := only(t, f, "call_chain")
		if sevOf(t, fs) != High || !strings.Contains(fs[0].Conclusion, c.head) {
			t.Errorf("no callee: %+v", fs)
		}
	}
	// A waiter that sent during the window is not stuck.
	p.After.MessagesOut++
	f.Procs = []Proc{p}
	if fs := only(t, f, "call_chain"); len(fs) != 0 {
		t.Errorf("sender reported: %+v", fs)
	}
}

// family is a parent's n children of one behaviour aged min..max s.
func family(n, idle int, minUp, maxUp int64) Family {
	return Family{Parent: pid(1600), ParentID: 1600, Behavior: "main.worker", Count: n, NeverReceived: idle,
		MinUptime: minUp, MaxUptime: maxUp, Youngest: []string{pid(9000)}}
}

func TestProcessLeakBoundaries(t *testing.T) {
	for _, c := range []struct {
		name  string
		fm    Family
		group *Group
		want  Severity
	}{
		{"five idle over 4 s (1/s)", family(5, 5, 0, 4), nil, Medium},
		{"four is too few", family(4, 4, 0, 4), nil, none},
		{"span of 3 s", family(7, 7, 0, 3), nil, Medium},
		{"span of 2 s", family(7, 7, 0, 2), nil, none},
		{"stopped spawning long ago", family(5, 5, 20, 24), nil, none},
		// 1/s: the youngest may be up to 3 intervals + 1 s old.
		{"youngest 4 s old at 1/s", family(5, 5, 4, 8), nil, Medium},
		{"youngest 5 s old at 1/s", family(5, 5, 5, 9), nil, none},
		{"half idle", family(10, 5, 0, 9), nil, Medium},
		{"under half idle, no window evidence", family(10, 4, 0, 9), nil, none},
		{"busy family growing in the window", family(10, 0, 0, 9), &Group{Parent: pid(1600), Behavior: "main.worker", Born: 2}, Low},
		{"busy family recycling", family(10, 0, 0, 9), &Group{Parent: pid(1600), Behavior: "main.worker", Born: 2, Died: 1}, none},
		{"busy family, no births", family(10, 0, 0, 9), &Group{Parent: pid(1600), Behavior: "main.worker", Died: 0}, none},
		{"high from 10/s", family(91, 91, 0, 9), nil, High},
		{"just under 10/s", family(90, 90, 0, 9), nil, Medium},
		{"no parent", Family{Behavior: "main.worker", Count: 50, NeverReceived: 50, MaxUptime: 9}, nil, none},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := facts(2 * time.Second)
			f.ProcsAfter = 10000
			f.Families = []Family{c.fm}
			if c.group != nil {
				f.Groups = []Group{*c.group}
			}
			fs := only(t, f, "process_leak")
			if got := sevOf(t, fs); got != c.want {
				t.Fatalf("severity %v, want %v: %+v", got, c.want, fs)
			}
			if c.want != none && (!names(t, fs[0], pid(1600)) || !names(t, fs[0], pid(9000))) {
				t.Errorf("parent or youngest not named: %+v", fs[0])
			}
		})
	}
	// A family that is a tenth of the table is high whatever its rate.
	f := facts(time.Second)
	f.ProcsAfter = 60
	f.Families = []Family{family(6, 6, 0, 5)}
	if got := sevOf(t, only(t, f, "process_leak")); got != High {
		t.Errorf("a tenth of the table: %v", got)
	}
	f.ProcsAfter = 61
	if got := sevOf(t, only(t, f, "process_leak")); got != Medium {
		t.Errorf("just under a tenth: %v", got)
	}
}

func TestRestartLoopBoundaries(t *testing.T) {
	grp := func(born, died int) Group {
		return Group{Parent: pid(1700), Behavior: "main.flaky", Born: born, Died: died, Alive: []string{pid(1790)}, Gone: []string{pid(1780)}}
	}
	w := 2 * time.Second
	for _, c := range []struct {
		g    Group
		want Severity
	}{
		{grp(3, 3), High}, {grp(2, 3), none}, {grp(3, 2), none},
		{grp(20, 20), Critical}, {grp(19, 25), High}, // 10/s over 2 s
	} {
		f := facts(w)
		f.Groups = []Group{c.g}
		if got := sevOf(t, only(t, f, "restart_loop")); got != c.want {
			t.Errorf("born %d died %d: %v, want %v", c.g.Born, c.g.Died, got, c.want)
		}
	}
	f := facts(w)
	f.Groups = []Group{{Parent: OverflowGroup, Behavior: "main.flaky", Born: 30, Died: 30}}
	if fs := only(t, f, "restart_loop"); len(fs) != 0 {
		t.Errorf("overflow group reported: %+v", fs)
	}

	// The slow loop, from the log: panics of two incarnations, the third alive.
	incarnation := proc(1791, "main.flaky", sleeping(0, 0, 0, 0), sleeping(1, 0, 0, 0))
	incarnation.Name, incarnation.Parent, incarnation.Application = "flaky", pid(1700), "app"
	incarnation.After.Uptime = 1
	crash := LogEntry{Level: "panic", Kind: "process", Source: "flaky", Behavior: "main.flaky",
		Template: "Actor terminated. Panic reason: %#v at %s[%s:%d]",
		Message:  `Actor terminated. Panic reason: "connection lost" at main.(*flaky).HandleMessage[flaky.go:10]`,
		Count:    2, CountBefore: 2, PIDs: []string{pid(1781), pid(1785)}, Recent: []float64{7, 4}}
	for _, c := range []struct {
		name string
		edit func(*LogEntry, *Proc)
		want Severity
	}{
		{"two incarnations", func(*LogEntry, *Proc) {}, High},
		{"one incarnation", func(e *LogEntry, _ *Proc) { e.PIDs = e.PIDs[:1] }, none},
		{"one panic", func(e *LogEntry, _ *Proc) { e.Count = 1 }, none},
		{"an error, not a panic", func(e *LogEntry, _ *Proc) { e.Level = "error" }, none},
		{"no live incarnation", func(_ *LogEntry, p *Proc) { p.Behavior = "main.other" }, none},
		{"named by behaviour", func(e *LogEntry, p *Proc) { e.Source, p.Name = "main.flaky", "" }, High},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := facts(w)
			f.LogsSince = time.Minute
			e, p := crash, incarnation
			e.PIDs = append([]string(nil), crash.PIDs...)
			c.edit(&e, &p)
			f.Logs, f.Procs = []LogEntry{e}, []Proc{p}
			fs := only(t, f, "restart_loop")
			if got := sevOf(t, fs); got != c.want {
				t.Fatalf("severity %v, want %v: %+v", got, c.want, fs)
			}
			if c.want == none {
				return
			}
			fd := fs[0]
			if !strings.Contains(fd.Conclusion, `"connection lost"`) || !strings.Contains(fd.Conclusion, "every 3.0s") {
				t.Errorf("reason or period missing: %s", fd.Conclusion)
			}
			var cur *ProcEvidence
			for i := range fd.Evidence.Processes {
				if fd.Evidence.Processes[i].PID == pid(1791) {
					cur = &fd.Evidence.Processes[i]
				}
			}
			if cur == nil || cur.Application != "app" || cur.State != StateSleep || cur.Uptime != 1 || cur.Parent != pid(1700) {
				t.Errorf("current incarnation's evidence incomplete: %+v", fd.Evidence.Processes)
			}
			if !names(t, fd, pid(1781)) || !names(t, fd, pid(1700)) {
				t.Errorf("earlier incarnation or supervisor missing: %+v", fd.Evidence)
			}
		})
	}
	// The window's loop and the log's agree on one finding, with the reason.
	f = facts(w)
	f.Groups = []Group{grp(4, 4)}
	f.Groups[0].Behavior = "main.flaky"
	p := incarnation
	f.Procs = []Proc{p}
	f.Logs = []LogEntry{crash}
	fs := only(t, f, "restart_loop")
	if len(fs) != 1 || !strings.Contains(fs[0].Conclusion, "last crash") {
		t.Errorf("window and log: %+v", fs)
	}
	if r := reason("no marker here"); r != "no marker here" {
		t.Errorf("reason without a marker: %q", r)
	}
}

func TestGoroutineLeakBoundaries(t *testing.T) {
	leaker := Behavior{Behavior: "main.leaker", Count: 1, PIDs: []string{pid(1800)}}
	g := func(count, before int, state, creator string) GoGroup {
		return GoGroup{Funcs: []string{"runtime.gopark", "runtime.selectgo", "example.com/app/main.await"}, CreatedBy: creator, State: state, Count: count, CountBefore: before}
	}
	own := "example.com/app/main.(*leaker).HandleMessage"
	for _, c := range []struct {
		name string
		g    GoGroup
		want Severity
	}{
		{"ten, grown", g(10, 5, "select", own), Medium},
		{"nine", g(9, 5, "select", own), none},
		{"not grown", g(40, 40, "select", own), none},
		{"shrinking", g(40, 45, "select", own), none},
		{"running", g(40, 20, "running", own), none},
		{"runnable", g(40, 20, "runnable", own), none},
		{"created by the runtime", g(40, 20, "select", "runtime.gcBgMarkStartWorkers"), none},
		{"no creator", g(40, 20, "select", ""), none},
		{"no actor of this node", g(40, 20, "select", "example.com/lib.Start"), Low},
		{"high from 1000", g(1000, 990, "chan receive", own), High},
		{"just under", g(999, 990, "chan receive", own), Medium},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := facts(500 * time.Millisecond)
			f.Behaviors = []Behavior{leaker}
			f.GoGroups = []GoGroup{c.g}
			f.Runtime = &RuntimeWindow{Before: Runtime{Goroutines: 100}, After: Runtime{Goroutines: 110}}
			fs := only(t, f, "goroutine_leak")
			if got := sevOf(t, fs); got != c.want {
				t.Fatalf("severity %v, want %v: %+v", got, c.want, fs)
			}
			if c.want >= Medium && !names(t, fs[0], pid(1800)) {
				t.Errorf("leaker not named: %+v", fs[0])
			}
			if c.want == Medium && c.g.Count == 10 && fs[0].Evidence.Metrics[1].Value != 10 {
				t.Errorf("rate %v over 0.5 s, want 10/s", fs[0].Evidence.Metrics[1])
			}
		})
	}
}

func TestLogFloodBoundaries(t *testing.T) {
	e := func(level string, n uint64) LogEntry {
		return LogEntry{Level: level, Kind: "process", Source: "flooder", Behavior: "main.flooder", Template: "order %d rejected",
			Count: 1000 + n, CountBefore: 1000, PIDs: []string{pid(1900)}, Message: "order 7 rejected"}
	}
	for _, c := range []struct {
		w    time.Duration
		e    LogEntry
		want Severity
	}{
		{2 * time.Second, e("error", 10), Medium}, // 5/s
		{2 * time.Second, e("error", 9), none},    // 4.5/s
		{time.Second, e("warning", 5), Medium},
		{time.Second, e("panic", 5), Medium},
		{500 * time.Millisecond, e("error", 4), none}, // 8/s but 4 messages
		{500 * time.Millisecond, e("error", 25), High},
		{500 * time.Millisecond, e("error", 24), Medium},
		{time.Second, e("info", 500), none},
	} {
		f := facts(c.w)
		f.LogsSince = 10 * time.Second
		f.Logs = []LogEntry{c.e}
		fs := only(t, f, "log_flood")
		if got := sevOf(t, fs); got != c.want {
			t.Errorf("%s ×%d in %s: %v, want %v", c.e.Level, c.e.Count-c.e.CountBefore, c.w, got, c.want)
			continue
		}
		if c.want != none && (!names(t, fs[0], pid(1900)) || !strings.Contains(fs[0].Conclusion, "order %d rejected")) {
			t.Errorf("culprit or template missing: %+v", fs[0])
		}
	}
	// A counter that went backwards (a restarted counter) is no flood.
	f := facts(time.Second)
	f.Logs = []LogEntry{{Level: "error", Count: 3, CountBefore: 1000}}
	if fs := only(t, f, "log_flood"); len(fs) != 0 {
		t.Errorf("%+v", fs)
	}
}

func TestHeapRetentionBoundaries(t *testing.T) {
	hoarder := Behavior{Behavior: "main.hoarder", Count: 1, PIDs: []string{pid(2100)}}
	site := func(inUse, alloc, win int64, fn string) HeapSite {
		return HeapSite{Funcs: []string{"runtime.mallocgc", "runtime.makeslice", fn}, InUse: inUse, Allocated: alloc, AllocatedInWindow: win, InUseObjects: HeapRetainMinObjects}
	}
	own := "example.com/app/main.(*hoarder).HandleMessage"
	gc := &RuntimeWindow{Before: Runtime{HeapLiveBytes: 50 << 20, GCCycles: 3}, After: Runtime{HeapLiveBytes: 50 << 20, GCCycles: 4}}
	for _, c := range []struct {
		name string
		s    HeapSite
		rt   *RuntimeWindow
		want Severity
	}{
		{"at the size and share", site(1<<20, 5<<18, 1, own), gc, Medium},
		{"just under the size", site(1<<20-1, 1<<20, 1, own), gc, none},
		{"just under the share", site(1<<20, 5<<18+1, 1, own), gc, none},
		// Made once and held (a ring preallocated at start): nothing more
		// allocated or held in the window, whatever the process's heap did.
		{"preallocated at start, many objects", HeapSite{Funcs: []string{"runtime.mallocgc", own}, InUse: 4 << 20, Allocated: 4 << 20, InUseObjects: 4096}, gc, Low},
		{"no allocation in the window, many objects", site(4<<20, 4<<20, 0, own), gc, Low},
		{"live heap rising across a GC", site(4<<20, 4<<20, 0, own),
			&RuntimeWindow{Before: Runtime{HeapLiveBytes: 50 << 20, GCCycles: 3}, After: Runtime{HeapLiveBytes: 51 << 20, GCCycles: 4}}, Low},
		{"no GC, heap objects growing", site(4<<20, 4<<20, 0, own),
			&RuntimeWindow{Before: Runtime{HeapObjectsBytes: 50 << 20, GCCycles: 3}, After: Runtime{HeapObjectsBytes: 51 << 20, GCCycles: 3}}, Low},
		{"held more in the window though allocated none counted", HeapSite{Funcs: []string{"runtime.mallocgc", own}, InUse: 4 << 20, Allocated: 4 << 20, HeldInWindow: 1, InUseObjects: 1}, gc, Medium},
		{"one buffer made at start, allocated in the window", HeapSite{Funcs: []string{"runtime.mallocgc", own}, InUse: 4 << 20, Allocated: 4 << 20, AllocatedInWindow: 1, InUseObjects: 1}, gc, Medium},
		{"no runtime, allocated in the window", site(4<<20, 4<<20, 1, own), nil, Medium},
		{"one buffer made at start", HeapSite{Funcs: []string{"runtime.mallocgc", own}, InUse: 4 << 20, Allocated: 4 << 20, InUseObjects: HeapRetainMinObjects - 1},
			&RuntimeWindow{Before: Runtime{HeapObjectsBytes: 50 << 20, GCCycles: 3}, After: Runtime{HeapObjectsBytes: 51 << 20, GCCycles: 3}}, Low},
		{"no actor's code", site(40<<20, 40<<20, 1, "example.com/lib.(*Cache).Put"), gc, Low},
		{"diluted history, held all it allocated in the window", HeapSite{Funcs: []string{"runtime.mallocgc", own}, InUse: 2 << 20, Allocated: 40 << 20,
			AllocatedInWindow: 1 << 20, HeldInWindow: 1 << 20, InUseObjects: 8}, gc, Medium},
		{"diluted history, held less than the share", HeapSite{Funcs: []string{"runtime.mallocgc", own}, InUse: 2 << 20, Allocated: 40 << 20,
			AllocatedInWindow: 10 << 20, HeldInWindow: 8<<20 - 1, InUseObjects: 8}, gc, none},
		{"diluted history, window too small", HeapSite{Funcs: []string{"runtime.mallocgc", own}, InUse: 2 << 20, Allocated: 40 << 20,
			AllocatedInWindow: 1<<20 - 1, HeldInWindow: 1<<20 - 1, InUseObjects: 8}, gc, none},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := facts(2 * time.Second)
			f.Behaviors = []Behavior{hoarder}
			f.Sites = []HeapSite{c.s}
			f.Runtime = c.rt
			fs := only(t, f, "heap_retention")
			if got := sevOf(t, fs); got != c.want {
				t.Fatalf("severity %v, want %v: %+v", got, c.want, fs)
			}
			if c.want == Medium && !names(t, fs[0], pid(2100)) {
				t.Errorf("hoarder not named: %+v", fs[0])
			}
		})
	}
	// Two stacks of one site and behaviour add up.
	f := facts(time.Second)
	f.Behaviors = []Behavior{hoarder}
	f.Sites = []HeapSite{site(600<<10, 600<<10, 1, own), site(600<<10, 600<<10, 1, own)}
	f.Sites[1].Funcs = append([]string{"runtime.growslice"}, f.Sites[1].Funcs[1:]...)
	if got := sevOf(t, only(t, f, "heap_retention")); got != Medium {
		t.Errorf("summed site: %v", got)
	}
}

func TestEventNeverPublished(t *testing.T) {
	for _, c := range []struct {
		subs, pub  int64
		want       Severity
		notChecked bool
	}{
		{2, 0, Medium, false}, {0, 0, none, false}, {2, 5, none, false}, {2, -1, none, true}, {0, -1, none, false},
	} {
		f := healthy()
		f.Events = []Event{{Name: "silent", Producer: pid(1003), Subscribers: c.subs, Published: c.pub, PublishedBefore: c.pub}}
		rep, err := Run(f, "events")
		if err != nil {
			t.Fatal(err)
		}
		var fs []Finding
		for _, fd := range rep.Findings {
			if fd.Rule == "event_never_published" {
				fs = append(fs, fd)
			}
		}
		if got := sevOf(t, fs); got != c.want {
			t.Errorf("subs %d published %d: %v, want %v", c.subs, c.pub, got, c.want)
		}
		_, nc := rep.NotChecked["event_never_published"]
		if nc != c.notChecked {
			t.Errorf("subs %d published %d: not checked %v, want %v (%v)", c.subs, c.pub, nc, c.notChecked, rep.NotChecked)
		}
		if c.want != none && !names(t, fs[0], pid(1003)) {
			t.Errorf("producer not named: %+v", fs[0])
		}
	}
}

func TestHeapRetentionOwnedSitesFirst(t *testing.T) {
	f := facts(time.Second)
	f.Behaviors = []Behavior{{Behavior: "main.hoarder", Count: 1, PIDs: []string{pid(2100)}}}
	for i := range maxSiteFindings + 2 {
		f.Sites = append(f.Sites, HeapSite{Funcs: []string{"runtime.mallocgc", "example.com/lib.alloc" + string(rune('a'+i))}, InUse: 50 << 20, Allocated: 50 << 20, AllocatedInWindow: 1})
	}
	f.Sites = append(f.Sites, HeapSite{Funcs: []string{"runtime.mallocgc", "example.com/app/main.(*hoarder).HandleMessage"}, InUse: 2 << 20, Allocated: 2 << 20, AllocatedInWindow: 1})
	fs := only(t, f, "heap_retention")
	if len(fs) != maxSiteFindings || fs[0].Severity != Medium || !names(t, fs[0], pid(2100)) {
		t.Errorf("the hoarder's site is not first among %d findings: %+v", len(fs), fs)
	}
}

func TestGCPressureBoundaries(t *testing.T) {
	for _, c := range []struct {
		gcSeconds float64
		cycles    uint64
		want      Severity
	}{
		{0.8, 2, Medium}, // 0.8 of 8 CPU-seconds: 0.10
		{0.79, 2, none},
		{2, 2, High}, // 0.25
		{1.99, 2, Medium},
		{2, 1, none}, // one cycle booked in the window
		{2, 3, High},
	} {
		f := facts(4 * time.Second)
		f.Runtime = &RuntimeWindow{
			Before: Runtime{GCCycles: 40, GCCPUSeconds: 10, CPUSeconds: 100},
			After:  Runtime{GCCycles: 40 + c.cycles, GCCPUSeconds: 10 + c.gcSeconds, CPUSeconds: 108},
		}
		if got := sevOf(t, only(t, f, "gc_pressure")); got != c.want {
			t.Errorf("%g s of GC over %d cycles: %v, want %v", c.gcSeconds, c.cycles, got, c.want)
		}
	}
	f := facts(time.Second)
	f.Runtime = &RuntimeWindow{Before: Runtime{CPUSeconds: 5}, After: Runtime{CPUSeconds: 5, GCCPUSeconds: 1, GCCycles: 5}}
	if fs := only(t, f, "gc_pressure"); len(fs) != 0 {
		t.Errorf("no CPU time measured: %+v", fs)
	}
}

// metricOf is the named metric of a finding's process evidence.
func metricOf(t *testing.T, pe ProcEvidence, name string) Metric {
	t.Helper()
	for _, m := range pe.Metrics {
		if m.Name == name {
			return m
		}
	}
	t.Fatalf("%s has no metric %s: %+v", pe.PID, name, pe.Metrics)
	return Metric{}
}

func TestCallCycleEvidence(t *testing.T) {
	f := facts(3 * time.Second)
	a, b := member(1400, 6, 3, 3), member(1401, 6, 3, 3)
	a.Probes, b.Probes = 6, 6 // 5 of 6 waiting: 0.83, the fewest probes that count
	a.Waiting, b.Waiting = 5, 5
	f.Procs = []Proc{a, b}
	f.Logs = []LogEntry{
		{Level: "warning", Template: "call failed: %s", Message: "call failed: timed out", Count: 4, PIDs: []string{pid(1400)}, Recent: []float64{5}},
		{Level: "warning", Template: "retrying %s", Count: 2, PIDs: []string{pid(1401)}, Recent: []float64{8, 6, 4}},
		{Level: "warning", Template: "timeout of someone else", Count: 9, PIDs: []string{pid(9999)}, Recent: []float64{9, 1}},
		{Level: "error", Template: "timeout %d", Count: 3, PIDs: []string{pid(1401)}, Recent: []float64{7, 4}},
	}
	fs := only(t, f, "call_chain")
	if len(fs) != 1 {
		t.Fatalf("findings %+v", fs)
	}
	fd := fs[0]
	if fd.Magnitude != 2 || len(fd.Evidence.Processes) != 2 {
		t.Errorf("magnitude %g, %d processes", fd.Magnitude, len(fd.Evidence.Processes))
	}
	pe := fd.Evidence.Processes[0]
	if m := metricOf(t, pe, "WaitingProbes"); math.Abs(m.Value-0.833) > 0.001 {
		t.Errorf("waiting share %g", m.Value)
	}
	if m := metricOf(t, pe, "MessagesOut"); m.Value != 3 || *m.Before != 2000 || *m.After != 2003 {
		t.Errorf("messages out %+v", m)
	}
	if m := metricOf(t, pe, "MessagesIn"); m.Value != 3 || *m.Before != 1000 || *m.After != 1003 {
		t.Errorf("messages in %+v", m)
	}
	// Only the members' timeout warnings count: 4 + 3; the period is the
	// mean of those with two times or more (3 s).
	if !strings.Contains(fd.Conclusion, "every 3.0s (7 timeout warnings logged)") {
		t.Errorf("conclusion %s", fd.Conclusion)
	}
	if len(fd.Evidence.Metrics) != 2 || fd.Evidence.Metrics[0].Value != 3 || fd.Evidence.Metrics[1].Value != 7 {
		t.Errorf("metrics %+v", fd.Evidence.Metrics)
	}
	if !slices.Contains(fd.Evidence.Sites, "log: call failed: timed out") {
		t.Errorf("sites %v", fd.Evidence.Sites)
	}
	// Warnings without two times: counted, no period.
	f.Logs = []LogEntry{{Level: "warning", Template: "timeout", Count: 1, PIDs: []string{pid(1400)}, Recent: []float64{2}}}
	fd = only(t, f, "call_chain")[0]
	if !strings.Contains(fd.Conclusion, "(1 timeout warning(s) logged)") || len(fd.Evidence.Metrics) != 1 {
		t.Errorf("no period: %s %+v", fd.Conclusion, fd.Evidence.Metrics)
	}
	f.Logs = nil
	fd = only(t, f, "call_chain")[0]
	if strings.Contains(fd.Conclusion, "timeout") || len(fd.Evidence.Metrics) != 0 {
		t.Errorf("no log: %s", fd.Conclusion)
	}
	// Two equally good callees: the closer match wins.
	c := member(1402, 6, 3, 4)
	c.Probes, c.Waiting = 6, 5
	f.Procs = []Proc{a, b, c}
	fd = only(t, f, "call_chain")[0]
	if !strings.Contains(fd.Evidence.Processes[0].Role, "waits on "+pid(1401)) {
		t.Errorf("a's callee: %s", fd.Evidence.Processes[0].Role)
	}
}

func TestCallChainWithCallee(t *testing.T) {
	f := facts(2 * time.Second)
	w := state(sleeping(5, 5, 0, 1e6), StateWaitResponse)
	head := proc(1500, "main.caller", w, w)
	head.Probes, head.Waiting = 10, 10
	mid := proc(1501, "main.middle", state(sleeping(5, 5, 4, 1e6), StateWaitResponse), state(sleeping(9, 5, 8, 1e6), StateWaitResponse))
	mid.Probes, mid.Waiting = 10, 10
	r := state(sleeping(100, 100, 2, 5e8), StateRunning)
	tail := proc(1502, "main.callee", r, r)
	tail.Probes, tail.Running = 10, 10
	r2 := state(sleeping(100, 100, 7, 5e8), StateRunning)
	tail2 := proc(1503, "main.callee2", r2, r2)
	tail2.Probes, tail2.Running = 10, 10
	f.Procs = []Proc{head, mid, tail, tail2}
	fs := only(t, f, "call_chain")
	if sevOf(t, fs) != Critical {
		t.Fatalf("%+v", fs)
	}
	fd := fs[0]
	if fd.Magnitude != 4 || !strings.Contains(fd.Conclusion, "2 process(es) waited") || !strings.Contains(fd.Conclusion, pid(1503)) ||
		!strings.Contains(fd.Conclusion, "with 7 queued") {
		t.Errorf("chain %g: %s", fd.Magnitude, fd.Conclusion)
	}
	roles := []string{}
	for _, pe := range fd.Evidence.Processes {
		roles = append(roles, pe.PID+" "+pe.Role[:7])
	}
	want := []string{pid(1500) + " waiting", pid(1501) + " waiting", pid(1503) + " suspect", pid(1502) + " suspect"}
	if !slices.Equal(roles, want) {
		t.Errorf("roles %v, want %v", roles, want)
	}
	// A callee on CPU is cpu_hog's, not the chain's end.
	f.Goroutines = []Stack{{Funcs: []string{"example.com/app/main.(*callee2).HandleCall"}}}
	fd = only(t, f, "call_chain")[0]
	if strings.Contains(fd.Conclusion, pid(1503)) {
		t.Errorf("a spinning callee ends the chain: %s", fd.Conclusion)
	}
	// Many waiters: the evidence stops at MaxEvidence and counts them all.
	f.Goroutines = nil
	f.Procs = nil
	for i := range MaxEvidence + 2 {
		p := proc(uint64(1600+i), "main.caller", w, w)
		p.Probes, p.Waiting = 10, 10
		f.Procs = append(f.Procs, p)
	}
	fd = only(t, f, "call_chain")[0]
	if len(fd.Evidence.Processes) != MaxEvidence || fd.Evidence.Total != MaxEvidence+2 {
		t.Errorf("%d processes, total %d", len(fd.Evidence.Processes), fd.Evidence.Total)
	}
}

func TestCollectorWantBounds(t *testing.T) {
	c := NewCollector(time.Second, hash)
	for id := range uint64(MaxWanted + 5) {
		c.Want(5000 + id)
		c.WantBehavior(fmt.Sprint("main.b", id))
	}
	if len(c.wanted) != MaxWanted || len(c.wantB) != MaxWanted {
		t.Errorf("%d wanted, %d behaviours, want %d each", len(c.wanted), len(c.wantB), MaxWanted)
	}
	c.WantBehavior("main.b0")
	if len(c.wantB) != MaxWanted {
		t.Errorf("re-wanting grew the table")
	}
	// The last wanted PID is kept; one past the bound is not.
	c.Add(Proc{ID: 5000 + MaxWanted - 1, Before: &Counters{}, After: Counters{}})
	c.Add(Proc{ID: 5000 + MaxWanted, Before: &Counters{}, After: Counters{}})
	var f Facts
	c.Fill(&f)
	if len(f.Procs) != 1 || f.Procs[0].ID != 5000+MaxWanted-1 {
		t.Errorf("kept %+v", f.Procs)
	}
}

func TestCallCycleNeedsQueuedRequests(t *testing.T) {
	// Two callers waiting on something else, whose counters happen to
	// match: no request queued at either, so no cycle.
	f := facts(time.Second)
	a, b := member(1400, 10, 1, 1), member(1401, 10, 1, 1)
	a.After.Mailbox, b.After.Mailbox = 0, 0
	f.Procs = []Proc{a, b}
	for _, fd := range only(t, f, "call_chain") {
		if strings.HasPrefix(fd.Conclusion, "call cycle") {
			t.Errorf("cycle without queued requests: %s", fd.Conclusion)
		}
	}
	b.After.Mailbox = 1
	a.After.Mailbox = 1
	f.Procs = []Proc{a, b}
	if fs := only(t, f, "call_chain"); len(fs) == 0 || !strings.HasPrefix(fs[0].Conclusion, "call cycle") {
		t.Errorf("cycle with one request queued at each: %+v", fs)
	}
}

// evMetric is a finding's own metric by name.
func evMetric(t *testing.T, fd Finding, name string) Metric {
	t.Helper()
	for _, m := range fd.Evidence.Metrics {
		if m.Name == name {
			return m
		}
	}
	t.Fatalf("no metric %s in %+v", name, fd.Evidence.Metrics)
	return Metric{}
}

func TestEvidenceNumbers(t *testing.T) {
	t.Run("log_flood", func(t *testing.T) {
		f := facts(2 * time.Second)
		f.LogsSince = 20 * time.Second
		f.Logs = []LogEntry{{Level: "error", Kind: "process", Source: "flooder", Template: "t %d", Count: 400, CountBefore: 380,
			PIDs: []string{pid(1901), pid(1900)}, Message: "t 400"}}
		fd := only(t, f, "log_flood")[0]
		if m := evMetric(t, fd, "Messages"); m.Value != 20 || *m.Before != 380 || *m.After != 400 {
			t.Errorf("messages %+v", m)
		}
		if m := evMetric(t, fd, "RateSinceCounting"); m.Value != 20 {
			t.Errorf("rate since counting %+v", m)
		}
		if fd.Magnitude != 2 || !strings.HasPrefix(fd.Conclusion, pid(1900)+" (flooder)") || !strings.Contains(fd.Conclusion, "10 times a second") {
			t.Errorf("magnitude %g, conclusion %s", fd.Magnitude, fd.Conclusion)
		}
		if !slices.Contains(fd.Evidence.Sites, "last: t 400") || len(fd.Evidence.Processes) != 2 || len(fd.Next) != 2 || fd.Next[1].Args["pid"] != pid(1900) {
			t.Errorf("sites %v, processes %d, next %+v", fd.Evidence.Sites, len(fd.Evidence.Processes), fd.Next)
		}
		// No horizon, no text, no PIDs: the finding still stands, without them.
		f.LogsSince, f.Logs[0].Message, f.Logs[0].PIDs = 0, "", nil
		fd = only(t, f, "log_flood")[0]
		if len(fd.Evidence.Metrics) != 2 || len(fd.Evidence.Sites) != 1 || len(fd.Next) != 1 || !strings.HasPrefix(fd.Conclusion, "flooder logs") {
			t.Errorf("bare finding %+v", fd)
		}
		// Equal counts: nothing logged in the window.
		f.Logs[0].CountBefore = f.Logs[0].Count
		if fs := only(t, f, "log_flood"); len(fs) != 0 {
			t.Errorf("%+v", fs)
		}
	})
	t.Run("goroutine_leak", func(t *testing.T) {
		f := facts(2 * time.Second)
		f.ProcsBefore, f.ProcsAfter = 50, 52
		f.Behaviors = []Behavior{{Behavior: "main.leaker", Count: 1, PIDs: []string{pid(1800)}}}
		f.GoGroups = []GoGroup{{Funcs: []string{"runtime.gopark", "example.com/app/main.await"}, CreatedBy: "example.com/app/main.(*leaker).HandleMessage",
			State: "chan receive", Count: 30, CountBefore: 20}}
		f.Runtime = &RuntimeWindow{Before: Runtime{Goroutines: 100}, After: Runtime{Goroutines: 113}}
		fd := only(t, f, "goroutine_leak")[0]
		if m := evMetric(t, fd, "Goroutines"); m.Value != 10 || *m.Before != 20 || *m.After != 30 {
			t.Errorf("goroutines %+v", m)
		}
		if m := evMetric(t, fd, "GrowthRate"); m.Value != 5 {
			t.Errorf("rate %+v", m)
		}
		if m := evMetric(t, fd, "NodeGoroutines"); m.Value != 13 || *m.Before != 100 {
			t.Errorf("node goroutines %+v", m)
		}
		if m := evMetric(t, fd, "Processes"); m.Value != 2 || *m.Before != 50 || *m.After != 52 {
			t.Errorf("processes %+v", m)
		}
		if fd.Magnitude != 3 || !strings.Contains(fd.Conclusion, "30 goroutines parked in example.com/app/main.await (chan receive), +10 in 2.0s") {
			t.Errorf("magnitude %g, conclusion %s", fd.Magnitude, fd.Conclusion)
		}
		if len(fd.Next) != 2 || fd.Next[0].Args["pid"] != pid(1800) {
			t.Errorf("next %+v", fd.Next)
		}
		// Without runtime readings or the owner's PIDs.
		f.Runtime = nil
		f.Behaviors[0].PIDs = nil
		fd = only(t, f, "goroutine_leak")[0]
		if len(fd.Evidence.Metrics) != 3 || len(fd.Next) != 1 || fd.Severity != Medium {
			t.Errorf("metrics %+v next %+v", fd.Evidence.Metrics, fd.Next)
		}
	})
	t.Run("cpu_hog", func(t *testing.T) {
		f := facts(2 * time.Second)
		f.Procs = []Proc{cpu(1.2e9, 6, 0)}
		fd := only(t, f, "cpu_hog")[0]
		m := metricOf(t, fd.Evidence.Processes[0], "CPU")
		if m.Value != 0.6 || *m.Before != 3 || *m.After != 4.2 {
			t.Errorf("cpu %+v", m)
		}
		if m := metricOf(t, fd.Evidence.Processes[0], "RunningProbes"); m.Value != 0.6 {
			t.Errorf("running probes %+v", m)
		}
		if fd.Magnitude != 1.2 {
			t.Errorf("magnitude %g", fd.Magnitude)
		}
		// Six probes, two running: the share of 0.6 claims more than twice that.
		f.Procs[0].Running = 2
		if fs := only(t, f, "cpu_hog"); len(fs) != 0 {
			t.Errorf("claim beyond the probes: %+v", fs)
		}
		// Five probes are too few to contradict it.
		f.Procs[0].Probes, f.Procs[0].Running = 5, 1
		if fs := only(t, f, "cpu_hog"); len(fs) != 1 {
			t.Errorf("five probes: %+v", fs)
		}
	})
	t.Run("process_leak", func(t *testing.T) {
		f := facts(2 * time.Second)
		f.ProcsBefore, f.ProcsAfter = 1000, 1004
		f.Families = []Family{family(9, 9, 1, 9)}
		f.Groups = []Group{{Parent: pid(1600), Behavior: "main.worker", Born: 2, Died: 0}}
		fd := only(t, f, "process_leak")[0]
		if m := evMetric(t, fd, "SpawnRate"); m.Value != 1 {
			t.Errorf("rate %+v", m)
		}
		if m := evMetric(t, fd, "Processes"); m.Value != 4 || *m.Before != 1000 {
			t.Errorf("processes %+v", m)
		}
		if m := evMetric(t, fd, "BornInWindow"); m.Value != 2 {
			t.Errorf("born %+v", m)
		}
		if fd.Magnitude != 1.8 || !strings.Contains(fd.Conclusion, "9 alive, born over 8s (~1.0/s), the youngest 1s old, 9 of them never received") {
			t.Errorf("magnitude %g conclusion %s", fd.Magnitude, fd.Conclusion)
		}
	})
}
