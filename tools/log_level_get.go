package tools

import (
	"github.com/ergomcp/ergomcp/internal/record"
	"github.com/ergomcp/ergomcp/tools/catalog"
)

type logLevelGetArgs struct {
	catalog.Common
	LogTargetArg
}

func init() {
	register(catalog.Tool{
		Name:  "log_level_get",
		Title: "Read a log level",
		Description: "The current log level of the node (target \"node\"), of a local process (PID or registered " +
			"name) or of a meta process (alias): trace, debug, info, warning, error, panic or disabled. A process or " +
			"meta process that logs below this level stays silent; log_level_set changes it (when actions are enabled).",
	}, logLevelGet)
}

func logLevelGet(env *Env, args *logLevelGetArgs) (any, error) {
	t, level, err := env.logTarget(args.Target)
	if err != nil {
		return nil, err
	}
	return t.result(record.Field{Name: "Level", Value: level})
}
