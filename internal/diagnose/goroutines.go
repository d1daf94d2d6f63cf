package diagnose

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// owner is the behaviour (and a few of its processes) whose method fn is.
func owner(f *Facts, fn string) *Behavior {
	for i := range f.Behaviors {
		if ownsFrame(fn, f.Behaviors[i].Behavior) {
			return &f.Behaviors[i]
		}
	}
	return nil
}

// runningStates are the goroutine states of a goroutine that is not parked.
var runningStates = []string{"running", "runnable", "syscall"}

func goroutineLeak(f *Facts) []Finding {
	type hit struct {
		g     *GoGroup
		owner *Behavior
		rate  float64
	}
	var hits []hit
	for i := range f.GoGroups {
		g := &f.GoGroups[i]
		if g.Count < GoLeakMinGroup || g.Count <= g.CountBefore || slices.Contains(runningStates, g.State) ||
			strings.HasPrefix(g.CreatedBy, "runtime.") || g.CreatedBy == "" {
			continue
		}
		hits = append(hits, hit{g: g, owner: owner(f, g.CreatedBy), rate: float64(g.Count-g.CountBefore) / f.seconds()})
	}
	if len(hits) == 0 {
		return nil
	}
	// Largest growth first, then largest group: a node's idle pools (HTTP
	// keep-alive connections, say) hold large groups that move by one or
	// two, and must not crowd a leak out of the three kept.
	slices.SortFunc(hits, func(a, b hit) int {
		return cmp.Or(cmp.Compare(b.g.Count-b.g.CountBefore, a.g.Count-a.g.CountBefore), cmp.Compare(b.g.Count, a.g.Count))
	})
	var out []Finding
	for _, h := range firstN(hits, 3) {
		g := h.g
		ev := Evidence{
			Metrics: []Metric{
				windowed("Goroutines", float64(g.Count-g.CountBefore), float64(g.CountBefore), float64(g.Count), "goroutines with this stack and creator"),
				metric("GrowthRate", h.rate, "goroutines/s"),
			},
			Sites: []string{fmt.Sprintf("%d× [%s] %s, created by %s", g.Count, g.State, strings.Join(firstN(g.Funcs, 6), " < "), g.CreatedBy)},
		}
		if f.Runtime != nil {
			b, a := f.Runtime.Before.Goroutines, f.Runtime.After.Goroutines
			ev.Metrics = append(ev.Metrics, windowed("NodeGoroutines", float64(a)-float64(b), float64(b), float64(a), "goroutines in the Go runtime"))
		}
		ev.Metrics = append(ev.Metrics, windowed("Processes", float64(f.ProcsAfter-f.ProcsBefore), float64(f.ProcsBefore), float64(f.ProcsAfter), "processes on the node"))
		sev := Low
		who := "code outside any actor on this node"
		var next []Step
		if h.owner != nil {
			sev = Medium
			if g.Count >= GoLeakHigh {
				sev = High
			}
			who = h.owner.Behavior
			ev.Processes, next = ownerEvidence(f, h.owner, "its behaviour's callback starts them", "the process whose callback starts them")
		}
		next = append(next, step("pprof_goroutines", "the leaked goroutines with their creator", "filter", g.CreatedBy, "debug", 2))
		out = append(out, Finding{
			Severity: sev,
			Conclusion: fmt.Sprintf("%d goroutines parked in %s (%s), %+d in %.1fs, started by %s (%s)",
				g.Count, (&Stack{Funcs: g.Funcs}).where(), g.State, g.Count-g.CountBefore, f.seconds(), g.CreatedBy, who),
			Evidence:  ev,
			Magnitude: float64(g.Count) / GoLeakMinGroup,
			Inferred:  "goroutines are tied to an actor by the behaviour whose method the `created by` frame is (goroutine dumps carry no pid)",
			Next:      next,
		})
	}
	return out
}
