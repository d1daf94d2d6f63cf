package diagnose

import (
	"cmp"
	"fmt"
	"slices"
)

// leaking is a family whose size grows steadily over the table's history:
// members born over at least LeakMinSpan seconds, the youngest recent (it
// still spawns), the family's spawn rate estimated from its ages.
type leaking struct {
	fm    Family
	rate  float64 // members per second, from the spread of their ages
	idle  bool    // most never received a message
	group *Group  // the window's births and deaths of the family, if any
}

// familyLeak judges one family; ok false when it is not leaking.
func familyLeak(f *Facts, fm Family) (leaking, bool) {
	if fm.Count < LeakMinAlive || fm.Parent == "" {
		return leaking{}, false
	}
	span := fm.MaxUptime - fm.MinUptime
	if span < LeakMinSpan {
		return leaking{}, false
	}
	rate := float64(fm.Count-1) / float64(span)
	// Still spawning: the youngest is no older than a few spawn intervals
	// (ages are whole seconds, hence the second of slack).
	if float64(fm.MinUptime) > LeakRecentIntervals/rate+1 {
		return leaking{}, false
	}
	l := leaking{fm: fm, rate: rate, idle: float64(fm.NeverReceived) >= LeakIdleShare*float64(fm.Count)}
	for i := range f.Groups {
		if g := &f.Groups[i]; g.Parent == fm.Parent && g.Behavior == fm.Behavior {
			l.group = g
		}
	}
	// Without the idle evidence, the window must show the family growing
	// with nothing terminated: a pool that recycles its members does not leak.
	if !l.idle && (l.group == nil || l.group.Died > 0 || l.group.Born == 0) {
		return leaking{}, false
	}
	return l, true
}

func processLeak(f *Facts) []Finding {
	var hits []leaking
	for _, fm := range f.Families {
		if l, ok := familyLeak(f, fm); ok {
			hits = append(hits, l)
		}
	}
	if len(hits) == 0 {
		return nil
	}
	slices.SortFunc(hits, func(a, b leaking) int { return cmp.Compare(b.rate*float64(b.fm.Count), a.rate*float64(a.fm.Count)) })
	var out []Finding
	for _, l := range firstN(hits, 3) {
		fm := l.fm
		sev := Low
		if l.idle {
			sev = Medium
			if l.rate >= LeakHighRate || f.ProcsAfter > 0 && float64(fm.Count) >= LeakHighGrowth*float64(f.ProcsAfter) {
				sev = High
			}
		}
		ev := Evidence{Metrics: []Metric{
			metric("Alive", float64(fm.Count), "processes of this parent and behaviour"),
			metric("NeverReceived", float64(fm.NeverReceived), "of them never received a message"),
			metric("SpawnRate", l.rate, "per second, from their ages"),
			metric("OldestUptime", float64(fm.MaxUptime), "s"), metric("YoungestUptime", float64(fm.MinUptime), "s"),
			windowed("Processes", float64(f.ProcsAfter-f.ProcsBefore), float64(f.ProcsBefore), float64(f.ProcsAfter), "processes on the node"),
		}}
		if l.group != nil {
			ev.Groups = []Group{*l.group}
			ev.Metrics = append(ev.Metrics, metric("BornInWindow", float64(l.group.Born), "processes"), metric("DiedInWindow", float64(l.group.Died), "processes"))
		}
		role := "parent spawning them"
		if p := f.procByPID(fm.Parent); p != nil {
			ev.Processes = append(ev.Processes, evidence(p, role))
		} else {
			ev.Processes = append(ev.Processes, ProcEvidence{PID: fm.Parent, Behavior: fm.ParentBehavior, Role: role})
		}
		for _, pid := range firstN(fm.Youngest, 3) {
			pe := ProcEvidence{PID: pid, Behavior: fm.Behavior, Parent: fm.Parent, Role: "youngest of them"}
			if p := f.procByPID(pid); p != nil {
				pe = evidence(p, pe.Role)
			}
			ev.Processes = append(ev.Processes, pe)
		}
		idle := ""
		if l.idle {
			idle = fmt.Sprintf(", %d of them never received a message", fm.NeverReceived)
		}
		out = append(out, Finding{
			Severity: sev,
			Conclusion: fmt.Sprintf("%s keeps spawning %s processes that do not end: %d alive, born over %ds (~%.1f/s), the youngest %ds old%s",
				fm.Parent, orUnnamed(fm.Behavior), fm.Count, fm.MaxUptime-fm.MinUptime, l.rate, fm.MinUptime, idle),
			Evidence:  ev,
			Magnitude: float64(fm.Count) / LeakMinAlive,
			Inferred:  "spawned minus terminated is read from the ages of the family's live members (ergo numbers no spawn history)",
			Next: []Step{
				step("process_children", "the parent's children, to see what they wait for", "parent", fm.Parent, "limit", 20),
				step("process_list", "every process of that behaviour, oldest first", "behavior", fm.Behavior, "sort_by", "uptime", "limit", 20),
				step("diagnose", "confirm the growth over a longer window", "scenario", "leak", "budget_ms", 10000),
			},
		})
	}
	return out
}

func orUnnamed(b string) string {
	if b == "" {
		return "(no behaviour)"
	}
	return b
}
