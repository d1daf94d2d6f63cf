package tools

import (
	"time"

	"github.com/ergomcp/ergomcp/internal/diagnose"
	"github.com/ergomcp/ergomcp/internal/history"
)

// diagnosed is diagnose's answer with the history's horizon beside the
// window's findings: a leak of 1/s or a heap growing 2 MB/s is faint in a
// second's window and plain over fifteen minutes.
type diagnosed struct {
	diagnose.Report
	// History cites the trends of the scenario's series over the last
	// History.Minutes (at most history.DiagnoseHorizon); absent when the
	// history is off or has fewer than three points.
	History *history.Horizon `json:",omitempty"`
}

// withHistory adds the history's horizon to rep and cites what rose or
// fell over it in the report's notes.
func withHistory(rt *Runtime, rep diagnose.Report, scenario string) diagnosed {
	out := diagnosed{Report: rep}
	if rt.History == nil {
		return out
	}
	out.History = rt.History.Horizon(scenario, time.Now())
	if out.History != nil {
		out.Notes = append(out.Notes, out.History.Lines...)
	}
	return out
}
