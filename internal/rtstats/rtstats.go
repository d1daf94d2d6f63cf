// Package rtstats reports the Go runtime's health for the runtime_stats
// tool from runtime/metrics alone. runtime.ReadMemStats stops the world,
// which on a node already in trouble is the wrong thing for a diagnostic to
// do; runtime/metrics reads without stopping it.
package rtstats

import (
	"maps"
	"runtime"
	"runtime/metrics"
	"slices"
	"sync"

	"github.com/ergomcp/ergomcp/internal/record"
)

// Stats is one reading. Keys in results are the field names (the project's
// convention); durations are float64 seconds with the unit in the name.
// Histogram-based figures (pauses, scheduler latencies) cover the whole
// life of the process, not a recent window. Fields whose metrics this Go
// version lacks are left out of the JSON and named in Unavailable.
type Stats struct {
	GoVersion  string
	GOMAXPROCS int
	NumCPU     int
	// Threads is the number of OS threads the runtime owns.
	Threads uint64

	Goroutines         uint64
	GoroutinesRunning  uint64
	GoroutinesRunnable uint64
	GoroutinesWaiting  uint64
	// GoroutinesNotInGo are in system calls or cgo.
	GoroutinesNotInGo uint64
	// GoroutinesCreated counts goroutines created since start.
	GoroutinesCreated uint64

	// HeapLiveBytes is the heap marked live by the last GC (0 before the
	// first); HeapGoalBytes is where the next GC starts.
	HeapLiveBytes uint64
	HeapGoalBytes uint64
	HeapObjects   uint64
	// MemoryLimitBytes is GOMEMLIMIT; math.MaxInt64 means no limit.
	MemoryLimitBytes uint64
	// GOGCPercent is GOGC; -1 means the collector is off.
	GOGCPercent int64

	// Memory classes: all memory mapped by the runtime, and its parts.
	MemoryTotalBytes        uint64
	MemoryHeapObjectsBytes  uint64
	MemoryHeapFreeBytes     uint64 // free, not yet returned to the OS
	MemoryHeapReleasedBytes uint64 // free and returned to the OS
	MemoryHeapUnusedBytes   uint64 // reserved for objects, unused (fragmentation)
	MemoryStacksBytes       uint64
	MemoryMetadataBytes     uint64
	MemoryOtherBytes        uint64

	GCCycles       uint64
	GCCyclesForced uint64
	// GCCPUShare is the share of the process's CPU time spent in GC since
	// start, 0..1.
	GCCPUShare float64
	// GCCPUSeconds and CPUSeconds are the runtime's estimates of CPU time
	// spent in GC and available in total (GOMAXPROCS × wall time) since
	// start: two readings give the GC share of a window (diagnose), which
	// GCCPUShare, a lifetime figure, cannot. GCCPUSeconds leaves out idle
	// marking, which only uses CPUs nothing else wanted.
	GCCPUSeconds, CPUSeconds float64

	GCPauseP50Seconds float64
	GCPauseP90Seconds float64
	GCPauseP99Seconds float64
	GCPauseMaxSeconds float64

	// Scheduler latency: time goroutines spent runnable before running.
	SchedLatencyP50Seconds float64
	SchedLatencyP90Seconds float64
	SchedLatencyP99Seconds float64
	SchedLatencyMaxSeconds float64

	// MutexWaitSeconds is the total time goroutines spent blocked on
	// sync.Mutex and sync.RWMutex since start.
	MutexWaitSeconds float64
	CgoCalls         uint64

	// Unavailable maps fields this Go version cannot report to the reason.
	Unavailable map[string]string
}

// MarshalJSON writes s by the project's record conventions, leaving out
// the unavailable fields rather than reporting them as 0.
func (s Stats) MarshalJSON() ([]byte, error) {
	omit := slices.Sorted(maps.Keys(s.Unavailable))
	if len(omit) == 0 {
		omit = []string{"Unavailable"}
	}
	// A defined type without methods, so that Append sees plain fields.
	type plain Stats
	return record.Append(nil, plain(s), omit)
}

// Read takes a reading. It never stops the world, so it is safe to call on
// a struggling node; it allocates a few small slices per call.
func Read() Stats {
	p := probe()
	s := Stats{
		GoVersion:  runtime.Version(),
		GOMAXPROCS: runtime.GOMAXPROCS(0),
		NumCPU:     runtime.NumCPU(),
	}
	if len(p.unavailable) > 0 {
		s.Unavailable = maps.Clone(p.unavailable)
	}
	samples := slices.Clone(p.samples) // metrics.Read writes into them
	metrics.Read(samples)
	for _, u := range p.uses {
		vals := make([]metrics.Value, len(u.at))
		for i, at := range u.at {
			vals[i] = samples[at].Value
		}
		u.fill(&s, vals)
	}
	return s
}

// probed is what this Go version offers, found once: metrics.All is fixed
// for the life of the process.
type probed struct {
	samples     []metrics.Sample
	uses        []use
	unavailable map[string]string
}

// use is a source whose metrics exist: at indexes samples, in the order of
// the source's metrics.
type use struct {
	at   []int
	fill func(*Stats, []metrics.Value)
}

var probe = sync.OnceValue(func() *probed {
	have := map[string]bool{}
	for _, d := range metrics.All() {
		have[d.Name] = true
	}
	p := &probed{unavailable: map[string]string{}}
	index := map[string]int{}
	for _, src := range sources {
		names, missing := src.resolve(have)
		if missing != "" {
			for _, f := range src.fields {
				p.unavailable[f] = "runtime/metrics in " + runtime.Version() + " has no " + missing
			}
			continue
		}
		u := use{fill: src.fill}
		for _, n := range names {
			at, ok := index[n]
			if !ok {
				at = len(p.samples)
				index[n] = at
				p.samples = append(p.samples, metrics.Sample{Name: n})
			}
			u.at = append(u.at, at)
		}
		p.uses = append(p.uses, u)
	}
	return p
})
