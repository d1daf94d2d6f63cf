package tools

import (
	"cmp"
	"slices"

	"ergo.services/ergo/gen"

	"github.com/ergomcp/ergomcp/internal/catalog"
	"github.com/ergomcp/ergomcp/internal/record"
)

type cronInfoArgs struct {
	catalog.Common
}

// maxCronJobs bounds the jobs cron_info lists; nodes have a handful.
const maxCronJobs = 1000

func init() {
	register(catalog.Tool{
		Name:  "cron_info",
		Title: "Cron summary",
		Description: "The cron scheduler (gen.CronInfo): Next wake-up, Spool and Jobs by name with Spec, Disabled, LastRun and " +
			"LastErr.",
	}, cronInfo)
}

func cronInfo(env *Env, args *cronInfoArgs) (any, error) {
	c, err := env.cron()
	if err != nil {
		return nil, err
	}
	info := c.Info()
	// ergo lists jobs in map order; a stable order lets a reader compare calls.
	slices.SortFunc(info.Jobs, func(x, y gen.CronJobInfo) int { return cmp.Compare(x.Name, y.Name) })
	shown := info.Jobs[:min(len(info.Jobs), maxCronJobs)]
	fields := []record.Field{
		{Name: "JobsTotal", Value: len(info.Jobs)},
		{Name: "JobsTruncated", Value: len(shown) < len(info.Jobs)},
		{Name: "Jobs", Value: shown},
	}
	if info.Next.IsZero() {
		// ergo sets Next on the scheduler's first tick; before it, Spool
		// holds what was due at the zero time, which means nothing.
		fields = append(fields, record.Field{Name: "Note", Value: "the scheduler has not ticked yet (it first wakes at " +
			"the next whole minute after the node started): Next is unset and Spool is not meaningful until then"})
	}
	return record.Append(nil, info, []string{"Jobs"}, fields...)
}

// cron returns the node's cron scheduler.
func (e *Env) cron() (gen.Cron, error) {
	c := e.Node().Cron()
	if c == nil {
		return nil, catalog.Errorf("node %s has no cron scheduler", e.Node().Name())
	}
	return c, nil
}

// cronJobNames lists the scheduler's job names, for error messages.
func cronJobNames(c gen.Cron) string {
	jobs := c.Info().Jobs
	names := make([]gen.Atom, len(jobs))
	for i, j := range jobs {
		names[i] = j.Name
	}
	return nameList(names, "cron_info shows them")
}
