package profiles

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/google/pprof/profile"

	"github.com/ergomcp/ergomcp/internal/catalog"
)

// GoroutineLimitRule bounds pprof_goroutines' limit, declared once (the
// tool's tag takes it with arg:"rule=goroutine_limit"): it caps tool
// output so one call cannot flood an agent's context with thousands of
// stacks.
var GoroutineLimitRule = catalog.DeclareRule("goroutine_limit", "min=1,max=1000,default=50")

// GoroutineQuery selects and shapes the goroutines reported by
// AnalyzeGoroutines.
type GoroutineQuery struct {
	PID     string // only goroutines labelled pid=PID ("" = all)
	Filter  string // keep goroutines whose stack text contains this (substring, case-sensitive)
	Exclude string // drop goroutines whose stack text contains this
	Limit   int    // max groups (debug=1) or goroutines (debug=2) shown; GoroutineLimitRule
	Debug   int    // 1 = grouped by identical stack (with count), 2 = one entry per goroutine; default 1
}

// Validate fills in defaults for zero fields and rejects values the tool
// cannot honour, with messages an agent can act on.
func (q *GoroutineQuery) Validate() error {
	if err := checkLimit(&q.Limit, GoroutineLimitRule); err != nil {
		return err
	}
	switch q.Debug {
	case 0:
		q.Debug = 1
	case 1, 2:
	default:
		return fmt.Errorf("debug must be 1 (grouped by identical stack) or 2 (one entry per goroutine), got %d", q.Debug)
	}
	return nil
}

// GoroutineReport is the outcome of AnalyzeGoroutines. Total, Matched and
// Shown all count goroutines (not groups) so they compare across debug
// levels.
type GoroutineReport struct {
	Total   int // goroutines in the profile
	Matched int // goroutines passing PID, Filter and Exclude
	Shown   int // goroutines printed in Text
	// Groups and GroupsShown count distinct stacks at debug=1, where limit
	// counts groups, not goroutines: limit=1 may show thousands of
	// goroutines that share one stack.
	Groups, GroupsShown int    `json:",omitempty"`
	LimitCounts         string // what limit counted: "stack groups" (debug=1) or "goroutines" (debug=2)
	Text                string // header line "total N, matched M, showing K", notes, then stacks
}

// goroutineGroup is the set of goroutines sharing one stack and label set,
// which is exactly what one proto sample describes.
type goroutineGroup struct {
	count  int
	stack  string // "func\n\tfile:line\n" per frame, leaf first
	labels string
}

// AnalyzeGoroutines filters and renders a goroutine profile captured by
// Goroutines. It never fails: a query matching nothing yields a report with
// Matched 0 and a note explaining the likely reason. Callers should
// Validate q first to report bad input; here zero or out-of-range Limit and
// Debug silently take their defaults.
func AnalyzeGoroutines(p *profile.Profile, q GoroutineQuery) GoroutineReport {
	if GoroutineLimitRule.Check("limit", float64(q.Limit)) != nil {
		q.Limit = GoroutineLimitRule.DefaultInt()
	}
	if q.Debug != 2 {
		q.Debug = 1
	}
	var rep GoroutineReport
	byKey := map[string]*goroutineGroup{}
	for _, s := range p.Sample {
		n := sampleCount(s)
		rep.Total += n
		if q.PID != "" && !slices.Contains(s.Label["pid"], q.PID) {
			continue
		}
		stack := renderStack(stackFrames(s))
		if !keep(stack, q.Filter, q.Exclude) {
			continue
		}
		rep.Matched += n
		labels := formatLabels(s)
		// The runtime already merges identical stack+labels into one
		// sample; merging again keeps us correct for merged profiles.
		key := stack + "\x00" + labels
		if g := byKey[key]; g != nil {
			g.count += n
		} else {
			byKey[key] = &goroutineGroup{count: n, stack: stack, labels: labels}
		}
	}
	groups := make([]*goroutineGroup, 0, len(byKey))
	for _, g := range byKey {
		groups = append(groups, g)
	}
	sort.Slice(groups, func(i, j int) bool {
		a, b := groups[i], groups[j]
		if a.count != b.count {
			return a.count > b.count
		}
		if a.stack != b.stack {
			return a.stack < b.stack
		}
		return a.labels < b.labels
	})

	var body strings.Builder
	var header string
	if q.Debug == 2 {
		rep.Shown, rep.LimitCounts = writeGoroutines(&body, groups, q.Limit), "goroutines"
		header = fmt.Sprintf("total %d, matched %d, showing %d", rep.Total, rep.Matched, rep.Shown)
		header += "\nnote: goroutine states, wait times and IDs are not available from the labelled profile; #N numbers entries of this listing only"
		if rep.Shown < rep.Matched {
			header += fmt.Sprintf("\nnote: %d more goroutines not shown; raise limit or narrow filter", rep.Matched-rep.Shown)
		}
	} else {
		shownGroups := min(len(groups), q.Limit)
		rep.Shown = writeGroups(&body, groups[:shownGroups])
		rep.Groups, rep.GroupsShown, rep.LimitCounts = len(groups), shownGroups, "stack groups"
		header = fmt.Sprintf("total %d, matched %d, showing %d (%d of %d groups)",
			rep.Total, rep.Matched, rep.Shown, shownGroups, len(groups))
		if shownGroups < len(groups) {
			header += fmt.Sprintf("\nnote: %d more groups (%d goroutines) not shown: at debug=1 limit=%d counts stack groups, not goroutines; raise limit or narrow filter",
				len(groups)-shownGroups, rep.Matched-rep.Shown, q.Limit)
		}
	}
	if note := emptyPIDNote(p, q.PID, rep.Matched); note != "" {
		header += "\n" + note
	}
	rep.Text = header + "\n" + body.String()
	return rep
}

// emptyPIDNote explains a PID query that matched nothing, because an agent
// would otherwise read "matched 0" as "the actor does not exist".
func emptyPIDNote(p *profile.Profile, pid string, matched int) string {
	switch {
	case pid == "" || matched > 0:
		return ""
	case !HasLabel(p, "pid"):
		return "note: no goroutine carries a pid label; the node must be built with -tags=pprof (ergo >= 3.2) for pid queries"
	default:
		return fmt.Sprintf("note: no goroutine labelled pid=%s (a sleeping actor has no goroutine; also check the PID form, e.g. <9F2C1A3B.0.1005>)", pid)
	}
}

// writeGroups prints one block per group, like runtime/pprof debug=1, and
// returns the number of goroutines the blocks cover.
func writeGroups(w *strings.Builder, groups []*goroutineGroup) int {
	shown := 0
	for _, g := range groups {
		noun := "goroutines"
		if g.count == 1 {
			noun = "goroutine"
		}
		fmt.Fprintf(w, "\n%d %s%s:\n%s", g.count, noun, labelSuffix(g.labels), g.stack)
		shown += g.count
	}
	return shown
}

// writeGoroutines expands groups into one block per goroutine, like
// runtime/pprof debug=2 minus the state, and returns how many it printed.
func writeGoroutines(w *strings.Builder, groups []*goroutineGroup, limit int) int {
	shown := 0
	for _, g := range groups {
		for range g.count {
			if shown == limit {
				return shown
			}
			shown++
			fmt.Fprintf(w, "\ngoroutine #%d%s:\n%s", shown, labelSuffix(g.labels), g.stack)
		}
	}
	return shown
}

func labelSuffix(labels string) string {
	if labels == "" {
		return ""
	}
	return " " + labels
}

// renderStack prints frames the way runtime tracebacks do: the function on
// one line, its file:line indented below. The same text is what Filter and
// Exclude search, so whatever an agent sees it can filter on.
func renderStack(frames []frame) string {
	var b strings.Builder
	for _, f := range frames {
		b.WriteString(f.Func)
		if f.File != "" {
			fmt.Fprintf(&b, "\n\t%s:%d", f.File, f.Line)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// sampleCount is the number of goroutines a goroutine-profile sample
// stands for.
func sampleCount(s *profile.Sample) int {
	if len(s.Value) == 0 {
		return 0
	}
	return int(s.Value[0])
}
