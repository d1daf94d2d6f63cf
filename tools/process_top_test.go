package tools

import (
	"math"
	"testing"
	"time"
)

// progressEvery spaces process_top's progress: a tenth of the window,
// between 100 ms and a second.
func TestProgressEvery(t *testing.T) {
	for total, want := range map[time.Duration]time.Duration{
		100 * time.Millisecond:  100 * time.Millisecond,
		time.Second:             100 * time.Millisecond,
		1001 * time.Millisecond: 100100 * time.Microsecond,
		3 * time.Second:         300 * time.Millisecond,
		10 * time.Second:        time.Second,
		30 * time.Second:        time.Second,
	} {
		if got := progressEvery(total); got != want {
			t.Errorf("progressEvery(%s) = %s, want %s", total, got, want)
		}
	}
}

// Rates keep three decimals; infinities and NaN, which JSON cannot carry,
// become the word the record uses.
func TestRoundAndFiniteOr(t *testing.T) {
	for in, want := range map[float64]float64{
		0: 0, 1.0004: 1, 1.0005: 1.001, 2.4996: 2.5, -1.2345: -1.235, 123456.78949: 123456.789,
	} {
		if got := round(in); math.Abs(got-want) > 1e-9 {
			t.Errorf("round(%v) = %v, want %v", in, got, want)
		}
	}
	if got := finiteOr(1.23456, "never"); got != 1.235 {
		t.Errorf("finiteOr(1.23456) = %v", got)
	}
	for _, f := range []float64{math.Inf(1), math.Inf(-1), math.NaN()} {
		if got := finiteOr(f, "never"); got != "never" {
			t.Errorf("finiteOr(%v) = %v, want the word", f, got)
		}
	}
}
