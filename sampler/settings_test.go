package sampler

import (
	"strings"
	"testing"
	"time"
)

// TestSettingsEdges checks every range of the sampler tools at its edges:
// the last value accepted and the first refused, active and passive.
func TestSettingsEdges(t *testing.T) {
	for _, c := range []struct {
		name   string
		p      Params
		active bool
		err    string // "" = accepted
		check  func(Settings) bool
	}{
		{"interval at the floor", Params{IntervalMs: 100}, true, "", func(s Settings) bool { return s.Interval == ms(100) }},
		{"interval under the floor", Params{IntervalMs: 99}, true, "interval_ms must be 100..3600000 (0 or omitted means 1000), got 99", nil},
		{"interval at the ceiling", Params{IntervalMs: 3600000, DurationSec: 3600}, true, "", func(s Settings) bool { return s.Interval == time.Hour }},
		{"interval over the ceiling", Params{IntervalMs: 3600001}, true, "got 3600001", nil},
		{"duration 1 s", Params{DurationSec: 1}, true, "", func(s Settings) bool { return s.Duration == time.Second }},
		{"duration at the ceiling", Params{DurationSec: 3600}, false, "", func(s Settings) bool { return s.Duration == MaxDuration }},
		{"duration over the ceiling", Params{DurationSec: 3601}, false, "duration_sec must be 1..3600", nil},
		{"buffer of one", Params{BufferSize: 1}, false, "", func(s Settings) bool { return s.Buffer == 1 }},
		{"buffer at the ceiling", Params{BufferSize: MaxBuffer}, false, "", func(s Settings) bool { return s.Buffer == MaxBuffer }},
		{"buffer over the ceiling", Params{BufferSize: MaxBuffer + 1}, false, "buffer_size must be 1..4096 samples (0 or omitted means 256), got 4097", nil},
		{"linger at the ceiling", Params{LingerSec: 600}, false, "", func(s Settings) bool { return s.Linger == MaxLinger }},
		{"linger over the ceiling", Params{LingerSec: 601}, false, "linger_sec must be 1..600", nil},
		{"linger negative", Params{LingerSec: -1}, false, "linger_sec", nil},
		{"count at the ceiling", Params{Count: MaxCount}, true, "", func(s Settings) bool { return s.Count == MaxCount }},
		{"count over the ceiling", Params{Count: MaxCount + 1}, true, "count must be 0..1000000", nil},
		{"max_errors at the ceiling", Params{MaxErrors: MaxErrorsLimit}, true, "", func(s Settings) bool { return s.MaxErrors == MaxErrorsLimit }},
		{"max_errors over the ceiling", Params{MaxErrors: MaxErrorsLimit + 1}, true, "max_errors must be 0..1000000", nil},
		{"passive: no interval default", Params{}, false, "", func(s Settings) bool { return s.Interval == 0 && s.Buffer == DefaultBuffer }},
	} {
		s, err := c.p.Settings(c.active)
		switch {
		case c.err == "" && err != nil:
			t.Errorf("%s: refused: %v", c.name, err)
		case c.err == "" && !c.check(s):
			t.Errorf("%s: settings %+v", c.name, s)
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("%s: %v, want %q", c.name, err, c.err)
		case c.err != "" && s != (Settings{}):
			t.Errorf("%s: refused but returned settings %+v", c.name, s)
		}
	}
}

func TestReachableEdges(t *testing.T) {
	// count samples one interval apart take (count-1) intervals: they fit
	// when that is shorter than the duration.
	for _, c := range []struct {
		count    int
		interval time.Duration
		duration time.Duration
		want     bool
	}{
		{0, time.Second, time.Second, true},
		{1, time.Hour, time.Second, true},
		{4, ms(250), ms(751), true},
		{4, ms(250), ms(750), false},
		{4, ms(250), ms(749), false},
		{3, ms(1500), 3*time.Second + 1, true},
	} {
		s := Settings{Count: c.count, Interval: c.interval, Duration: c.duration}
		if got := s.Reachable(); got != c.want {
			t.Errorf("%+v: Reachable %v, want %v", s, got, c.want)
		}
	}
}

// TestReservationEdges: a buffer reserves what it can hold, never more than
// the sampler budget, also when the budget is not a whole number of
// entries.
func TestReservationEdges(t *testing.T) {
	l := Limits{SamplerBytes: 100_000, ReadBudget: 8 << 10}.normalize()
	per := l.EntryBytes() + entryOverhead
	fit := l.SamplerBytes / per
	if fit*per == l.SamplerBytes {
		t.Fatalf("test needs a budget that is not a whole number of entries (%d x %d)", fit, per)
	}
	for _, c := range []struct{ buffer, want int }{
		{1, per}, {fit - 1, (fit - 1) * per}, {fit, fit * per}, {fit + 1, l.SamplerBytes}, {MaxBuffer, l.SamplerBytes},
	} {
		if got := (Settings{Buffer: c.buffer}).reservation(l); got != c.want {
			t.Errorf("buffer %d: reserves %d, want %d", c.buffer, got, c.want)
		}
	}
}
