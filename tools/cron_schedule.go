package tools

import (
	"encoding/json"
	"slices"
	"time"

	"ergo.services/ergo/gen"

	"github.com/ergomcp/ergomcp/internal/catalog"
	"github.com/ergomcp/ergomcp/internal/cronwin"
	"github.com/ergomcp/ergomcp/internal/record"
	"github.com/ergomcp/ergomcp/internal/result"
)

type cronScheduleArgs struct {
	catalog.Common
	DurationSeconds int64 `json:"duration_seconds,omitempty" arg:"rule=cron_duration_seconds"`

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
		Description: "Planned cron runs from the next minute until duration_seconds ahead: one row per minute with the Jobs due. " +
			"Shows what fires together.",
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
	budget := env.Server.Budget
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
