package tools

import (
	"errors"
	"fmt"
	"time"

	"github.com/ergomcp/ergomcp/internal/catalog"
	"github.com/ergomcp/ergomcp/internal/profiles"
)

// CPU profile durations, in seconds.
const ()

// cpuProfiler is the node's one CPU profiler: runtime/pprof allows a single
// CPU profile per process, so callers take turns and are told when.
var cpuProfiler profiles.CPUProfiler

type pprofCPUArgs struct {
	catalog.Common
	Duration int    `json:"duration,omitempty" arg:"min=1,max=30,default=5"`
	Limit    int    `json:"limit,omitempty" arg:"rule=profile_limit"`
	Filter   string `json:"filter,omitempty"`
	Exclude  string `json:"exclude,omitempty"`
	GroupBy  string `json:"group_by,omitempty" jsonschema:"pid needs -tags=pprof"`
}

func (a *pprofCPUArgs) query() profiles.TopQuery {
	return profiles.TopQuery{Limit: a.Limit, Filter: a.Filter, Exclude: a.Exclude, GroupBy: a.GroupBy}
}

func (a *pprofCPUArgs) Validate() error {
	if a.Duration >= a.Timeout {
		return catalog.Errorf("duration %ds must be shorter than timeout %ds: raise timeout (max %d) or shorten duration",
			a.Duration, a.Timeout, catalog.MaxTimeout)
	}
	q := a.query()
	if err := q.Validate("cpu"); err != nil {
		return catalog.Wrap(err)
	}
	a.Limit, a.GroupBy = q.Limit, q.GroupBy
	return nil
}

func init() {
	register(catalog.Tool{
		Name:  "pprof_cpu",
		Title: "CPU profile",
		Description: "CPU profile over duration seconds: top functions by flat/cum time, or per actor with group_by=pid " +
			"(-tags=pprof). One at a time per node; costs duration seconds.",
		Long:  true,
		Enums: map[string][]any{"group_by": {"function", "pid"}},
	}, toolPprofCPU)
}

func toolPprofCPU(env *Env, args *pprofCPUArgs) (any, error) {
	if args.GroupBy == "pid" && !pprofLabels() {
		return nil, catalog.Errorf("group_by=pid needs goroutines labelled with their pid: build the node with -tags=pprof " +
			"(ergo ≥ 3.2); group_by=function works everywhere")
	}
	total := time.Duration(args.Duration) * time.Second
	p, cancelled, err := cpuProfiler.Profile(env.Ctx, total, func(elapsed, total time.Duration) {
		env.progress(elapsed.Seconds(), total.Seconds(), fmt.Sprintf("profiling CPU: %.0fs of %.0fs", elapsed.Seconds(), total.Seconds()))
	})
	var busy *profiles.BusyError
	switch {
	case errors.As(err, &busy):
		return nil, catalog.Wrap(err)
	case err != nil:
		return nil, fmt.Errorf("cpu profile: %w", err)
	case cancelled:
		return nil, catalog.Errorf("cpu profile cancelled: %v", env.Ctx.Err())
	}
	return profiles.TopCPU(p, args.query()), nil
}
