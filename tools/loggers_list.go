package tools

import (
	"encoding/json"
	"slices"

	"ergo.services/ergo/gen"

	"github.com/ergomcp/ergomcp/internal/catalog"
	"github.com/ergomcp/ergomcp/internal/record"
	"github.com/ergomcp/ergomcp/internal/result"
)

type loggersListArgs struct {
	catalog.Common
	catalog.Page
}

// maxLoggers bounds the list; nodes register a handful of loggers.
const maxLoggers = 1000

func init() {
	register(catalog.Tool{
		Name:  "loggers_list",
		Title: "List loggers",
		Description: "Registered loggers: Name, Behavior and the Levels each receives, plus node_level. On ergo < 3.3 this briefly " +
			"stops the world.",
	}, loggersList)
}

// loggerSummary is one logger as loggers_list shows it.
type loggerSummary struct {
	Name     string
	Behavior string
	Levels   []gen.LogLevel
}

func loggersList(env *Env, args *loggersListArgs) (any, error) {
	node := env.Node()
	info, err := node.Info()
	if err != nil {
		return nil, catalog.Errorf("node info: %v", err)
	}
	behavior := make(map[string]string, len(info.Loggers))
	for _, l := range info.Loggers {
		behavior[l.Name] = l.Behavior
	}
	names := node.Loggers()
	slices.Sort(names)
	list := &result.List{
		Total:     len(names),
		Truncated: len(names) > maxLoggers,
		ItemsKey:  "loggers",
		Extra:     []record.Field{{Name: "node_level", Value: info.LogLevel}},
	}
	for _, name := range names[:min(len(names), maxLoggers)] {
		// ergo collects the levels from a map: sort them by severity.
		levels := node.LoggerLevels(name)
		slices.Sort(levels)
		item, err := record.Append(nil, loggerSummary{Name: name, Behavior: behavior[name], Levels: levels}, nil)
		if err != nil {
			return nil, err
		}
		list.Items = append(list.Items, json.RawMessage(item))
	}
	return list, nil
}
