package history

import (
	"math"
	"runtime/metrics"
	"sync"

	"github.com/ergomcp/ergomcp/internal/rtstats"
)

// RuntimeReader fills a point's Go runtime series from runtime/metrics,
// which never stops the world (runtime.ReadMemStats and ergo 3.1's
// Node.Info do). It keeps the previous reading to turn the runtime's
// running totals into the span's counts, shares and latency percentile.
// One reader belongs to one collector: not safe for concurrent use.
type RuntimeReader struct {
	samples []metrics.Sample
	have    [numMetrics]bool
	primed  bool
	prev    runtimeTotals
	hist    []uint64 // the scheduler latency counts of the previous reading
	delta   []uint64 // reused for the span's counts
}

type runtimeTotals struct {
	cycles, gcCPU, allCPU float64
}

const (
	mGoroutines = iota
	mHeapLive
	mCycles
	mGCCPU
	mAllCPU
	mSched
	numMetrics
)

var metricNames = [numMetrics]string{
	mGoroutines: "/sched/goroutines:goroutines",
	mHeapLive:   "/gc/heap/live:bytes",
	mCycles:     "/gc/cycles/total:gc-cycles",
	mGCCPU:      "/cpu/classes/gc/total:cpu-seconds",
	mAllCPU:     "/cpu/classes/total:cpu-seconds",
	mSched:      "/sched/latencies:seconds",
}

var knownMetrics = sync.OnceValue(func() map[string]bool {
	have := map[string]bool{}
	for _, d := range metrics.All() {
		have[d.Name] = true
	}
	return have
})

// NewRuntimeReader probes which metrics this Go has; missing ones stay NaN.
func NewRuntimeReader() *RuntimeReader {
	r := &RuntimeReader{samples: make([]metrics.Sample, numMetrics)}
	known := knownMetrics()
	for i, n := range metricNames {
		r.samples[i].Name = n
		r.have[i] = known[n]
	}
	return r
}

// Read fills p's runtime series. The first reading has no span: its
// counts stay NaN.
func (r *RuntimeReader) Read(p *Point) {
	metrics.Read(r.samples)
	val := func(i int) float64 {
		if !r.have[i] {
			return math.NaN()
		}
		switch v := r.samples[i].Value; v.Kind() {
		case metrics.KindUint64:
			return float64(v.Uint64())
		case metrics.KindFloat64:
			return v.Float64()
		}
		return math.NaN()
	}
	p.V[Goroutines] = val(mGoroutines)
	p.V[HeapLive] = val(mHeapLive)
	cur := runtimeTotals{cycles: val(mCycles), gcCPU: val(mGCCPU), allCPU: val(mAllCPU)}
	var h *metrics.Float64Histogram
	if r.have[mSched] && r.samples[mSched].Value.Kind() == metrics.KindFloat64Histogram {
		h = r.samples[mSched].Value.Float64Histogram()
	}
	if r.primed {
		p.V[GCCycles] = cur.cycles - r.prev.cycles
		if d := cur.allCPU - r.prev.allCPU; d > 0 {
			p.V[GCCPU] = (cur.gcCPU - r.prev.gcCPU) / d
		}
		if h != nil && len(r.hist) == len(h.Counts) {
			r.delta = append(r.delta[:0], h.Counts...)
			for i := range r.delta {
				r.delta[i] -= r.hist[i]
			}
			delta := metrics.Float64Histogram{Buckets: h.Buckets, Counts: r.delta}
			p.V[SchedP99] = rtstats.Percentile(&delta, 0.99)
		}
	}
	r.prev, r.primed = cur, true
	if h != nil { // copied: metrics.Read may reuse its counts
		r.hist = append(r.hist[:0], h.Counts...)
	}
}
