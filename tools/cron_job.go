package tools

import (
	"errors"
	"time"

	"ergo.services/ergo/gen"

	"github.com/ergomcp/ergomcp/internal/catalog"
	"github.com/ergomcp/ergomcp/internal/cronwin"
	"github.com/ergomcp/ergomcp/internal/record"
)

type cronJobArgs struct {
	catalog.Common
	Name string `json:"name,omitempty" arg:"required" jsonschema:"cron_info lists the jobs"`
}

// Validate requires the job name.
func (a *cronJobArgs) Validate() error {
	return requireText(&a.Name, "name is required: a cron job's name (cron_info lists them)")
}

// nextRuns is how many upcoming runs cron_job shows: enough to see the
// rhythm of a spec at a glance.
const nextRuns = 5

func init() {
	register(catalog.Tool{
		Name:        "cron_job",
		Title:       "One cron job",
		Description: "One cron job (gen.CronJobInfo) with its next 5 planned runs. Unknown name: the error lists the jobs.",
	}, cronJob)
}

func cronJob(env *Env, args *cronJobArgs) (any, error) {
	c, err := env.cron()
	if err != nil {
		return nil, err
	}
	name := gen.Atom(args.Name)
	info, err := c.JobInfo(name)
	if errors.Is(err, gen.ErrUnknown) {
		return nil, catalog.Errorf("no cron job %q on %s; jobs: %s", args.Name, env.Node().Name(), cronJobNames(c))
	}
	if err != nil {
		return nil, catalog.Errorf("cron job %q: %v", args.Name, err)
	}
	runs := []time.Time{}
	if !info.Disabled {
		// Step by step, so a job due every minute costs an hour's list, not a week's.
		first, end := cronwin.Window(time.Now(), time.Duration(cronwin.MaxSeconds)*time.Second)
		for since, period := range cronwin.Steps(first, end, cronwin.Step) {
			times, err := c.JobSchedule(name, since, period)
			if err != nil {
				return nil, catalog.Errorf("schedule of cron job %q: %v", args.Name, err)
			}
			runs = append(runs, times[:min(len(times), nextRuns-len(runs))]...)
			if len(runs) == nextRuns {
				break
			}
		}
	}
	return record.Append(nil, info, nil, record.Field{Name: "NextRuns", Value: runs})
}
