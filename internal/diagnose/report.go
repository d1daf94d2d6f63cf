package diagnose

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
)

// Severity ranks findings; larger is worse.
type Severity int

// Severities, mildest first.
const (
	Info Severity = iota
	Low
	Medium
	High
	Critical
)

var severityNames = [...]string{"info", "low", "medium", "high", "critical"}

func (s Severity) String() string {
	if s < Info || s > Critical {
		return fmt.Sprintf("severity#%d", int(s))
	}
	return severityNames[s]
}

// MarshalText writes the severity's name, so reports say "high", not 3.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// MaxEvidence bounds every list of evidence in a finding: the report points
// at the worst cases, and the tools in Next show the rest.
const MaxEvidence = 10

// Finding is one conclusion with what supports it.
type Finding struct {
	Severity Severity
	// Rule is the id of the rule that fired (see Rules and DIAGNOSE.md).
	Rule string
	// Conclusion is one line an operator can act on.
	Conclusion string
	// Inferred says which part of the conclusion is inferred rather than
	// read from ergo, and from what; empty when everything was measured.
	Inferred string `json:",omitempty"`
	Evidence Evidence
	// Next are the tool calls that show the raw evidence or dig further.
	Next []Step
	// Magnitude orders findings of one severity: the rule's main measure
	// over its threshold, so 2 means "twice what fires the rule".
	Magnitude float64
}

// Evidence is what a finding rests on; every list holds at most
// MaxEvidence entries, and Total says how many there were.
type Evidence struct {
	Processes []ProcEvidence  `json:",omitempty"`
	Groups    []Group         `json:",omitempty"`
	Metrics   []Metric        `json:",omitempty"`
	Peers     []Peer          `json:",omitempty"`
	Events    []EventEvidence `json:",omitempty"`
	// Sites are allocation sites or goroutine stacks, one line each.
	Sites []string `json:",omitempty"`
	// Total counts the cases the rule matched, of which the lists show the
	// worst; 0 when the lists are complete.
	Total int `json:",omitempty"`
}

// ProcEvidence is one process named by a finding, with the numbers the
// rule read.
type ProcEvidence struct {
	PID         string
	Name        string `json:",omitempty"`
	Behavior    string `json:",omitempty"`
	Application string `json:",omitempty"`
	Parent      string `json:",omitempty"`
	State       string `json:",omitempty"`
	Uptime      int64
	// Role says what the process is in the finding (for example "waiting
	// caller", "suspected callee", "supervisor").
	Role    string   `json:",omitempty"`
	Metrics []Metric `json:",omitempty"`
}

// Metric is one number; Before and After are set where a window was used.
type Metric struct {
	Name   string
	Value  float64
	Before *float64 `json:",omitempty"`
	After  *float64 `json:",omitempty"`
	Unit   string   `json:",omitempty"`
}

// EventEvidence is one event named by a finding.
type EventEvidence struct {
	Name        string
	Producer    string `json:",omitempty"`
	Subscribers int64
	// Published is the count during the window, -1 where not counted.
	Published int64
}

// Step is one tool call to make next.
type Step struct {
	Tool string
	Args map[string]any `json:",omitempty"`
	Why  string
}

// Report is what Run returns and the diagnose tool prints.
type Report struct {
	Scenario string
	// WindowMs is the window the process and runtime measures cover.
	WindowMs int64
	// Summary is one line: how many findings of which severity.
	Summary  string
	Findings []Finding
	// Checked lists the rules that ran; NotChecked the rules of the
	// scenario that could not run, with the reason (missing data).
	Checked    []string
	NotChecked map[string]string `json:",omitempty"`
	// Facts summarises what was gathered.
	Facts FactsSummary
	Notes []string `json:",omitempty"`
}

// FactsSummary is the size of what a playbook looked at.
type FactsSummary struct {
	ProcessesBefore, ProcessesAfter int
	Born, BornUnseen, Died          int
	Probes                          int
	Candidates                      int
	Peers, Events                   int
}

// Run applies the rules of scenario to f and ranks what fired: severity
// first, then magnitude, then rule id. A rule whose data f lacks is listed
// in NotChecked, never reported clean. An unknown scenario is an error.
func Run(f *Facts, scenario string) (Report, error) {
	rules, err := RulesFor(scenario)
	if err != nil {
		return Report{}, err
	}
	rep := Report{
		Scenario: scenario,
		WindowMs: f.Window.Milliseconds(),
		Facts: FactsSummary{
			ProcessesBefore: f.ProcsBefore, ProcessesAfter: f.ProcsAfter,
			Born: f.Born, BornUnseen: f.BornUnseen, Died: f.Died, Probes: f.Probes,
			Candidates: len(f.Procs), Peers: len(f.Peers), Events: len(f.Events),
		},
		Notes:    f.Notes,
		Findings: []Finding{},
	}
	for _, r := range rules {
		if why := f.missing(r.Needs); why != "" {
			if rep.NotChecked == nil {
				rep.NotChecked = map[string]string{}
			}
			rep.NotChecked[r.ID] = why
			continue
		}
		if r.Unknown != nil {
			if why := r.Unknown(f); why != "" {
				if rep.NotChecked == nil {
					rep.NotChecked = map[string]string{}
				}
				rep.NotChecked[r.ID] = why
				continue
			}
		}
		rep.Checked = append(rep.Checked, r.ID)
		for _, fd := range r.Check(f) {
			fd.Rule = r.ID
			if len(fd.Next) == 0 || fd.Evidence.empty() {
				// No finding without evidence and a way to see it: a rule
				// that produced one has a bug, and an unsupported claim
				// would mislead more than silence.
				continue
			}
			fd.Magnitude = clean(fd.Magnitude)
			rep.Findings = append(rep.Findings, fd)
		}
	}
	slices.SortStableFunc(rep.Findings, func(a, b Finding) int {
		if c := cmp.Compare(b.Severity, a.Severity); c != 0 {
			return c
		}
		if c := cmp.Compare(b.Magnitude, a.Magnitude); c != 0 {
			return c
		}
		return strings.Compare(a.Rule, b.Rule)
	})
	rep.Summary = summary(rep.Findings)
	return rep, nil
}

// missing names why data of needs is absent, "" when everything is there.
func (f *Facts) missing(needs Need) string {
	var why []string
	for _, n := range allNeeds {
		if needs&n != 0 {
			if w, ok := f.Missing[n]; ok {
				why = append(why, n.String()+": "+w)
			}
		}
	}
	return strings.Join(why, "; ")
}

func (e *Evidence) empty() bool {
	return len(e.Processes) == 0 && len(e.Groups) == 0 && len(e.Metrics) == 0 && len(e.Peers) == 0 &&
		len(e.Events) == 0 && len(e.Sites) == 0
}

func summary(fs []Finding) string {
	if len(fs) == 0 {
		return "no findings"
	}
	counts := map[Severity]int{}
	for _, f := range fs {
		counts[f.Severity]++
	}
	var parts []string
	for s := Critical; s >= Info; s-- {
		if n := counts[s]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, s))
		}
	}
	return fmt.Sprintf("%d findings (%s); worst: %s", len(fs), strings.Join(parts, ", "), fs[0].Conclusion)
}

// clean keeps JSON encodable and short: no infinities, three decimals.
func clean(f float64) float64 {
	switch {
	case math.IsNaN(f):
		return 0
	case math.IsInf(f, 1):
		return math.MaxFloat32
	case math.IsInf(f, -1):
		return -math.MaxFloat32
	}
	return math.Round(f*1000) / 1000
}

// metric is a plain Metric.
func metric(name string, v float64, unit string) Metric {
	return Metric{Name: name, Value: clean(v), Unit: unit}
}

// windowed is a Metric with the readings at both ends of the window; v is
// what the rule compared (a rate, a share, a change).
func windowed(name string, v, before, after float64, unit string) Metric {
	b, a := clean(before), clean(after)
	return Metric{Name: name, Value: clean(v), Before: &b, After: &a, Unit: unit}
}
