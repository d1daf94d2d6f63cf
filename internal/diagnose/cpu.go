package diagnose

import (
	"cmp"
	"fmt"
	"slices"
)

// cpuShare is the share of one core p spent running callbacks in the
// window, from its running time, or ok false when that reading cannot be
// a CPU measure: the process waited for a call's response (ergo adds the
// wait to its running time), it exceeded one core (running time of a
// callback that began before the window, added when it returned: an
// artefact, since one actor runs on one goroutine), or the probes saw it
// running far less often than the share claims.
func cpuShare(f *Facts, p *Proc) (share float64, ok bool) {
	r := p.Rates(f.Window)
	if r.New || r.Reset || p.Before == nil {
		return 0, false
	}
	if p.Waiting > 0 || p.Before.State == StateWaitResponse || p.After.State == StateWaitResponse {
		return 0, false
	}
	if r.CPU > 1 {
		return 0, false
	}
	if p.Probes >= MinSeries && float64(p.Running) < r.CPU*float64(p.Probes)/2 {
		return 0, false
	}
	return r.CPU, true
}

func cpuHog(f *Facts) []Finding {
	type hit struct {
		p        *Proc
		share    float64
		measured bool
		stack    *Stack
	}
	var hits []hit
	for i := range f.Procs {
		p := &f.Procs[i]
		s, _ := stackOf(f, p)
		if share, ok := cpuShare(f, p); ok && share >= CPUHogShare {
			if s != nil && s.parked() {
				continue // its callback sleeps or waits: slow, not CPU-bound
			}
			hits = append(hits, hit{p: p, share: share, measured: true, stack: s})
			continue
		}
		if p.whole(StateRunning) && s != nil && !s.parked() {
			hits = append(hits, hit{p: p, share: 1, stack: s})
		}
	}
	if len(hits) == 0 {
		return nil
	}
	slices.SortFunc(hits, func(a, b hit) int { return cmp.Compare(b.share, a.share) })
	sev := Medium
	var ev Evidence
	inferred := false
	for _, h := range firstN(hits, MaxEvidence) {
		b := h.p.before()
		var m Metric
		if h.measured {
			m = windowed("CPU", h.share, float64(b.RunningTime)/1e9, float64(h.p.After.RunningTime)/1e9, "share of one core (RunningTime in s before/after)")
		} else {
			inferred = true
			m = metric("CPU", h.share, "share of one core, inferred: running in every probe, goroutine on CPU")
		}
		if h.stack != nil {
			ev.Sites = append(ev.Sites, h.p.PID+": "+h.stack.line())
		}
		ms := []Metric{m}
		if h.p.Probes > 0 {
			ms = append(ms, metric("RunningProbes", float64(h.p.Running)/float64(h.p.Probes), "share of probes that found it running"))
		}
		ev.Processes = append(ev.Processes, evidence(h.p, "CPU-bound callback", ms...))
		if h.share >= CPUHogHigh {
			sev = High
		}
	}
	if len(hits) > MaxEvidence {
		ev.Total = len(hits)
	}
	worst := hits[0].p
	cpu := step("pprof_cpu", "which functions use the CPU", "duration", 5)
	if f.PprofLabels {
		cpu = step("pprof_cpu", "CPU per actor from pid labels", "duration", 5, "group_by", "pid")
	}
	fd := Finding{
		Severity:   sev,
		Conclusion: fmt.Sprintf("%d process(es) burn CPU in their callbacks; worst %s at %.2f of a core", len(hits), name(worst), hits[0].share),
		Evidence:   ev,
		Magnitude:  hits[0].share / CPUHogShare,
		Next: []Step{cpu, step("process_top", "CPU share per process over a longer window", "sort_by", "cpu", "window_ms", 3000),
			stackStep(f, worst)},
	}
	if inferred {
		fd.Inferred = "ergo 3.1/3.2 record running time only when a mailbox empties, so a callback that has not returned shows none; " +
			"its CPU use is inferred from its state in every probe and its goroutine's stack (matched by pid label, or by behaviour name when no labels)"
	}
	return []Finding{fd}
}
