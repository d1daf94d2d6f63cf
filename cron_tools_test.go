package ergomcp_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"ergo.services/ergo/gen"

	"github.com/ergomcp/ergomcp"
)

type cronJobResult struct {
	Name     string
	Spec     string
	Disabled bool
	NextRuns []time.Time
}

func TestCronTools(t *testing.T) {
	job := func(name, spec string) gen.CronJob {
		return gen.CronJob{Name: gen.Atom(name), Spec: spec,
			Action: gen.CreateCronActionMessage(gen.Atom("ct_sink"), gen.MessagePriorityNormal)}
	}
	node, s := openSession(t, ergomcp.Options{}, startNodeWith(func(no *gen.NodeOptions) {
		no.Cron.Jobs = []gen.CronJob{job("ct_minutely", "* * * * *"), job("ct_hourly", "0 * * * *"), job("ct_off", "*/5 * * * *")}
	}))
	if err := node.Cron().DisableJob("ct_off"); err != nil {
		t.Fatal(err)
	}

	var info struct {
		Next          time.Time
		Spool         []string
		JobsTotal     int
		JobsTruncated bool
		Jobs          []cronJobResult
		Note          string
	}
	s.ok("cron_info", nil, &info)
	var names []string
	for _, j := range info.Jobs {
		names = append(names, j.Name)
	}
	if info.JobsTotal != 3 || info.JobsTruncated || !slices.Equal(names, []string{"ct_hourly", "ct_minutely", "ct_off"}) ||
		!info.Jobs[2].Disabled || (info.Next.IsZero() && !strings.Contains(info.Note, "not ticked yet")) {
		t.Fatalf("cron_info: %+v", info)
	}

	var j cronJobResult
	s.ok("cron_job", map[string]any{"name": "ct_hourly"}, &j)
	if j.Name != "ct_hourly" || j.Spec != "0 * * * *" || j.Disabled || len(j.NextRuns) != 5 {
		t.Fatalf("cron_job: %+v", j)
	}
	for i, r := range j.NextRuns {
		if r.Minute() != 0 || r.Second() != 0 || !r.After(time.Now()) || (i > 0 && r.Sub(j.NextRuns[i-1]) != time.Hour) {
			t.Errorf("hourly next runs: %v", j.NextRuns)
			break
		}
	}
	s.ok("cron_job", map[string]any{"name": "ct_off"}, &j)
	if !j.Disabled || len(j.NextRuns) != 0 {
		t.Errorf("disabled job: %+v", j)
	}
	s.fail("cron_job", map[string]any{"name": "nope"}, `no cron job "nope"`, "ct_hourly, ct_minutely, ct_off")
	s.fail("cron_job", nil, "name is required")

	type entry struct {
		Time time.Time
		Jobs []string
	}
	var sched struct {
		Total     int
		Returned  int
		Truncated bool
		Since     time.Time
		Until     time.Time
		Runs      int
		Schedule  []entry
	}
	// A day: every minute has a run, the hourly job joins on the hour, the
	// disabled job never shows; 1440 minutes, cut at 1000 entries or
	// sooner by the response budget.
	s.ok("cron_schedule", map[string]any{"duration_seconds": 86400}, &sched)
	if sched.Total != 1440 || sched.Returned == 0 || sched.Returned > 1000 || !sched.Truncated || sched.Runs != 1440+24 {
		t.Fatalf("cron_schedule over a day: total %d returned %d truncated %v runs %d", sched.Total, sched.Returned, sched.Truncated, sched.Runs)
	}
	if first := sched.Schedule[0].Time; !first.Equal(sched.Since) || first.Second() != 0 || !first.After(time.Now().Add(-time.Minute)) {
		t.Errorf("first planned run %v, window since %v", first, sched.Since)
	}
	hourly := 0
	for i, e := range sched.Schedule {
		if i > 0 && e.Time.Sub(sched.Schedule[i-1].Time) != time.Minute {
			t.Fatalf("entries not a minute apart at %d: %v", i, e.Time)
		}
		if slices.Contains(e.Jobs, "ct_off") {
			t.Fatalf("disabled job planned: %+v", e)
		}
		if e.Time.Minute() == 0 {
			hourly++
			if !slices.Equal(e.Jobs, []string{"ct_hourly", "ct_minutely"}) {
				t.Errorf("on the hour: %+v", e)
			}
		}
	}
	if hourly < len(sched.Schedule)/60 {
		t.Errorf("%d hourly runs in the first %d minutes", hourly, len(sched.Schedule))
	}
	s.ok("cron_schedule", nil, &sched)
	if sched.Total < 59 || sched.Total > 60 || sched.Truncated || sched.Until.Sub(sched.Since) > time.Hour {
		t.Errorf("default window of an hour: total %d truncated %v %v..%v", sched.Total, sched.Truncated, sched.Since, sched.Until)
	}
	s.fail("cron_schedule", map[string]any{"duration_seconds": 8 * 86400}, "duration_seconds must be between 1 and 604800", "got 691200")
	s.fail("cron_schedule", map[string]any{"duration_seconds": -5}, "got -5")
	if msg := s.fail("cron_schedule", map[string]any{"duration_seconds": "1d"}); !strings.Contains(msg, "integer") {
		t.Errorf("duration as text: %s", msg)
	}
}
