package tools

import (
	"fmt"
	"strings"

	"github.com/ergomcp/ergomcp/internal/diagnose"
	"github.com/ergomcp/ergomcp/internal/record"
)

// fitEvidence is how many entries of each evidence list a finding keeps
// when the whole report does not fit the response budget.
const fitEvidence = 3

// fitReport makes diagnose's answer fit budget: a node with many faults at
// once gave more than an agent's answer may hold, and an over-budget answer
// is refused whole. It first keeps the worst few entries of each finding's
// evidence and next steps, then leaves out the history's series (its lines
// stay in the notes), then the lowest-ranked findings, and says each cut.
func fitReport(v any, budget int) any {
	fits := func(v any) bool {
		b, err := record.AppendValue(nil, v)
		return err == nil && len(b) <= budget
	}
	if fits(v) {
		return v
	}
	rep, hist := reportOf(v)
	if rep == nil {
		return v
	}
	for i := range rep.Findings {
		trimFinding(&rep.Findings[i])
	}
	rep.Notes = append(rep.Notes, fmt.Sprintf("evidence cut to the worst %d entries of each list to fit the response budget (%d bytes); Evidence.Total says how many there were, and each finding's Next calls show the rest", fitEvidence, budget))
	if fits(v) {
		return v
	}
	if hist != nil && hist.History != nil {
		hist.History = nil
		rep.Notes = append(rep.Notes, "the history's series left out to fit the response budget: node_history shows them")
		if fits(v) {
			return v
		}
	}
	var dropped []string
	for len(rep.Findings) > 1 && !fits(v) {
		last := rep.Findings[len(rep.Findings)-1]
		dropped = append(dropped, fmt.Sprintf("%s (%s)", last.Rule, last.Severity))
		rep.Findings = rep.Findings[:len(rep.Findings)-1]
		rep.Notes = dropNote(rep.Notes, dropped, rep.Scenario)
	}
	return v
}

// reportOf finds the report inside diagnose's answer.
func reportOf(v any) (*diagnose.Report, *diagnosed) {
	switch r := v.(type) {
	case *diagnose.Report:
		return r, nil
	case *diagnosed:
		return &r.Report, r
	}
	return nil, nil
}

func trimFinding(f *diagnose.Finding) {
	e := &f.Evidence
	most := max(len(e.Processes), len(e.Groups), len(e.Metrics), len(e.Peers), len(e.Events), len(e.Sites))
	if most > fitEvidence && e.Total == 0 {
		e.Total = most
	}
	e.Processes = e.Processes[:min(len(e.Processes), fitEvidence)]
	e.Groups = e.Groups[:min(len(e.Groups), fitEvidence)]
	e.Peers = e.Peers[:min(len(e.Peers), fitEvidence)]
	e.Events = e.Events[:min(len(e.Events), fitEvidence)]
	e.Sites = e.Sites[:min(len(e.Sites), fitEvidence)]
	f.Next = f.Next[:min(len(f.Next), 2)]
}

// dropNote replaces the note on left-out findings with one naming them all.
func dropNote(notes, dropped []string, scenario string) []string {
	const prefix = "left out to fit the response budget, lowest ranked first: "
	out := notes[:0]
	for _, n := range notes {
		if !strings.HasPrefix(n, prefix) {
			out = append(out, n)
		}
	}
	return append(out, prefix+strings.Join(dropped, ", ")+
		fmt.Sprintf("; call diagnose with a narrower scenario than %q to see them", scenario))
}
