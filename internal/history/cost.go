package history

import "time"

// Shares of one core the collector's process-table reads may take, on
// average: the cadence of each read stretches as its measured cost grows
// with the table (ergo 3.1 reads about 1 µs a process), so the history
// stays cheap at any node size and says how fresh each series is.
const (
	// TableShare bounds the full table read (movers, mailbox total).
	TableShare = 0.0005
	// CountShare bounds the process count (a walk of the PID map).
	CountShare = 0.0002
)

// Every is how often a read that took cost may run at share of one core:
// at least every interval, stretched to whole intervals as cost grows.
func Every(cost, interval time.Duration, share float64) time.Duration {
	need := time.Duration(float64(cost) / share)
	if need <= interval {
		return interval
	}
	n := (need + interval - 1) / interval
	return n * interval
}

// TopK keeps the k highest-scored items offered, for the followed
// processes: fixed memory whatever the number offered.
type TopK[T any] struct {
	items  [MaxMovers]T
	scores [MaxMovers]float64
	n      int
}

// Offer considers v with score s; ties keep the earlier.
func (t *TopK[T]) Offer(v T, s float64) {
	if t.n < len(t.items) {
		t.items[t.n], t.scores[t.n] = v, s
		t.n++
		return
	}
	low := 0
	for i := 1; i < t.n; i++ {
		if t.scores[i] < t.scores[low] {
			low = i
		}
	}
	if s > t.scores[low] {
		t.items[low], t.scores[low] = v, s
	}
}

// Items returns the kept items, best first.
func (t *TopK[T]) Items() []T {
	idx := make([]int, t.n)
	for i := range idx {
		idx[i] = i
	}
	for i := 1; i < len(idx); i++ { // insertion sort of at most MaxMovers
		for j := i; j > 0 && t.scores[idx[j]] > t.scores[idx[j-1]]; j-- {
			idx[j], idx[j-1] = idx[j-1], idx[j]
		}
	}
	out := make([]T, len(idx))
	for i, k := range idx {
		out[i] = t.items[k]
	}
	return out
}

// Cost is what the collector measured of its own work (wall time of
// each part, an upper bound of its CPU time), for the answer and the
// benchmark: the history says what it costs.
type Cost struct {
	// PointMs: the runtime metrics, log totals and followed processes of
	// one point, without the table reads.
	PointMs Num
	// ScanMs: one look at the newest processes (several per point).
	ScanMs Num
	// ScansPerS: how many scans a second.
	ScansPerS Num
	// TableReadMs, TableEveryS: the last full table read and its cadence.
	TableReadMs, TableEveryS Num
	// CountMs, CountEveryS: the last process count and its cadence.
	CountMs, CountEveryS Num
	// IntervalS is the time between points.
	IntervalS Num
	// ShareOfCore is the steady-state share of one core all of it takes:
	// each part's cost at its cadence.
	ShareOfCore float64
}

// Share fills c.ShareOfCore from the parts.
func (c *Cost) Share() {
	part := func(ms, every Num) float64 {
		if every <= 0 {
			return 0
		}
		return float64(ms) / 1000 / float64(every)
	}
	c.ShareOfCore = part(c.ScanMs*c.ScansPerS, 1) + part(c.PointMs, c.IntervalS) +
		part(c.TableReadMs, c.TableEveryS) + part(c.CountMs, c.CountEveryS)
}
