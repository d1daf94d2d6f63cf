package diagnose

import (
	"cmp"
	"fmt"
	"slices"
)

// loud are the levels a flood is judged at.
var loud = []string{"warning", "error", "panic"}

func logFlood(f *Facts) []Finding {
	type hit struct {
		e    *LogEntry
		rate float64
	}
	var hits []hit
	for i := range f.Logs {
		e := &f.Logs[i]
		if !slices.Contains(loud, e.Level) || e.Count < e.CountBefore {
			continue
		}
		n := e.Count - e.CountBefore
		if rate := float64(n) / f.seconds(); n >= LogFloodMin && rate >= LogFloodRate {
			hits = append(hits, hit{e, rate})
		}
	}
	if len(hits) == 0 {
		return nil
	}
	slices.SortFunc(hits, func(a, b hit) int { return cmp.Compare(b.rate, a.rate) })
	var out []Finding
	for _, h := range firstN(hits, 3) {
		e := h.e
		sev := Medium
		if h.rate >= LogFloodHigh {
			sev = High
		}
		ev := Evidence{
			Metrics: []Metric{
				windowed("Messages", float64(e.Count-e.CountBefore), float64(e.CountBefore), float64(e.Count), "logged with this level, source and template"),
				metric("Rate", h.rate, "messages/s in the window"),
			},
			Sites: []string{fmt.Sprintf("%s %s %q", e.Level, e.Source, e.Template)},
		}
		if f.LogsSince > 0 {
			ev.Metrics = append(ev.Metrics, metric("RateSinceCounting", float64(e.Count)/f.LogsSince.Seconds(), fmt.Sprintf("messages/s over the last %.0fs", f.LogsSince.Seconds())))
		}
		if e.Message != "" {
			ev.Sites = append(ev.Sites, "last: "+e.Message)
		}
		for _, pid := range e.PIDs {
			if p := f.procByPID(pid); p != nil {
				ev.Processes = append(ev.Processes, evidence(p, "logs it"))
			} else {
				ev.Processes = append(ev.Processes, ProcEvidence{PID: pid, Name: e.Source, Behavior: e.Behavior, Role: "logs it"})
			}
		}
		who := e.Source
		if len(e.PIDs) > 0 {
			who = e.PIDs[len(e.PIDs)-1] + " (" + e.Source + ")"
		}
		next := []Step{step("sample_listen", "the messages as they come", "log_levels", []string{e.Level}, "duration_sec", 10)}
		if len(e.PIDs) > 0 {
			next = append(next, step("process_info", "the process that logs them", "pid", e.PIDs[len(e.PIDs)-1]))
		}
		out = append(out, Finding{
			Severity:   sev,
			Conclusion: fmt.Sprintf("%s logs %q at %s level %.0f times a second", who, e.Template, e.Level, h.rate),
			Evidence:   ev,
			Magnitude:  h.rate / LogFloodRate,
			Next:       next,
		})
	}
	return out
}
