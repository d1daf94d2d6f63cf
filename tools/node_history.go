package tools

import (
	"time"

	"github.com/ergomcp/ergomcp/internal/history"
	"github.com/ergomcp/ergomcp/tools/catalog"
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
		return catalog.Errorf("%v", err)
	}
	a.query = q
	return nil
}

func init() {
	register(catalog.Tool{
		Name:   "node_history",
		FanOut: true,
		Title:  "The node's recent history and trends",
		Description: "What the node did over the last minutes (default 15, up to 24 h), from the history ergomcp keeps from " +
			"the moment it starts (a point every 10 s for the last hour, per-minute points for 24 h; Options.HistoryInterval and " +
			"friends): answers \"since when, and how fast?\". Shape: From, StepS, Buckets; Series is a list of {Name, Unit, " +
			"Trend (one line: rising|flat|falling first→last, slope per s and per h, since when), Dir, PerSec, PerHour, Since, " +
			"Last, AgeS (age of the newest reading), EveryS (how often it was read), Values}; Values[i] covers [From + i·StepS, " +
			"From + (i+1)·StepS), null where nothing was measured (before the history began, or a gap) — draw them as they " +
			"are. Series: processes, mailbox_total (from the process table, read less often as the table grows: see " +
			"TableEveryS and EveryS), spawned and terminated per second (spawned from the highest PID seen alive, so " +
			"processes born and ended between two scans count once a later one is seen), goroutines, heap_live (MiB, live " +
			"heap after the last GC), gc_cycles per s, gc_cpu (percent of CPU), sched_latency_p99 (ms, within each point), " +
			"log_<level> per s. LogSources: the top log sources (process name, else behaviour) in the window. Movers: up to 8 " +
			"processes followed for their mailbox and traffic (MailboxLast, MailboxMax, MailboxTrend, InPerS, OutPerS). Spawners: " +
			"parent+behaviour groups whose new processes were seen alive (Seen, PerMin) — a restart loop is a steady group " +
			"with processes flat, a leak one with processes rising. Gaps: restarted (the collector restarted), clock_jump, " +
			"late (points missing); Notes say what the window lacks. Never stops the world.",
	}, nodeHistory)
}

func nodeHistory(env *Env, args *nodeHistoryArgs) (any, error) {
	if env.RT.History == nil {
		return nil, catalog.Errorf("the node's history is off (Options.DisableHistory): use sample_start to record a tool over time")
	}
	q := args.query
	q.Now = time.Now()
	return env.RT.History.Report(q), nil
}
