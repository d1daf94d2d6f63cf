package tools

import (
	"runtime"

	"ergo.services/ergo/gen"

	"github.com/ergomcp/ergomcp/internal/record"
	"github.com/ergomcp/ergomcp/internal/redact"
	"github.com/ergomcp/ergomcp/tools/catalog"
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
			"version-dependent fields and build tags (-tags=pprof, latency) this node has. On ergo < 3.3 it briefly stops " +
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
	return record.Append(nil, info, []string{"Env"},
		record.Field{Name: "Env", Value: envVars},
		record.Field{Name: "GoVersion", Value: runtime.Version()},
		record.Field{Name: "GOMAXPROCS", Value: runtime.GOMAXPROCS(0)},
		record.Field{Name: "NumCPU", Value: runtime.NumCPU()},
		record.Field{Name: "Capabilities", Value: env.RT.capabilities(node)},
	)
}
