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
	History *history.Horizon
}

// withHistory adds the history's horizon to rep and cites what rose or
// fell over it in the report's notes; without a horizon it is rep as is.
func withHistory(rt *Server, rep diagnose.Report, scenario string) any {
	if rt.History == nil {
		return &rep
	}
	h := rt.History.Horizon(scenario, time.Now())
	if h == nil {
		return &rep
	}
	out := &diagnosed{Report: rep, History: h}
	out.Notes = append(out.Notes, h.Lines...)
	return out
}
