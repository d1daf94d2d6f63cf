package rtstats

import (
	"runtime/metrics"
	"strings"
)

// source fills Stats fields from runtime/metrics.
type source struct {
	fields []string // the Stats fields it fills, for Unavailable
	// metrics are the names it reads; each entry may list alternatives
	// separated by "|", the first present being used (metrics renamed
	// across Go versions).
	metrics []string
	fill    func(s *Stats, v []metrics.Value)
}

// resolve picks the metric names present in have, or reports the first
// that is missing.
func (src *source) resolve(have map[string]bool) (names []string, missing string) {
	for _, m := range src.metrics {
		found := ""
		for _, alt := range strings.Split(m, "|") {
			if have[alt] {
				found = alt
				break
			}
		}
		if found == "" {
			return nil, strings.ReplaceAll(m, "|", " or ")
		}
		names = append(names, found)
	}
	return names, ""
}

// uint64Field reads one uint64 metric into a field.
func uint64Field(field, metric string, dst func(*Stats) *uint64) source {
	return source{[]string{field}, []string{metric}, func(s *Stats, v []metrics.Value) { *dst(s) = v[0].Uint64() }}
}

// sumField adds uint64 metrics into a field (memory classes split finely).
func sumField(field string, dst func(*Stats) *uint64, names ...string) source {
	return source{[]string{field}, names, func(s *Stats, v []metrics.Value) {
		*dst(s) = 0
		for _, x := range v {
			*dst(s) += x.Uint64()
		}
	}}
}

// percentiles reads a histogram into p50, p90, p99 and max fields.
func percentiles(prefix, metric string, dst func(*Stats) [4]*float64) source {
	fields := []string{prefix + "P50Seconds", prefix + "P90Seconds", prefix + "P99Seconds", prefix + "MaxSeconds"}
	return source{fields, []string{metric}, func(s *Stats, v []metrics.Value) {
		h := v[0].Float64Histogram()
		d := dst(s)
		for i, q := range []float64{0.5, 0.9, 0.99, 1} {
			*d[i] = Percentile(h, q)
		}
	}}
}

var sources = []source{
	uint64Field("Threads", "/sched/threads/total:threads", func(s *Stats) *uint64 { return &s.Threads }),
	uint64Field("Goroutines", "/sched/goroutines:goroutines", func(s *Stats) *uint64 { return &s.Goroutines }),
	uint64Field("GoroutinesRunning", "/sched/goroutines/running:goroutines", func(s *Stats) *uint64 { return &s.GoroutinesRunning }),
	uint64Field("GoroutinesRunnable", "/sched/goroutines/runnable:goroutines", func(s *Stats) *uint64 { return &s.GoroutinesRunnable }),
	uint64Field("GoroutinesWaiting", "/sched/goroutines/waiting:goroutines", func(s *Stats) *uint64 { return &s.GoroutinesWaiting }),
	uint64Field("GoroutinesNotInGo", "/sched/goroutines/not-in-go:goroutines", func(s *Stats) *uint64 { return &s.GoroutinesNotInGo }),
	uint64Field("GoroutinesCreated", "/sched/goroutines-created:goroutines", func(s *Stats) *uint64 { return &s.GoroutinesCreated }),

	uint64Field("HeapLiveBytes", "/gc/heap/live:bytes", func(s *Stats) *uint64 { return &s.HeapLiveBytes }),
	uint64Field("HeapGoalBytes", "/gc/heap/goal:bytes", func(s *Stats) *uint64 { return &s.HeapGoalBytes }),
	uint64Field("HeapObjects", "/gc/heap/objects:objects", func(s *Stats) *uint64 { return &s.HeapObjects }),
	uint64Field("MemoryLimitBytes", "/gc/gomemlimit:bytes", func(s *Stats) *uint64 { return &s.MemoryLimitBytes }),
	{[]string{"GOGCPercent"}, []string{"/gc/gogc:percent"}, func(s *Stats, v []metrics.Value) {
		s.GOGCPercent = int64(v[0].Uint64()) // the runtime reports GOGC=off as -1 in a uint64
	}},

	uint64Field("MemoryTotalBytes", "/memory/classes/total:bytes", func(s *Stats) *uint64 { return &s.MemoryTotalBytes }),
	uint64Field("MemoryHeapObjectsBytes", "/memory/classes/heap/objects:bytes", func(s *Stats) *uint64 { return &s.MemoryHeapObjectsBytes }),
	uint64Field("MemoryHeapFreeBytes", "/memory/classes/heap/free:bytes", func(s *Stats) *uint64 { return &s.MemoryHeapFreeBytes }),
	uint64Field("MemoryHeapReleasedBytes", "/memory/classes/heap/released:bytes", func(s *Stats) *uint64 { return &s.MemoryHeapReleasedBytes }),
	uint64Field("MemoryHeapUnusedBytes", "/memory/classes/heap/unused:bytes", func(s *Stats) *uint64 { return &s.MemoryHeapUnusedBytes }),
	sumField("MemoryStacksBytes", func(s *Stats) *uint64 { return &s.MemoryStacksBytes },
		"/memory/classes/heap/stacks:bytes", "/memory/classes/os-stacks:bytes"),
	sumField("MemoryMetadataBytes", func(s *Stats) *uint64 { return &s.MemoryMetadataBytes },
		"/memory/classes/metadata/mcache/free:bytes", "/memory/classes/metadata/mcache/inuse:bytes",
		"/memory/classes/metadata/mspan/free:bytes", "/memory/classes/metadata/mspan/inuse:bytes",
		"/memory/classes/metadata/other:bytes"),
	sumField("MemoryOtherBytes", func(s *Stats) *uint64 { return &s.MemoryOtherBytes },
		"/memory/classes/other:bytes", "/memory/classes/profiling/buckets:bytes"),

	uint64Field("GCCycles", "/gc/cycles/total:gc-cycles", func(s *Stats) *uint64 { return &s.GCCycles }),
	uint64Field("GCCyclesForced", "/gc/cycles/forced:gc-cycles", func(s *Stats) *uint64 { return &s.GCCyclesForced }),
	{[]string{"GCCPUShare", "GCCPUSeconds", "CPUSeconds"}, []string{"/cpu/classes/gc/total:cpu-seconds", "/cpu/classes/total:cpu-seconds", "/cpu/classes/gc/mark/idle:cpu-seconds"}, func(s *Stats, v []metrics.Value) {
		s.GCCPUSeconds, s.CPUSeconds = v[0].Float64()-v[2].Float64(), v[1].Float64()
		if total := v[1].Float64(); total > 0 {
			s.GCCPUShare = v[0].Float64() / total
		}
	}},
	// /gc/pauses:seconds is the older, deprecated name of the same histogram.
	percentiles("GCPause", "/sched/pauses/total/gc:seconds|/gc/pauses:seconds", func(s *Stats) [4]*float64 {
		return [4]*float64{&s.GCPauseP50Seconds, &s.GCPauseP90Seconds, &s.GCPauseP99Seconds, &s.GCPauseMaxSeconds}
	}),
	percentiles("SchedLatency", "/sched/latencies:seconds", func(s *Stats) [4]*float64 {
		return [4]*float64{&s.SchedLatencyP50Seconds, &s.SchedLatencyP90Seconds, &s.SchedLatencyP99Seconds, &s.SchedLatencyMaxSeconds}
	}),

	{[]string{"MutexWaitSeconds"}, []string{"/sync/mutex/wait/total:seconds"}, func(s *Stats, v []metrics.Value) {
		s.MutexWaitSeconds = v[0].Float64()
	}},
	uint64Field("CgoCalls", "/cgo/go-to-c-calls:calls", func(s *Stats) *uint64 { return &s.CgoCalls }),
}
