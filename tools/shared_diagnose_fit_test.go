package tools

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ergomcp/ergomcp/internal/diagnose"
	"github.com/ergomcp/ergomcp/internal/record"
)

// A node with many faults at once must still get an answer: the report is
// cut to the budget, worst first, and says what it cut.
func TestFitReportToBudget(t *testing.T) {
	big := func(findings, procs int) *diagnose.Report {
		rep := &diagnose.Report{Scenario: "overview", Summary: "many"}
		for i := range findings {
			f := diagnose.Finding{Severity: diagnose.High, Rule: fmt.Sprintf("rule_%d", i), Conclusion: strings.Repeat("c", 200)}
			for j := range procs {
				f.Evidence.Processes = append(f.Evidence.Processes, diagnose.ProcEvidence{PID: fmt.Sprintf("<1.0.%d>", j), Role: strings.Repeat("r", 100)})
			}
			for range 5 {
				f.Next = append(f.Next, diagnose.Step{Tool: "process_info", Why: strings.Repeat("w", 50)})
			}
			rep.Findings = append(rep.Findings, f)
		}
		return rep
	}
	size := func(v any) int {
		b, err := record.AppendValue(nil, v)
		if err != nil {
			t.Fatal(err)
		}
		return len(b)
	}
	small := big(2, 2)
	if before := size(small); size(fitReport(small, 32000)) != before || len(small.Notes) != 0 {
		t.Fatalf("a report that fits was changed: %+v", small.Notes)
	}

	rep := big(12, 10)
	out := fitReport(rep, 6000).(*diagnose.Report)
	if n := size(out); n > 6000 {
		t.Fatalf("fitted report is %d bytes, over 6000", n)
	}
	if len(out.Findings) == 0 || out.Findings[0].Rule != "rule_0" {
		t.Fatalf("the worst finding must stay first: %+v", out.Findings)
	}
	f := out.Findings[0]
	if len(f.Evidence.Processes) != fitEvidence || f.Evidence.Total != 10 || len(f.Next) != 2 {
		t.Errorf("evidence not cut to the worst %d with the total: %d procs, total %d, next %d",
			fitEvidence, len(f.Evidence.Processes), f.Evidence.Total, len(f.Next))
	}
	notes := strings.Join(out.Notes, "\n")
	if len(out.Findings) < 12 && !strings.Contains(notes, "rule_11 (high)") {
		t.Errorf("left-out findings not named: %s", notes)
	}
	if !strings.Contains(notes, "evidence cut") {
		t.Errorf("the evidence cut is not said: %s", notes)
	}
}
