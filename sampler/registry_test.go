package sampler

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestReserveEdges: each node-wide ceiling admits the sampler that reaches
// it exactly and refuses the one that would pass it, with the figures the
// caller needs in the message.
func TestReserveEdges(t *testing.T) {
	s := activeSpec(0, 0)
	// The smallest response budget that still returns a sample.
	if _, err := NewRegistry("n@h", Limits{ReadBudget: minEntry + readHeader}).Reserve(s, t0); err != nil {
		t.Errorf("response budget of exactly %d bytes refused: %v", minEntry+readHeader, err)
	}
	_, err := NewRegistry("n@h", Limits{ReadBudget: minEntry + readHeader - 1}).Reserve(s, t0)
	if want := fmt.Sprintf("at least %d bytes to return their samples (Options.ResponseBudget is %d)", minEntry+readHeader, minEntry+readHeader-1); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("response budget one byte short: %v, want %q", err, want)
	}

	// Memory: two samplers whose reservations fill the total exactly, then
	// one more byte's worth is refused.
	l := Limits{SamplerBytes: 64 << 10, ReadBudget: 256 << 10}
	per := l.EntryBytes() + entryOverhead
	s.Buffer = 3
	l.TotalBytes = 2 * 3 * per
	r := newTestRegistry(l)
	reserve(t, r, s, t0)
	reserve(t, r, s, t0) // reaches the total exactly
	s.Buffer = 1
	_, err = r.Reserve(s, t0)
	if want := fmt.Sprintf("needs %d KiB but only 0 KiB of the %d KiB", per>>10, l.TotalBytes>>10); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("past the total: %v, want %q", err, want)
	}
	// With room for less than the request, the message says how much is free.
	l.TotalBytes = 2*3*per + 3*per - 1
	r = newTestRegistry(l)
	s.Buffer = 3
	reserve(t, r, s, t0)
	reserve(t, r, s, t0)
	_, err = r.Reserve(s, t0)
	if want := fmt.Sprintf("only %d KiB of the %d KiB", (3*per-1)>>10, l.TotalBytes>>10); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("free memory in the refusal: %v, want %q", err, want)
	}
}

// TestEndedRecordKeptForTTL: an ended sampler's record answers sample_read
// for endedTTL after its data went, to the nanosecond, then is forgotten.
func TestEndedRecordKeptForTTL(t *testing.T) {
	r := newTestRegistry(Limits{})
	e := reserve(t, r, activeSpec(1, 0), t0)
	e.Record(t0.Add(ms(1)), t0, []byte(`{"a":1}`)) // completes, lingers 30 s
	gone := e.LingerUntil(t0.Add(ms(2)))
	if gone.IsZero() {
		t.Fatal("a completed sampler has no linger end")
	}
	for _, c := range []struct {
		at    time.Time
		known bool
	}{
		{gone.Add(endedTTL - 1), true},
		{gone.Add(endedTTL), false},
	} {
		_, err := r.Get(e.ID, c.at)
		if (err == nil) != c.known {
			t.Errorf("%s after the data went: %v, want known %v", c.at.Sub(gone), err, c.known)
		}
	}
}
