// Package cronwin bounds cron_schedule's look-ahead window and splits it
// into steps. Ergo's Cron.Schedule builds its whole answer in memory, one
// entry per minute that has a run, each listing every job due then: a week
// of a busy cron is large, so ergomcp asks for one step at a time and stops
// keeping entries once it has enough. The rules build and are tested
// without Ergo.
package cronwin

import (
	"iter"
	"time"

	"github.com/ergomcp/ergomcp/internal/catalog"
)

// DurationRule bounds cron_schedule's duration_seconds, declared once (a
// field tagged arg:"rule=cron_duration_seconds" takes it into its schema,
// decoder check and TOOLS.md): at most 7 days covers every weekly job at
// least once.
var DurationRule = catalog.DeclareRule("cron_duration_seconds", "min=1,max=604800,default=3600")

// The window's bounds in seconds, as DurationRule declares them.
var (
	DefaultSeconds = int64(DurationRule.DefaultInt())
	MaxSeconds     = int64(*DurationRule.Max)
)

// MaxEntries bounds the planned runs one call returns; total still counts
// every run in the window.
const MaxEntries = 1000

// Step is how much of the window one call of Cron.Schedule covers: at most
// 60 entries, and the cron's lock is held for as short as that takes.
const Step = time.Hour

// Duration checks duration_seconds (0 or omitted: DefaultSeconds) and
// returns the window's length.
func Duration(seconds int64) (time.Duration, error) {
	if seconds == 0 {
		seconds = DefaultSeconds
	}
	if err := DurationRule.Check("duration_seconds", float64(seconds)); err != nil {
		return 0, err
	}
	return time.Duration(seconds) * time.Second, nil
}

// Window returns the planned-run window [first, end) for a look-ahead of d
// from now. Ergo's cron runs jobs at whole minutes, so first is the next
// whole minute: the current minute's runs are done or under way.
func Window(now time.Time, d time.Duration) (first, end time.Time) {
	return now.Truncate(time.Minute).Add(time.Minute), now.Add(d)
}

// Steps yields (since, period) pairs that cover [first, end) in order
// without overlap: each since is a whole minute when first is, and each
// period is at most step. Cron.Schedule(since, period) lists the minutes m
// with since ≤ m < since+period, so together the steps list every minute
// of the window once.
func Steps(first, end time.Time, step time.Duration) iter.Seq2[time.Time, time.Duration] {
	return func(yield func(time.Time, time.Duration) bool) {
		for since := first; since.Before(end); since = since.Add(step) {
			if !yield(since, min(step, end.Sub(since))) {
				return
			}
		}
	}
}
