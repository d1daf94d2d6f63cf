package diagnose

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/ergomcp/ergomcp/internal/window"
)

// trend is how a mailbox moved across the probes of the window.
type trend struct {
	// steady: the last third of the probes sat higher than the first third
	// and the end higher than the start (one burst that drains does not
	// count, nor does a deep mailbox that holds still).
	steady bool
	// slope is the least-squares growth per second over the probes.
	slope float64
}

// mailboxTrend reads p's probe series over a window of w seconds; without
// a series (not probed) it falls back on the two passes.
func mailboxTrend(p *Proc, w float64) trend {
	s := p.Mailboxes
	if len(s) < MinSeries {
		b := p.before()
		g := float64(p.After.Mailbox) - float64(b.Mailbox)
		return trend{steady: p.Before != nil && g >= 2*MailboxMinRise && p.After.Mailbox >= MailboxMinQueued, slope: g / w}
	}
	n := len(s)
	third := n / 3
	first, last := median(s[:third]), median(s[n-third:])
	// Least squares over evenly spaced probes: x in seconds.
	dx := w / float64(n)
	var sx, sy, sxx, sxy float64
	for i, v := range s {
		x, y := float64(i)*dx, float64(v)
		sx, sy, sxx, sxy = sx+x, sy+y, sxx+x*x, sxy+x*y
	}
	fn := float64(n)
	slope := 0.0
	if d := fn*sxx - sx*sx; d > 0 {
		slope = (fn*sxy - sx*sy) / d
	}
	rise := float64(s[n-1]) - float64(s[0])
	return trend{steady: last > first && rise >= MailboxMinRise && slope > 0 && p.After.Mailbox >= MailboxMinQueued, slope: slope}
}

func median(s []uint64) float64 {
	c := slices.Clone(s)
	slices.Sort(c)
	n := len(c)
	if n%2 == 1 {
		return float64(c[n/2])
	}
	return (float64(c[n/2-1]) + float64(c[n/2])) / 2
}

// wait is Little's law for p at the window's end: queued messages over
// the rate it handles them, in seconds (+Inf when it handled none).
func wait(p *Proc, r window.Rates) float64 {
	if p.After.Mailbox == 0 {
		return 0
	}
	if r.ProcessingRate <= 0 {
		return math.Inf(1)
	}
	return float64(p.After.Mailbox) / r.ProcessingRate
}

func mailboxGrowing(f *Facts) []Finding {
	type hit struct {
		p    *Proc
		t    trend
		r    window.Rates
		wait float64
	}
	var hits []hit
	w := f.seconds()
	for i := range f.Procs {
		p := &f.Procs[i]
		t := mailboxTrend(p, w)
		if !t.steady {
			continue
		}
		r := p.Rates(f.Window)
		if wt := wait(p, r); wt >= LatencyObjective {
			hits = append(hits, hit{p, t, r, wt})
		}
	}
	if len(hits) == 0 {
		return nil
	}
	// Worst first: the longest estimated wait, then the fastest growth.
	slices.SortFunc(hits, func(a, b hit) int {
		if c := cmp.Compare(b.wait, a.wait); c != 0 {
			return c
		}
		return cmp.Compare(b.t.slope, a.t.slope)
	})
	sev := Medium
	var ev Evidence
	for _, h := range firstN(hits, MaxEvidence) {
		ms := []Metric{mailboxMetric(h.p), metric("MailboxGrowthRate", h.t.slope, "messages/s (least squares over the probes)"),
			metric("MessagesInRate", h.r.InRate, "messages/s"), metric("ProcessingRate", h.r.ProcessingRate, "messages/s"),
			metric("EstWait", h.wait, "s (Little's law: mailbox / processing rate)")}
		if len(h.p.Mailboxes) > 0 {
			ms = append(ms, metric("Probes", float64(len(h.p.Mailboxes)), "mailbox readings in the window"))
		}
		if h.p.After.Uptime > 0 {
			ms = append(ms, metric("MailboxPerUptime", float64(h.p.After.Mailbox)/float64(h.p.After.Uptime), "messages/s queued on average since it started"))
		}
		ev.Processes = append(ev.Processes, evidence(h.p, "mailbox growing", ms...))
		switch {
		case h.p.After.Mailbox >= MailboxCritical:
			sev = Critical
		case (h.p.After.Mailbox >= MailboxHigh || h.wait >= HighWait) && sev < High:
			sev = High
		}
	}
	if len(hits) > MaxEvidence {
		ev.Total = len(hits)
	}
	worst := hits[0]
	waitText := "never (it handled nothing)"
	if v, ok := window.Finite(worst.wait); ok {
		waitText = fmt.Sprintf("%.1fs", v)
	}
	return []Finding{{
		Severity: sev,
		Conclusion: fmt.Sprintf("%d process(es) receive faster than they handle; worst %s: mailbox %d→%d (%+.1f/s) while handling %.1f/s, a new message waits %s",
			len(hits), name(worst.p), worst.p.before().Mailbox, worst.p.After.Mailbox, worst.t.slope, worst.r.ProcessingRate, waitText),
		Evidence:  ev,
		Magnitude: math.Min(worst.wait, 1e6) / LatencyObjective,
		Next: []Step{
			step("process_top", "rates of the busiest mailboxes over a longer window", "sort_by", "mailbox_growth", "window_ms", 5000),
			stackStep(f, worst.p),
			step("process_info", "its links, monitors and queues by priority", "pid", worst.p.PID),
		},
	}}
}
