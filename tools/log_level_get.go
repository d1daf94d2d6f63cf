package tools

import (
	"github.com/ergomcp/ergomcp/internal/catalog"
	"github.com/ergomcp/ergomcp/internal/record"
)

type logLevelGetArgs struct {
	catalog.Common
	LogTargetArg
}

func init() {
	register(catalog.Tool{
		Name:        "log_level_get",
		Title:       "Read a log level",
		Description: "The log level of the node (target=node), a process (PID or name) or a meta process (alias).",
	}, logLevelGet)
}

func logLevelGet(env *Env, args *logLevelGetArgs) (any, error) {
	t, level, err := env.logTarget(args.Target)
	if err != nil {
		return nil, err
	}
	return t.result(record.Field{Name: "Level", Value: level})
}
