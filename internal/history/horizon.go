package history

import (
	"encoding/json"
	"fmt"
	"math"
	"time"
)

// DiagnoseHorizon is how far back diagnose looks in the history: long
// enough that a leak of 1/s or a heap growing 2 MB/s is plain, while
// diagnose's own window is a second or two.
const DiagnoseHorizon = 15 * time.Minute

// scenarioSeries are the series each diagnose playbook reads over the
// longer horizon; overview reads them all.
var scenarioSeries = map[string][]Series{
	"leak":         {Processes, Spawned, Terminated, Goroutines},
	"restart_loop": {Terminated, Spawned, LogError},
	"memory":       {HeapLive, GCCPU, GCCycles, Goroutines},
	"performance":  {MailboxSum, SchedP99, GCCPU, Goroutines},
	"stuck":        {MailboxSum},
	"network":      {LogWarning, LogError},
	"events":       {LogWarning, LogError},
}

var overviewSeries = []Series{Processes, Spawned, Terminated, Goroutines, HeapLive, GCCPU, MailboxSum, SchedP99, LogWarning, LogError, LogPanic}

// Horizon is the history as diagnose cites it: the trends of a
// scenario's series over a horizon longer than its window.
type Horizon struct {
	// Minutes is the horizon actually covered: the history may be younger
	// than DiagnoseHorizon.
	Minutes Num
	From    time.Time
	Trends  []HorizonTrend
	// Movers is the followed process whose mailbox grew most, when one did.
	Movers []MoverReport `json:",omitempty"`
	// Spawners are the groups that spawned most (leak, restart_loop).
	Spawners []GroupReport `json:",omitempty"`
	// Lines cite what rose or fell, one line each: what diagnose adds to
	// its notes.
	Lines []string
}

// HorizonTrend is one series' trend over the horizon.
type HorizonTrend struct {
	Series string
	Unit   string
	Trend  string
	Dir    string
	PerSec Num
	Since  time.Time `json:",omitzero"`
}

// Horizon reads the trends diagnose's scenario can use (Overview: "" or
// "overview") over DiagnoseHorizon before now. It returns nil before the
// history has three points: then there is no trend to cite.
func (s *Store) Horizon(scenario string, now time.Time) *Horizon {
	series, ok := scenarioSeries[scenario]
	if !ok {
		series = overviewSeries
	}
	r := s.Report(Query{Window: DiagnoseHorizon, MaxPoints: 1, Series: series, Now: now})
	start := r.From
	if r.HistoryStart.After(start) {
		start = r.HistoryStart
	}
	h := &Horizon{Minutes: Num(math.Round(now.Sub(start).Minutes()*10) / 10), From: start}
	enough := false
	for _, sr := range r.Series {
		h.Trends = append(h.Trends, HorizonTrend{Series: sr.Name, Unit: sr.Unit, Trend: sr.Trend, Dir: sr.Dir, PerSec: sr.PerSec, Since: sr.Since})
		if sr.Dir != Unknown {
			enough = true
		}
		if sr.Dir == Rising || sr.Dir == Falling {
			h.Lines = append(h.Lines, fmt.Sprintf("history (%s min): %s %s", h.Minutes, sr.Name, sr.Trend))
		}
	}
	if !enough {
		return nil
	}
	if scenario == "performance" || scenario == "stuck" || !ok {
		for _, m := range r.Movers {
			if m.MailboxMax > 0 && len(h.Movers) < 3 {
				h.Movers = append(h.Movers, m)
			}
		}
	}
	if scenario == "leak" || scenario == "restart_loop" || !ok {
		h.Spawners = r.Spawners[:min(len(r.Spawners), 3)]
	}
	return h
}

// MarshalJSON writes h as Report.MarshalJSON does.
func (h Horizon) MarshalJSON() ([]byte, error) {
	type plain Horizon
	return json.Marshal(plain(h))
}
