package tools

import (
	"github.com/ergomcp/ergomcp/internal/ident"
	"github.com/ergomcp/ergomcp/internal/profiles"
	"github.com/ergomcp/ergomcp/tools/catalog"
)

type pprofGoroutinesArgs struct {
	catalog.Common
	PID     string `json:"pid,omitempty" jsonschema:"only goroutines labelled with this process ID (needs the node built with -tags=pprof, ergo ≥ 3.2)"`
	Filter  string `json:"filter,omitempty" jsonschema:"keep goroutines whose stack text (function names, file:line) contains this"`
	Exclude string `json:"exclude,omitempty" jsonschema:"drop goroutines whose stack text contains this; exclude=toolPprof hides this tool's own goroutine"`
	Limit   int    `json:"limit,omitempty" jsonschema:"most stacks shown (default 50, max 1000)"`
	Debug   int    `json:"debug,omitempty" jsonschema:"1 (default): identical stacks grouped with a count; 2: one entry per goroutine"`
}

func (a *pprofGoroutinesArgs) query() profiles.GoroutineQuery {
	return profiles.GoroutineQuery{PID: a.PID, Filter: a.Filter, Exclude: a.Exclude, Limit: a.Limit, Debug: a.Debug}
}

func (a *pprofGoroutinesArgs) Validate() error {
	if a.PID != "" {
		p, err := ident.ParsePID(a.PID)
		if err != nil {
			return catalog.Errorf("%v", err)
		}
		a.PID = p.String() // the label holds ergo's spelling
	}
	q := a.query()
	if err := q.Validate(); err != nil {
		return catalog.Errorf("%v", err)
	}
	a.Limit, a.Debug = q.Limit, q.Debug
	return nil
}

func init() {
	register(catalog.Tool{
		Name:  "pprof_goroutines",
		Title: "Goroutine stacks",
		Description: "Goroutine stacks of the node from the labelled goroutine profile, with the header " +
			"'total N, matched M, showing K'. With pid: the goroutines of that process (its pprof label; needs the node " +
			"built with -tags=pprof on ergo ≥ 3.2). A sleeping process has no goroutine: then the result is an error " +
			"that says so; poll until it wakes with sample_start tool=pprof_goroutines arguments={\"pid\":\"<PID>\"} " +
			"interval_ms=300 count=1 max_errors=0 duration_sec=30 (where samplers are available). This tool's own " +
			"goroutine contains toolPprof: pass exclude=toolPprof to hide it.",
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
