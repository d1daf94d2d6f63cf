package tools

import (
	"reflect"
	"runtime"

	"ergo.services/ergo/gen"

	"github.com/ergomcp/ergomcp/internal/catalog"
	"github.com/ergomcp/ergomcp/internal/record"
	"github.com/ergomcp/ergomcp/internal/redact"
)

type nodeInfoArgs struct {
	catalog.Common
}

func init() {
	register(catalog.Tool{
		Name:   "node_info",
		FanOut: true,
		Title:  "Node summary",
		Description: "gen.NodeInfo (process counts, applications, uptime, memory), the ergo and Go versions and Capabilities: which " +
			"version-dependent fields and build tags (-tags=pprof, latency) this node has; on ergo < 3.3 also ProcessesSpawned and ProcessesTerminated since ergomcp started. On ergo < 3.3 it briefly stops " +
			"the world: poll runtime_stats instead.",
	}, nodeInfo)
}

func nodeInfo(env *Env, args *nodeInfoArgs) (any, error) {
	node := env.Node()
	info, err := node.Info()
	if err != nil {
		return nil, catalog.Errorf("node info: %v", err)
	}
	var envVars map[string]any
	if node.Security().ExposeEnvInfo {
		envVars = redact.Map(info.Env, func(k gen.Env) string { return string(k) })
	}
	fields := []record.Field{{Name: "Env", Value: envVars}}
	fields = append(fields, env.Server.spawnTotals(node, info.ProcessesTotal)...)
	return record.Append(nil, info, []string{"Env"}, append(fields,
		record.Field{Name: "GoVersion", Value: runtime.Version()},
		record.Field{Name: "GOMAXPROCS", Value: runtime.GOMAXPROCS(0)},
		record.Field{Name: "NumCPU", Value: runtime.NumCPU()},
		record.Field{Name: "Capabilities", Value: env.Server.capabilities(node)},
	)...)
}

// nodeInfoHasSpawned: ergo 3.3's NodeInfo counts spawned and terminated
// processes itself; 3.1 and 3.2 have no such totals.
var nodeInfoHasSpawned = func() bool {
	_, ok := reflect.TypeFor[gen.NodeInfo]().FieldByName("ProcessesSpawned")
	return ok
}()

// spawnTotals gives ergo 3.1/3.2's node_info the processes spawned and
// terminated since ergomcp started, from the history's baseline: ergo
// numbers PIDs in spawn order, so the highest PID alive now less the
// highest at the start is what was spawned, and what was spawned less the
// change in the count is what ended.
func (rt *Server) spawnTotals(node gen.Node, processes int64) []record.Field {
	if nodeInfoHasSpawned || rt.History == nil {
		return nil
	}
	base := rt.History.Baseline()
	if base.At.IsZero() {
		return nil
	}
	var top uint64
	if pids, err := node.ProcessList(); err == nil {
		for _, pid := range pids {
			top = max(top, pid.ID)
		}
	}
	spawned := rt.History.SeeHighest(top) - base.HighestPID
	terminated := max(int64(spawned)-(processes-int64(base.Processes)), 0)
	return []record.Field{
		{Name: "ProcessesSpawned", Value: spawned},
		{Name: "ProcessesTerminated", Value: terminated},
		{Name: "ProcessesCountedSince", Value: base.At.UTC()},
	}
}
