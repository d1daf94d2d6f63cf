package cronwin

import (
	"strings"
	"testing"
	"time"
)

func TestDuration(t *testing.T) {
	for _, c := range []struct {
		seconds int64
		want    time.Duration
		err     string
	}{
		{0, time.Hour, ""},
		{1, time.Second, ""},
		{86400, 24 * time.Hour, ""},
		{MaxSeconds, 7 * 24 * time.Hour, ""},
		{MaxSeconds + 1, 0, "duration_seconds must be between 1 and 604800 (default 3600), got 604801"},
		{8 * 86400, 0, "got 691200"},
		{-60, 0, "got -60"},
	} {
		got, err := Duration(c.seconds)
		switch {
		case c.err == "" && (err != nil || got != c.want):
			t.Errorf("Duration(%d) = %v, %v; want %v", c.seconds, got, err, c.want)
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("Duration(%d) error = %v; want %q", c.seconds, err, c.err)
		}
	}
}

func TestWindowStartsAtNextMinute(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 30, 5, time.UTC)
	first, end := Window(now, 24*time.Hour)
	if want := time.Date(2026, 3, 1, 12, 1, 0, 0, time.UTC); !first.Equal(want) {
		t.Errorf("first = %v, want %v", first, want)
	}
	if !end.Equal(now.Add(24 * time.Hour)) {
		t.Errorf("end = %v", end)
	}
	// A whole-minute now: that minute's runs are already due, not planned.
	now = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	if first, _ := Window(now, time.Hour); !first.Equal(now.Add(time.Minute)) {
		t.Errorf("first at a whole minute = %v", first)
	}
}

// minutes lists the whole minutes m with since ≤ m < since+period, as
// ergo's Cron.Schedule walks them.
func minutes(since time.Time, period time.Duration) []time.Time {
	var out []time.Time
	start := since.Truncate(time.Minute)
	for m := start; m.Before(start.Add(period)); m = m.Add(time.Minute) {
		out = append(out, m)
	}
	return out
}

func TestStepsCoverEveryMinuteOnce(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 30, 0, time.UTC)
	for _, d := range []time.Duration{time.Second, 30 * time.Second, time.Hour, 24 * time.Hour, 7 * 24 * time.Hour, 90*time.Minute + 15*time.Second} {
		first, end := Window(now, d)
		var got []time.Time
		steps := 0
		for since, period := range Steps(first, end, Step) {
			if since.Truncate(time.Minute) != since {
				t.Fatalf("d=%v: step at %v is not a whole minute", d, since)
			}
			if period <= 0 || period > Step {
				t.Fatalf("d=%v: period %v", d, period)
			}
			got = append(got, minutes(since, period)...)
			steps++
		}
		want := minutes(first, end.Sub(first))
		if end.Before(first) {
			want = nil
		}
		if len(got) != len(want) {
			t.Fatalf("d=%v: %d minutes in %d steps, want %d", d, len(got), steps, len(want))
		}
		for i := range got {
			if !got[i].Equal(want[i]) {
				t.Fatalf("d=%v: minute %d = %v, want %v", d, i, got[i], want[i])
			}
		}
	}
	// A day from 12:00:30 holds 1440 whole minutes: 12:01 today to 12:00 tomorrow.
	first, end := Window(now, 24*time.Hour)
	n := 0
	for since, period := range Steps(first, end, Step) {
		n += len(minutes(since, period))
	}
	if n != 1440 {
		t.Errorf("a day has %d planned minutes, want 1440", n)
	}
}

func TestStepsStopWhenAsked(t *testing.T) {
	first := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	n := 0
	for range Steps(first, first.Add(24*time.Hour), Step) {
		n++
		if n == 2 {
			break
		}
	}
	if n != 2 {
		t.Fatalf("steps after break: %d", n)
	}
}
