package diagnose

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// mostlyWaiting: the probes found p waiting for a call's response in at
// least CycleWaitShare of them: a process whose calls keep timing out
// leaves "wait response" for an instant per timeout, so "every probe" is
// too strict for it.
func (p *Proc) mostlyWaiting() bool {
	return p.Probes >= MinSeries && float64(p.Waiting) >= CycleWaitShare*float64(p.Probes)
}

// link is one inferred call: From's messages out match To's messages in.
type link struct {
	From, To *Proc
	// Sent and Received are the matched counts, in the window when both
	// moved in it, else since the processes started (Total).
	Sent, Received uint64
	Total          bool
}

// near reports whether a and b agree within the tolerance of a call
// count: a timeout's late response or a message from elsewhere may add one.
func near(a, b uint64) bool {
	d := math.Abs(float64(a) - float64(b))
	return d <= math.Max(CycleMatchSlack, CycleMatchShare*math.Max(float64(a), float64(b)))
}

// callee is the waiter whose messages in best match x's messages out,
// in the window first, then over the processes' lives.
func callee(x *Proc, waiters []*Proc) *link {
	var best *link
	bestGap := math.Inf(1)
	for _, y := range waiters {
		if y == x {
			continue
		}
		xb, yb := x.before(), y.before()
		out, in := x.After.MessagesOut-xb.MessagesOut, y.After.MessagesIn-yb.MessagesIn
		l := link{From: x, To: y, Sent: out, Received: in}
		if out == 0 || in == 0 || !near(out, in) {
			l = link{From: x, To: y, Sent: x.After.MessagesOut, Received: y.After.MessagesIn, Total: true}
			if l.Sent == 0 || !near(l.Sent, l.Received) {
				continue
			}
		}
		if gap := math.Abs(float64(l.Sent) - float64(l.Received)); gap < bestGap {
			bestGap, best = gap, &l
		}
	}
	return best
}

// cycle finds processes that wait on one another in a ring: each mostly
// waiting with a message queued (its caller's request, which it cannot
// take while it waits), each one's messages out matching the next one's in.
func cycle(f *Facts) []link {
	var waiters []*Proc
	for i := range f.Procs {
		if p := &f.Procs[i]; p.mostlyWaiting() && p.Before != nil && p.After.Mailbox > 0 {
			waiters = append(waiters, p)
		}
	}
	if len(waiters) < 2 {
		return nil
	}
	next := map[*Proc]*link{}
	for _, x := range waiters {
		if l := callee(x, waiters); l != nil {
			next[x] = l
		}
	}
	for _, start := range waiters {
		var ring []link
		seen := map[*Proc]int{}
		for p := start; ; {
			if at, ok := seen[p]; ok {
				ring = ring[at:]
				if len(ring) >= 2 {
					return ring
				}
				break
			}
			l, ok := next[p]
			if !ok {
				break
			}
			seen[p] = len(ring)
			ring = append(ring, *l)
			p = l.To
		}
	}
	return nil
}

// timeoutPeriod is the mean interval between the timeout warnings the
// processes of ring logged, and how many there were; 0 when the log shows
// none.
func timeoutPeriod(f *Facts, ring []link) (period float64, n int, message string) {
	var times []float64
	for _, e := range f.Logs {
		text := strings.ToLower(e.Template + " " + e.Message)
		if !strings.Contains(text, "timed out") && !strings.Contains(text, "timeout") {
			continue
		}
		if !slices.ContainsFunc(ring, func(l link) bool { return slices.Contains(e.PIDs, l.From.PID) }) {
			continue
		}
		// Each member logs its own timeouts: the period is per key.
		if len(e.Recent) >= 2 {
			p := (e.Recent[len(e.Recent)-1] - e.Recent[0]) / float64(len(e.Recent)-1)
			times = append(times, math.Abs(p))
		}
		n += int(e.Count)
		if message == "" {
			message = e.Message
		}
	}
	if len(times) == 0 {
		return 0, n, message
	}
	sum := 0.0
	for _, t := range times {
		sum += t
	}
	return sum / float64(len(times)), n, message
}

func callChain(f *Facts) []Finding {
	var out []Finding
	ring := cycle(f)
	if ring != nil {
		out = append(out, cycleFinding(f, ring))
	}
	inRing := func(p *Proc) bool { return slices.ContainsFunc(ring, func(l link) bool { return l.From == p }) }
	var heads, middles, tails []*Proc
	for i := range f.Procs {
		p := &f.Procs[i]
		switch {
		case inRing(p):
		case p.whole(StateWaitResponse) && p.Before != nil && p.After.MessagesOut == p.Before.MessagesOut:
			if p.After.Mailbox > 0 {
				middles = append(middles, p)
			} else {
				heads = append(heads, p)
			}
		case p.whole(StateRunning) && p.noProgress(f):
			if s, _ := stackOf(f, p); s != nil && !s.parked() {
				continue // spinning, not waiting: cpu_hog
			}
			tails = append(tails, p)
		}
	}
	if len(heads)+len(middles) == 0 {
		return out
	}
	// Suspected callees with queued requests first: a waiter's request
	// sits in its callee's mailbox.
	slices.SortStableFunc(tails, func(a, b *Proc) int {
		return -cmpU(a.After.Mailbox, b.After.Mailbox)
	})
	var ev Evidence
	add := func(ps []*Proc, role string) {
		for _, p := range ps {
			if len(ev.Processes) == MaxEvidence {
				ev.Total = len(heads) + len(middles) + len(tails)
				return
			}
			ev.Processes = append(ev.Processes, evidence(p, role, mailboxMetric(p)))
			if s, _ := stackOf(f, p); s != nil {
				ev.Sites = append(ev.Sites, p.PID+": "+s.line())
			}
		}
	}
	add(heads, "waiting caller: in wait response all window")
	add(middles, "waiting, with messages queued behind its call (perhaps its own callers' requests): in wait response all window")
	add(tails, "suspected callee: running one callback all window, nothing handled or sent")
	waiters := len(heads) + len(middles)
	sev := High
	var concl string
	var target *Proc
	switch {
	case len(tails) > 0:
		target = tails[0]
		concl = fmt.Sprintf("%d process(es) waited all window for call responses; suspected end of the chain: %s, in one callback all window with %d queued",
			waiters, name(target), target.After.Mailbox)
		sev = Critical
	case len(middles) > 0:
		target = middles[0]
		concl = fmt.Sprintf("%d process(es) waited all window for call responses, %s among them with %d requests queued; the final callee was not seen (remote, or asleep between probes)",
			waiters, name(target), target.After.Mailbox)
	default:
		target = heads[0]
		concl = fmt.Sprintf("%d process(es) waited all window for call responses (first: %s); the callee was not seen among local processes (remote, or asleep between probes)",
			waiters, name(target))
	}
	return append(out, Finding{
		Severity:   sev,
		Conclusion: concl,
		Inferred: "ergo does not record whom a process calls: callers are processes in wait response in every probe without sending, callees are " +
			"processes running one callback in every probe without handling or sending, or waiters with queued requests; stacks (when shown) come from pid labels or behaviour names",
		Evidence:  ev,
		Magnitude: float64(waiters + len(tails)),
		Next: []Step{
			stackStep(f, target),
			step("process_inspect", "a callee stuck in a callback does not answer", "pid", target.PID),
			step("process_list", "every waiting process", "state", "wait_response", "sort_by", "mailbox"),
		},
	})
}

func cmpU(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func cycleFinding(f *Facts, ring []link) Finding {
	var ev Evidence
	names := make([]string, 0, len(ring)+1)
	for _, l := range firstN(ring, MaxEvidence) {
		p := l.From
		b := p.before()
		over := "in the window"
		if l.Total {
			over = "since they started"
		}
		ev.Processes = append(ev.Processes, evidence(p, "in a call cycle: waits on "+l.To.PID,
			metric("WaitingProbes", float64(p.Waiting)/float64(max(p.Probes, 1)), "share of probes in wait response"),
			windowed("MessagesOut", float64(p.After.MessagesOut-b.MessagesOut), float64(b.MessagesOut), float64(p.After.MessagesOut), "messages"),
			windowed("MessagesIn", float64(p.After.MessagesIn-b.MessagesIn), float64(b.MessagesIn), float64(p.After.MessagesIn), "messages"),
			mailboxMetric(p)))
		ev.Sites = append(ev.Sites, fmt.Sprintf("%s → %s: %d sent, %d received %s", l.From.PID, l.To.PID, l.Sent, l.Received, over))
		names = append(names, name(p))
	}
	names = append(names, ring[0].From.PID)
	concl := fmt.Sprintf("call cycle of %d processes: %s; each waits for a response from the next", len(ring), strings.Join(names, " → "))
	period, n, msg := timeoutPeriod(f, ring)
	if period > 0 {
		concl += fmt.Sprintf(", timing out every %.1fs (%d timeout warnings logged)", period, n)
		ev.Metrics = append(ev.Metrics, metric("TimeoutPeriod", period, "s between a member's timeout warnings"), metric("TimeoutWarnings", float64(n), "logged"))
		if msg != "" {
			ev.Sites = append(ev.Sites, "log: "+msg)
		}
	} else if n > 0 {
		concl += fmt.Sprintf(" (%d timeout warning(s) logged)", n)
		ev.Metrics = append(ev.Metrics, metric("TimeoutWarnings", float64(n), "logged"))
	}
	first := ring[0].From
	return Finding{
		Severity:   Critical,
		Conclusion: concl,
		Inferred: "ergo does not record whom a process calls: each link pairs a process waiting in most probes with the waiter whose messages in " +
			"match its messages out; the period comes from the members' timeout warnings in the log",
		Evidence:  ev,
		Magnitude: float64(len(ring)),
		Next: []Step{
			stackStep(f, first),
			step("process_list", "every waiting process", "state", "wait_response", "sort_by", "mailbox"),
			step("sample_listen", "the timeout warnings as they come", "log_levels", []string{"warning", "error"}, "duration_sec", 30),
		},
	}
}
