package tools

import (
	"time"

	"github.com/ergomcp/ergomcp/internal/catalog"
	"github.com/ergomcp/ergomcp/internal/history"
)

type nodeHistoryArgs struct {
	catalog.Common
	Minutes int      `json:"minutes,omitempty" arg:"min=1,max=1440,default=15" jsonschema:"how far back; beyond the full-resolution hour the per-minute points serve"`
	Points  int      `json:"points,omitempty" arg:"min=1,max=1440,default=60" jsonschema:"most values per series: points are merged into equal buckets to fit"`
	Series  []string `json:"series,omitempty" jsonschema:"node-level series to return (default all): processes, spawned, terminated, mailbox_total, goroutines, heap_live, gc_cycles, gc_cpu, sched_latency_p99, log_trace, log_debug, log_info, log_warning, log_error, log_panic"`

	query history.Query
}

// Validate checks the window, the points and the series names.
func (a *nodeHistoryArgs) Validate() error {
	q, err := history.ParseQuery(a.Minutes, a.Points, a.Series, time.Time{})
	if err != nil {
		return catalog.Wrap(err)
	}
	a.query = q
	return nil
}

func init() {
	register(catalog.Tool{
		Name:   "node_history",
		FanOut: true,
		Title:  "The node's recent history and trends",
		Description: "Since when, and how fast? The node's last minutes (default 15, up to 24 h) from the history ergomcp " +
			"keeps from its start (a point every 10 s for 1 h, per minute for 24 h). Series: processes, spawned, terminated, " +
			"mailbox_total, goroutines, heap_live, gc, scheduler latency, log rates; each {Name, Unit, Trend (rising|flat|falling, " +
			"slope per s and per h, since when), Dir, PerSec, PerHour, Since, Last, AgeS, EveryS, Values}. Values[i] covers " +
			"[From + i·StepS, +StepS), null where nothing was measured. Also LogSources, Movers (followed processes' mailboxes), " +
			"Spawners (parent+behaviour of new processes), Gaps (restarted, clock_jump, late), Notes, Cost. Table series are read " +
			"less often on big nodes: see EveryS, AgeS.",
	}, nodeHistory)
}

func nodeHistory(env *Env, args *nodeHistoryArgs) (any, error) {
	if env.Server.History == nil {
		return nil, catalog.Errorf("the node's history is off (Options.DisableHistory): use sample_start to record a tool over time")
	}
	q := args.query
	q.Now = time.Now()
	return env.Server.History.Report(q), nil
}
