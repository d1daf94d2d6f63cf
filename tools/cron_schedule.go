package tools

import (
	"encoding/json"
	"slices"
	"time"

	"ergo.services/ergo/gen"

	"github.com/ergomcp/ergomcp/internal/cronwin"
	"github.com/ergomcp/ergomcp/internal/record"
	"github.com/ergomcp/ergomcp/internal/result"
	"github.com/ergomcp/ergomcp/tools/catalog"
)

type cronScheduleArgs struct {
	catalog.Common
	DurationSeconds int64 `json:"duration_seconds,omitempty" jsonschema:"how far ahead to look, in seconds (default 3600, max 604800 = 7 days)"`

	window time.Duration
}

// Validate checks the window.
func (a *cronScheduleArgs) Validate() (err error) {
	a.window, err = cronwin.Duration(a.DurationSeconds)
	return err
}

func init() {
	register(catalog.Tool{
		Name:  "cron_schedule",
		Title: "Planned cron runs",
		Description: "The runs the node's cron scheduler plans from the next whole minute until duration_seconds " +
			"from now (default 1 hour, max 7 days): one entry per minute that has runs, in time order, with Time " +
			"and the Jobs due then (sorted; disabled jobs left out, as they will not run). At most 1000 entries are " +
			"returned; total counts every minute with runs in the window, runs every run. since and until bound " +
			"the window. Use it to see what fires together or what runs during a maintenance window.",
	}, cronSchedule)
}

func cronSchedule(env *Env, args *cronScheduleArgs) (any, error) {
	c, err := env.cron()
	if err != nil {
		return nil, err
	}
	disabled := map[gen.Atom]bool{}
	for _, j := range c.Info().Jobs {
		if j.Disabled {
			disabled[j.Name] = true
		}
	}
	first, end := cronwin.Window(time.Now(), args.window)
	list := &result.List{ItemsKey: "schedule"}
	budget := env.RT.Budget
	if budget <= 0 {
		budget = result.DefaultBudget
	}
	runs, size := 0, 0
	for since, period := range cronwin.Steps(first, end, cronwin.Step) {
		if err := env.Ctx.Err(); err != nil {
			return nil, catalog.Errorf("cron_schedule: stopped at %s of a window up to %s: %v", since, end, err)
		}
		for _, entry := range c.Schedule(since, period) {
			entry.Jobs = slices.DeleteFunc(entry.Jobs, func(j gen.Atom) bool { return disabled[j] })
			if len(entry.Jobs) == 0 {
				continue
			}
			list.Total++
			runs += len(entry.Jobs)
			// Past the limit, or past what the response budget could carry
			// anyway, entries are only counted.
			if len(list.Items) == cronwin.MaxEntries || size > budget {
				list.Truncated = true
				continue
			}
			slices.Sort(entry.Jobs)
			item, err := record.Append(nil, entry, nil)
			if err != nil {
				return nil, err
			}
			list.Items = append(list.Items, json.RawMessage(item))
			size += len(item)
		}
	}
	list.Extra = []record.Field{
		{Name: "since", Value: first},
		{Name: "until", Value: end},
		{Name: "runs", Value: runs},
	}
	return list, nil
}
