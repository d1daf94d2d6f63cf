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
		Description: "Every gen.NodeInfo field the running ergo has (name, uptime, versions, process/name/alias/event " +
			"counts, applications, memory, CPU time, loggers, cron), plus the Go version, GOMAXPROCS and Capabilities: " +
			"which version-dependent ergo APIs exist and which build tags are active (pprof labels, mailbox latency), " +
			"with what is unavailable and why. On ergo 3.1/3.2 NodeInfo reads runtime.MemStats, a brief stop-the-world: " +
			"poll runtime_stats instead for memory trends. Env appears only when the node sets Security.ExposeEnvInfo, " +
			"with secret-looking values redacted.",
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
