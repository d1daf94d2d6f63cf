package tools

import (
	"github.com/ergomcp/ergomcp/internal/rtstats"
	"github.com/ergomcp/ergomcp/tools/catalog"
)

type runtimeStatsArgs struct {
	catalog.Common
}

func init() {
	register(catalog.Tool{
		Name:   "runtime_stats",
		FanOut: true,
		Title:  "Go runtime statistics",
		Description: "Go runtime health from runtime/metrics, without stopping the world (safe to poll): goroutines " +
			"(by state where this Go reports it), heap live/goal/limit, memory classes, GC cycles and CPU share, GC pause " +
			"and scheduler latency percentiles, threads, GOMAXPROCS. Metrics this Go version lacks are listed as unavailable.",
	}, runtimeStats)
}

func runtimeStats(env *Env, args *runtimeStatsArgs) (any, error) {
	return rtstats.Read(), nil
}
