package sampler

import "time"

// Ticker decides when an active sampler calls its tool. The first call
// starts at once; the next ones on a fixed grid, first + k·interval, so
// the rate does not drift with the time
// each call takes; a call that outlasts the interval makes the sampler skip
// the grid points it missed instead of queueing them, so a slow tool never
// piles up calls: at most one call runs, and the next one starts at the
// first grid point at or after the end of the previous one.
type Ticker struct {
	start    time.Time // of the first call: the grid's origin
	interval time.Duration
	end      time.Time
	last     int64 // grid index of the last call handed out; -1 before the first
	skipped  uint64
}

// NewTicker returns the schedule of a sampler that calls every interval
// and stops calling at end.
func NewTicker(interval time.Duration, end time.Time) *Ticker {
	return &Ticker{interval: interval, end: end, last: -1}
}

// Next returns when the next call starts, given now, the time the previous
// call ended (or the time the sampler starts, for the first call), and
// false when that would not be before the end.
func (t *Ticker) Next(now time.Time) (time.Time, bool) {
	if t.last < 0 {
		t.start = now
	}
	k := int64(0)
	if since := now.Sub(t.start); since > 0 {
		k = int64((since + t.interval - 1) / t.interval) // ceil: the first grid point at or after now
	}
	if k <= t.last {
		k = t.last + 1
	}
	at := t.start.Add(time.Duration(k) * t.interval)
	if !at.Before(t.end) {
		return time.Time{}, false
	}
	t.skipped += uint64(k - t.last - 1)
	t.last = k
	return at, true
}

// Skipped counts grid points passed over because a call was still running.
func (t *Ticker) Skipped() uint64 { return t.skipped }
