package tools

import (
	"errors"
	"strings"

	"ergo.services/ergo/gen"

	"github.com/ergomcp/ergomcp/internal/catalog"
	"github.com/ergomcp/ergomcp/internal/record"
)

type logLevelSetArgs struct {
	catalog.Common
	LogTargetArg
	Level string `json:"level" arg:"required" jsonschema:"trace, debug, info, warning, error, panic or disabled"`
}

// settableLevels are the levels log_level_set accepts, in severity order.
var settableLevels = []gen.LogLevel{
	gen.LogLevelTrace, gen.LogLevelDebug, gen.LogLevelInfo, gen.LogLevelWarning,
	gen.LogLevelError, gen.LogLevelPanic, gen.LogLevelDisabled,
}

// Validate checks target and level.
func (a *logLevelSetArgs) Validate() error {
	if err := a.LogTargetArg.Validate(); err != nil {
		return err
	}
	_, err := parseLogLevel(a.Level)
	return err
}

// parseLogLevel maps a level name, as ergo prints it, to the level.
func parseLogLevel(s string) (gen.LogLevel, error) {
	norm := strings.ToLower(strings.TrimSpace(s))
	for _, l := range settableLevels {
		if l.String() == norm {
			return l, nil
		}
	}
	valid := strings.Join(logLevelNames(), ", ")
	if norm == "" {
		return 0, catalog.Errorf("level is required: one of %s", valid)
	}
	return 0, catalog.Errorf("level %q is not valid; use one of: %s", s, valid)
}

// logLevelNames lists settableLevels as ergo prints them.
func logLevelNames() []string {
	names := make([]string, len(settableLevels))
	for i, l := range settableLevels {
		names[i] = l.String()
	}
	return names
}

func init() {
	register(catalog.Tool{
		Name:       "log_level_set",
		Title:      "Change a log level",
		Kind:       catalog.Mutating,
		Idempotent: true,
		Description: "Sets the log level of the node (target \"node\"), of a local process (PID or registered name) " +
			"or of a meta process (alias) to trace, debug, info, warning, error, panic or disabled, and returns the " +
			"old and new level. Lasts until changed again or the process restarts; remember to set it back. " +
			"Mutating: refused unless the operator set Options.EnableActions. ergo 3.1/3.2 accept trace only at " +
			"spawn (gen.ProcessOptions.LogLevel), not here.",
		Enums: map[string][]any{"level": enumAny(logLevelNames())},
	}, logLevelSet)
}

// The per-process and per-meta setters were renamed in ergo 3.3; neither
// name exists in every version, so they are reached through these.
type (
	processLevelSetter interface {
		SetProcessLogLevel(gen.PID, gen.LogLevel) error
	}
	processLevelSetter31 interface {
		SetLogLevelProcess(gen.PID, gen.LogLevel) error
	}
	metaLevelSetter interface {
		SetMetaLogLevel(gen.Alias, gen.LogLevel) error
	}
	metaLevelSetter31 interface {
		SetLogLevelMeta(gen.Alias, gen.LogLevel) error
	}
)

func logLevelSet(env *Env, args *logLevelSetArgs) (any, error) {
	level, err := parseLogLevel(args.Level)
	if err != nil {
		return nil, err
	}
	t, old, err := env.logTarget(args.Target)
	if err != nil {
		return nil, err
	}
	if err := setLogLevel(env.Node(), t, level); err != nil {
		if errors.Is(err, gen.ErrIncorrect) {
			return nil, catalog.Errorf("ergo refused level %s for %s (%v): this ergo accepts debug through disabled "+
				"at run time; trace only when the process or node starts with it", level, t.id(), err)
		}
		return nil, catalog.Errorf("setting the log level of %s: %v", t.id(), err)
	}
	now, err := env.logLevel(t)
	if err != nil {
		return nil, err
	}
	return t.result(record.Field{Name: "OldLevel", Value: old}, record.Field{Name: "NewLevel", Value: now})
}

// setLogLevel calls whichever setter the running ergo has.
func setLogLevel(node gen.Node, t logTarget, level gen.LogLevel) error {
	switch t.kind {
	case "process":
		if s, ok := node.(processLevelSetter); ok {
			return s.SetProcessLogLevel(t.pid, level)
		}
		if s, ok := node.(processLevelSetter31); ok {
			return s.SetLogLevelProcess(t.pid, level)
		}
	case "meta":
		if s, ok := node.(metaLevelSetter); ok {
			return s.SetMetaLogLevel(t.alias, level)
		}
		if s, ok := node.(metaLevelSetter31); ok {
			return s.SetLogLevelMeta(t.alias, level)
		}
	default:
		return node.Log().SetLevel(level)
	}
	return errors.New("this ergo has no per-" + t.kind + " log level setter")
}
