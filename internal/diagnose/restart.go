package diagnose

import (
	"fmt"
	"strings"
)

// crashLog is a log key of crashes: a panic logged by processes of one
// name or behaviour under several PIDs (each incarnation logs its own).
func crashLog(e *LogEntry) bool {
	return e.Kind == "process" && e.Level == "panic" && e.Count >= RestartMinLogged && len(e.PIDs) >= RestartMinLogged
}

// current finds the live incarnation of a crashing child named in a log
// entry: a kept process of the entry's name or behaviour whose PID the
// log does not list yet (or the last one it lists, still alive).
func current(f *Facts, e *LogEntry) *Proc {
	var best *Proc
	for i := range f.Procs {
		p := &f.Procs[i]
		if p.Behavior != e.Behavior || e.Source != p.Name && e.Source != p.Behavior {
			continue
		}
		if best == nil || p.ID > best.ID {
			best = p
		}
	}
	return best
}

func restartLoop(f *Facts) []Finding {
	var out []Finding
	blamed := map[string]bool{} // parents already reported
	for _, g := range f.Groups {
		if g.Parent == OverflowGroup || g.Died < RestartMinDeaths || g.Born < RestartMinDeaths {
			continue
		}
		restarts := min(g.Born, g.Died)
		hz := float64(restarts) / f.seconds()
		sev := High
		if hz >= RestartCriticalHz {
			sev = Critical
		}
		ev := Evidence{
			Groups:  []Group{g},
			Metrics: []Metric{metric("Restarts", float64(restarts), "in the window"), metric("RestartRate", hz, "per second")},
		}
		ev.Processes = append(ev.Processes, procOrPID(f, g.Parent, g.ParentBehavior, "parent restarting them (supervisor)"))
		for _, pid := range firstN(g.Alive, 3) {
			ev.Processes = append(ev.Processes, procOrPID(f, pid, g.Behavior, "current incarnation, born in the window"))
		}
		for _, pid := range firstN(g.Gone, 3) {
			ev.Processes = append(ev.Processes, ProcEvidence{PID: pid, Behavior: g.Behavior, Parent: g.Parent, State: "terminated", Role: "died in the window"})
		}
		concl := fmt.Sprintf("%s restarts its %s children in a loop: %d died and %d were started in %.1fs",
			orNone(g.Parent), g.Behavior, g.Died, g.Born, f.seconds())
		if e := crashEntry(f, g.Behavior); e != nil {
			concl += "; last crash: " + e.Message
			ev.Sites = append(ev.Sites, "log: "+e.Message)
		}
		blamed[g.Parent+"/"+g.Behavior] = true
		out = append(out, Finding{
			Severity:   sev,
			Conclusion: concl,
			Evidence:   ev,
			Magnitude:  float64(restarts) / RestartMinDeaths,
			Next:       restartNext(g.Parent, firstOr(g.Alive)),
		})
	}
	// Slow loops, a crash every few seconds, show in the log's history,
	// not in one window.
	for i := range f.Logs {
		e := &f.Logs[i]
		if !crashLog(e) {
			continue
		}
		p := current(f, e)
		if p == nil || blamed[p.Parent+"/"+p.Behavior] {
			continue
		}
		blamed[p.Parent+"/"+p.Behavior] = true
		period := 0.0
		if n := len(e.Recent); n >= 2 {
			period = (e.Recent[0] - e.Recent[n-1]) / float64(n-1)
		}
		ev := Evidence{Metrics: []Metric{
			metric("Crashes", float64(e.Count), fmt.Sprintf("panics logged in the last %.0fs", f.LogsSince.Seconds())),
			metric("Incarnations", float64(len(e.PIDs)), "distinct PIDs that logged them (the last few)"),
		}}
		if period > 0 {
			ev.Metrics = append(ev.Metrics, metric("CrashPeriod", period, "s between crashes"))
		}
		if p.Parent != "" {
			ev.Processes = append(ev.Processes, procOrPID(f, p.Parent, "", "parent restarting it (supervisor)"))
		}
		ev.Processes = append(ev.Processes, evidence(p, "current incarnation"))
		for _, pid := range e.PIDs {
			if pid != p.PID {
				ev.Processes = append(ev.Processes, ProcEvidence{PID: pid, Name: p.Name, Behavior: e.Behavior, Parent: p.Parent, State: "terminated", Role: "earlier incarnation that panicked"})
			}
		}
		ev.Sites = append(ev.Sites, "log: "+e.Message)
		sev := High
		concl := fmt.Sprintf("%s is restarted after crashing: %d panics by %d incarnations", name(p), e.Count, len(e.PIDs))
		if period > 0 {
			concl += fmt.Sprintf(", one every %.1fs", period)
		}
		if p.Parent != "" {
			concl += ", under " + p.Parent
		}
		concl += "; reason: " + reason(e.Message)
		out = append(out, Finding{
			Severity:   sev,
			Conclusion: concl,
			Evidence:   ev,
			Magnitude:  float64(e.Count) / RestartMinLogged,
			Next:       restartNext(p.Parent, p.PID),
		})
	}
	return firstN(out, 5)
}

// reason is the panic's reason out of ergo's "... Panic reason: X at ..." text.
func reason(msg string) string {
	if _, r, ok := strings.Cut(msg, "reason: "); ok {
		if i := strings.LastIndex(r, " at "); i > 0 {
			r = r[:i]
		}
		return r
	}
	return msg
}

// crashEntry is the panic log entry of behavior, if the log has one.
func crashEntry(f *Facts, behavior string) *LogEntry {
	for i := range f.Logs {
		if e := &f.Logs[i]; e.Level == "panic" && e.Behavior == behavior && e.Message != "" {
			return e
		}
	}
	return nil
}

func firstOr(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

func restartNext(parent, pid string) []Step {
	next := []Step{step("sample_listen", "record the crash reasons the node logs", "log_levels", []string{"error", "panic"}, "duration_sec", 30)}
	if parent != "" {
		next = append(next, step("process_children", "the supervisor's children and their uptimes", "parent", parent))
	}
	if pid != "" {
		next = append(next, step("process_info", "the live incarnation", "pid", pid))
	}
	return next
}

// procOrPID is the evidence of the process with that PID: complete when
// it was kept, else what the caller knows.
func procOrPID(f *Facts, pid, behavior, role string) ProcEvidence {
	if p := f.procByPID(pid); p != nil {
		return evidence(p, role)
	}
	return ProcEvidence{PID: pid, Behavior: behavior, Role: role}
}
