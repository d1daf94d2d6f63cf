package diagnose

import (
	"fmt"
	"strings"
	"time"
)

// Need is a set of kinds of data a rule reads.
type Need uint

// Kinds of data a playbook gathers.
const (
	// NeedProcesses: two passes over the process table a window apart,
	// with probes of candidate states and of newborn processes in between.
	NeedProcesses Need = 1 << iota
	// NeedRuntime: Go runtime readings at both ends of the window.
	NeedRuntime
	// NeedHeap: the heap profile, for allocation sites.
	NeedHeap
	// NeedStacks: the goroutine profile, for where busy actors are.
	NeedStacks
	// NeedNetwork: connected and known peers at both ends of the window.
	NeedNetwork
	// NeedEvents: the node's events, with producers and subscribers.
	NeedEvents
	// NeedLogs: the node's log counted by level, source and template.
	NeedLogs
	// NeedGoroutineDump: every goroutine, by stack and creator, at both
	// ends of the window.
	NeedGoroutineDump
)

var allNeeds = []Need{NeedProcesses, NeedRuntime, NeedHeap, NeedStacks, NeedNetwork, NeedEvents, NeedLogs, NeedGoroutineDump}

var needNames = map[Need]string{
	NeedProcesses: "processes", NeedRuntime: "runtime", NeedHeap: "heap_profile",
	NeedStacks: "goroutine_stacks", NeedNetwork: "network", NeedEvents: "events",
	NeedLogs: "logs", NeedGoroutineDump: "goroutine_dump",
}

func (n Need) String() string {
	var parts []string
	for _, x := range allNeeds {
		if n&x != 0 {
			parts = append(parts, needNames[x])
		}
	}
	return strings.Join(parts, "+")
}

// Scenarios are the playbooks diagnose runs; Overview runs every rule.
var Scenarios = []string{Overview, "performance", "leak", "restart_loop", "memory", "network", "events", "stuck"}

// Overview is the scenario that runs every rule.
const Overview = "overview"

// Budget bounds, in milliseconds.
const (
	DefaultBudgetMs = 2000
	MinBudgetMs     = 500
	MaxBudgetMs     = 30000
	// WindowShare is the part of the budget spent in the window; the rest
	// pays for the passes, the profiles and the event scan.
	WindowShare = 0.5
	// MinWindow is the shortest window worth measuring rates over.
	MinWindow = 200 * time.Millisecond
	// ProbeEvery spaces the probes inside the window: short enough to see
	// a child that lives a few hundred milliseconds, and each probe reads
	// only candidates and the table's newest PIDs.
	ProbeEvery = 25 * time.Millisecond
)

// Plan is what a playbook gathers and for how long.
type Plan struct {
	Scenario string
	// Budget is the whole time the playbook may take; Window the part
	// between the two passes.
	Budget, Window time.Duration
	// Gather is every kind of data the scenario's rules read or use when
	// present.
	Gather Need
}

// PlanFor validates scenario and budgetMs (0 means the default) and plans
// the playbook. Out-of-range values are errors, not clamped, so a caller
// learns what was run.
func PlanFor(scenario string, budgetMs int) (Plan, error) {
	if scenario == "" {
		scenario = Overview
	}
	rules, err := RulesFor(scenario)
	if err != nil {
		return Plan{}, err
	}
	switch {
	case budgetMs == 0:
		budgetMs = DefaultBudgetMs
	case budgetMs < MinBudgetMs || budgetMs > MaxBudgetMs:
		return Plan{}, fmt.Errorf("budget_ms must be between %d and %d (0 or omitted means %d), got %d", MinBudgetMs, MaxBudgetMs, DefaultBudgetMs, budgetMs)
	}
	p := Plan{Scenario: scenario, Budget: time.Duration(budgetMs) * time.Millisecond}
	p.Window = max(time.Duration(float64(p.Budget)*WindowShare), MinWindow)
	for _, r := range rules {
		p.Gather |= r.Needs | r.Uses
	}
	return p, nil
}

// RulesFor returns the rules of scenario, in table order; Overview has
// them all. An unknown scenario is an error listing the valid ones.
func RulesFor(scenario string) ([]*Rule, error) {
	if scenario == Overview {
		return Rules, nil
	}
	var out []*Rule
	known := false
	for _, s := range Scenarios {
		known = known || s == scenario
	}
	if !known {
		return nil, fmt.Errorf("scenario %q is not valid; use one of: %s", scenario, strings.Join(Scenarios, ", "))
	}
	for _, r := range Rules {
		for _, s := range r.Scenarios {
			if s == scenario {
				out = append(out, r)
				break
			}
		}
	}
	return out, nil
}

// RuleTable renders Rules as the Markdown table DIAGNOSE.md carries: id,
// scenarios, severity at threshold, data read, and the rule itself.
func RuleTable() string {
	var b strings.Builder
	b.WriteString("| rule | scenarios | severity | reads | fires when |\n|---|---|---|---|---|\n")
	for _, r := range Rules {
		reads := r.Needs.String()
		if r.Uses != 0 {
			reads += " (uses " + r.Uses.String() + ")"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s |\n", r.ID, strings.Join(append([]string{Overview}, r.Scenarios...), ", "),
			r.Severity, reads, strings.ReplaceAll(r.Doc, "|", "\\|"))
	}
	return b.String()
}
