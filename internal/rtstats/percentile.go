package rtstats

import (
	"math"
	"runtime/metrics"
)

// Percentile returns the q-quantile (0 ≤ q ≤ 1; q = 1 is the maximum) of
// h, as the upper edge of the bucket holding that sample: the true value is
// at most the result and, the runtime's buckets being narrow, close to it.
// When that bucket is unbounded above (+Inf) its lower edge is returned, the
// most that can be said. An empty or nil histogram gives 0 (nothing happened
// yet, e.g. no GC pause).
func Percentile(h *metrics.Float64Histogram, q float64) float64 {
	if h == nil || len(h.Counts) == 0 || len(h.Buckets) != len(h.Counts)+1 {
		return 0
	}
	var total uint64
	for _, c := range h.Counts {
		total += c
	}
	if total == 0 {
		return 0
	}
	if math.IsNaN(q) {
		q = 0
	}
	// rank is the 1-based position of the wanted sample.
	rank := uint64(math.Ceil(min(max(q, 0), 1) * float64(total)))
	rank = max(rank, 1)
	var seen uint64
	for i, c := range h.Counts {
		seen += c
		if seen >= rank {
			if hi := h.Buckets[i+1]; !math.IsInf(hi, 1) {
				return hi
			}
			return h.Buckets[i]
		}
	}
	return h.Buckets[len(h.Buckets)-1] // not reached: seen ends at total ≥ rank
}
