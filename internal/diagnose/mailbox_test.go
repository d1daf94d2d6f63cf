package diagnose

import (
	"fmt"
	"math"
	"testing"
	"time"
)

func TestMailboxTrendShapes(t *testing.T) {
	for _, c := range []struct {
		name   string
		w      time.Duration
		series []uint64
		want   Severity
	}{
		// Six readings are a series; five fall back on the passes, where
		// a rise of one is no trend.
		{"six readings rising by one", 2 * time.Second, []uint64{5, 5, 5, 6, 6, 6}, Medium},
		{"five readings rising by one", 2 * time.Second, []uint64{5, 5, 5, 6, 6}, none},
		// The last third is above the first, the slope positive, but it
		// ends where it began.
		{"ends where it began", 2 * time.Second, []uint64{5, 3, 3, 3, 6, 6, 6, 6, 5}, none},
		// The last third's median equals the first's.
		{"thirds level", 2 * time.Second, []uint64{5, 6, 7, 11, 11, 11, 6, 6, 6}, none},
		// Least squares exactly flat (a window of 9 × 0.25 s keeps the
		// sums exact) though the last third is above the first.
		{"flat by least squares", 2250 * time.Millisecond, []uint64{5, 5, 5, 10, 7, 1, 6, 6, 6}, none},
		{"rising by least squares", 2250 * time.Millisecond, []uint64{5, 5, 5, 10, 7, 2, 6, 6, 6}, Medium},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := facts(c.w)
			f.Procs = []Proc{queue(c.series, 900, 40)}
			if got := sevOf(t, only(t, f, "mailbox_growing")); got != c.want {
				t.Errorf("severity %v, want %v", got, c.want)
			}
		})
	}
}

func TestMailboxGrowingFromThePasses(t *testing.T) {
	// No probes: 4 more over 0.5 s is 8/s; 2 handled in 0.5 s is 4/s, so
	// the 7 queued wait 1.75 s.
	f := facts(500 * time.Millisecond)
	b := Counters{MessagesIn: 50, Mailbox: 3, Uptime: 9}
	a := Counters{MessagesIn: 56, Mailbox: 7, Uptime: 10}
	f.Procs = []Proc{proc(1200, "main.q", b, a)}
	fd := only(t, f, "mailbox_growing")[0]
	pe := fd.Evidence.Processes[0]
	if m := metricOf(t, pe, "MailboxGrowthRate"); m.Value != 8 {
		t.Errorf("growth %+v", m)
	}
	if m := metricOf(t, pe, "ProcessingRate"); m.Value != 4 {
		t.Errorf("processing %+v", m)
	}
	if m := metricOf(t, pe, "EstWait"); m.Value != 1.75 {
		t.Errorf("wait %+v", m)
	}
	if m := metricOf(t, pe, "MailboxPerUptime"); m.Value != 0.7 {
		t.Errorf("per uptime %+v", m)
	}
	for _, m := range pe.Metrics {
		if m.Name == "Probes" {
			t.Errorf("probes reported without a series: %+v", m)
		}
	}
	if fd.Magnitude != 1.75/LatencyObjective {
		t.Errorf("magnitude %g", fd.Magnitude)
	}
	want := fmt.Sprintf("1 process(es) receive faster than they handle; worst %s (pmain.q): mailbox 3→7 (+8.0/s) while handling 4.0/s, a new message waits 1.8s", pid(1200))
	if fd.Conclusion != want {
		t.Errorf("conclusion %q, want %q", fd.Conclusion, want)
	}
	// Three queued at the end is enough; an uptime still under a second
	// (started just before the window) gives no per-uptime rate.
	b.Mailbox, a.Mailbox, a.MessagesIn, b.Uptime, a.Uptime = 1, 3, 54, 0, 0
	f.Procs = []Proc{proc(1200, "main.q", b, a)}
	fd = only(t, f, "mailbox_growing")[0]
	for _, m := range fd.Evidence.Processes[0].Metrics {
		if m.Name == "MailboxPerUptime" {
			t.Errorf("per uptime with no uptime: %+v", m)
		}
	}
}

func TestMailboxGrowingEvidence(t *testing.T) {
	f := facts(2 * time.Second)
	p := queue(ramp(12, 3, 14), 100, 40)
	f.Procs = []Proc{p}
	fd := only(t, f, "mailbox_growing")[0]
	pe := fd.Evidence.Processes[0]
	if m := metricOf(t, pe, "Probes"); m.Value != 12 {
		t.Errorf("probes %+v", m)
	}
	// 14 queued, 20 handled a second.
	if m := metricOf(t, pe, "EstWait"); m.Value != 0.7 || fd.Magnitude != 0.7/LatencyObjective {
		t.Errorf("wait %+v, magnitude %g", m, fd.Magnitude)
	}
	if m := metricOf(t, pe, "MailboxPerUptime"); m.Value != clean(14.0/62) {
		t.Errorf("per uptime %+v", m)
	}
	// Exactly MaxEvidence: all shown, no total; one more: counted.
	for _, n := range []int{MaxEvidence, MaxEvidence + 1} {
		f.Procs = nil
		for i := range n {
			q := queue(ramp(12, 3, float64(14+i)), 100, 40)
			q.ID, q.PID = uint64(1300+i), pid(uint64(1300+i))
			f.Procs = append(f.Procs, q)
		}
		fd := only(t, f, "mailbox_growing")[0]
		want := 0
		if n > MaxEvidence {
			want = n
		}
		if fd.Evidence.Total != want || len(fd.Evidence.Processes) != min(n, MaxEvidence) {
			t.Errorf("%d hits: total %d, %d shown", n, fd.Evidence.Total, len(fd.Evidence.Processes))
		}
		if fd.Evidence.Processes[0].PID != pid(uint64(1300+n-1)) {
			t.Errorf("%d hits: worst %s first? got %s", n, pid(uint64(1300+n-1)), fd.Evidence.Processes[0].PID)
		}
	}
	// Stalled: handled nothing, the wait is never.
	f.Procs = []Proc{queue(ramp(10, 3, 9), 100, 0)}
	fd = only(t, f, "mailbox_growing")[0]
	if fd.Magnitude != 1e6/LatencyObjective || math.IsInf(fd.Magnitude, 0) {
		t.Errorf("stalled magnitude %g", fd.Magnitude)
	}
}
