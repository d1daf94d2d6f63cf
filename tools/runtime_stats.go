package tools

import (
	"github.com/ergomcp/ergomcp/internal/catalog"
	"github.com/ergomcp/ergomcp/internal/rtstats"
)

type runtimeStatsArgs struct {
	catalog.Common
}

func init() {
	register(catalog.Tool{
		Name:   "runtime_stats",
		FanOut: true,
		Title:  "Go runtime statistics",
		Description: "Go runtime health from runtime/metrics, safe to poll: goroutines, heap (live bytes change only at each GC), GC " +
			"cycles, pauses and CPU, scheduler latency, threads. CPUSeconds is the CPU time available since start " +
			"(GOMAXPROCS × wall time), not time used; GCCPUSeconds of it went to GC.",
	}, runtimeStats)
}

func runtimeStats(env *Env, args *runtimeStatsArgs) (any, error) {
	return rtstats.Read(), nil
}
