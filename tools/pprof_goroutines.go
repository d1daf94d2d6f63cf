package tools

import (
	"github.com/ergomcp/ergomcp/internal/catalog"
	"github.com/ergomcp/ergomcp/internal/ident"
	"github.com/ergomcp/ergomcp/internal/profiles"
)

type pprofGoroutinesArgs struct {
	catalog.Common
	PID     string `json:"pid,omitempty" jsonschema:"needs -tags=pprof, ergo ≥ 3.2"`
	Filter  string `json:"filter,omitempty" jsonschema:"substring of the stack text to keep"`
	Exclude string `json:"exclude,omitempty" jsonschema:"substring of the stack text to drop"`
	Limit   int    `json:"limit,omitempty" arg:"rule=goroutine_limit" jsonschema:"stack groups (debug=1) or goroutines (debug=2) shown"`
	Debug   int    `json:"debug,omitempty" arg:"min=1,max=2,default=1" jsonschema:"1: identical stacks grouped; 2: one per goroutine"`
}

func (a *pprofGoroutinesArgs) query() profiles.GoroutineQuery {
	return profiles.GoroutineQuery{PID: a.PID, Filter: a.Filter, Exclude: a.Exclude, Limit: a.Limit, Debug: a.Debug}
}

func (a *pprofGoroutinesArgs) Validate() error {
	if a.PID != "" {
		p, err := ident.ParsePID(a.PID)
		if err != nil {
			return catalog.Wrap(err)
		}
		a.PID = p.String() // the label holds ergo's spelling
	}
	q := a.query()
	if err := q.Validate(); err != nil {
		return catalog.Wrap(err)
	}
	a.Limit, a.Debug = q.Limit, q.Debug
	return nil
}

func init() {
	register(catalog.Tool{
		Name:  "pprof_goroutines",
		Title: "Goroutine stacks",
		Description: "Goroutine stacks, header 'total N, matched M, showing K'. pid: that process's goroutines (-tags=pprof, ergo ≥ " +
			"3.2); a sleeping process has none, catch it waking with sample_start tool=pprof_goroutines " +
			"arguments={\"pid\":\"<PID>\"} interval_ms=300 count=1 max_errors=0 duration_sec=30. exclude=toolPprof hides this " +
			"tool's own goroutine.",
	}, toolPprofGoroutines)
}

// toolPprofGoroutines is named so that its frame in the profile it takes
// matches the exclude=toolPprof that agents habitually pass.
func toolPprofGoroutines(env *Env, args *pprofGoroutinesArgs) (any, error) {
	if args.PID != "" {
		if err := env.checkLabelledPID(args.PID); err != nil {
			return nil, err
		}
	}
	p, err := profiles.Goroutines()
	if err != nil {
		return nil, err
	}
	report := profiles.AnalyzeGoroutines(p, args.query())
	if args.PID != "" && report.Matched == 0 {
		return nil, catalog.Errorf("process %s has no goroutine right now: it is probably asleep (a sleeping process has none; "+
			"only running or waiting processes do). To catch it when it wakes, poll: sample_start tool=pprof_goroutines "+
			"arguments={\"pid\":%q} interval_ms=300 count=1 max_errors=0 duration_sec=30", args.PID, args.PID)
	}
	return report, nil
}

// checkLabelledPID makes sure a pid filter can match: the process is local
// and alive, and this node labels actor goroutines at all.
func (e *Env) checkLabelledPID(pidText string) error {
	pid, err := e.resolve(Target{PID: pidText})
	if err != nil {
		return err
	}
	if _, err := e.Node().ProcessState(pid); err != nil {
		return processError(e, pid, err)
	}
	if !pprofLabels() {
		return catalog.Errorf("goroutines of this node carry no pid label, so they cannot be matched to %s: build the node with "+
			"-tags=pprof (ergo ≥ 3.2). Meanwhile use process_info or process_inspect for the process, or filter=<function name>", pid)
	}
	return nil
}
