package tools

import (
	"errors"
	"strings"

	"ergo.services/ergo/gen"

	"github.com/ergomcp/ergomcp/internal/catalog"
	"github.com/ergomcp/ergomcp/internal/ident"
	"github.com/ergomcp/ergomcp/internal/record"
)

// nodeTarget is the target value that means the node's own logger. A
// process registered under this name is reached by its PID.
const nodeTarget = "node"

// LogTargetArg is the target argument of log_level_get and log_level_set.
type LogTargetArg struct {
	Target string `json:"target" arg:"required" jsonschema:"node, a PID, an alias or a registered name"`
}

// Validate checks the target's syntax.
func (a *LogTargetArg) Validate() error {
	s := strings.TrimSpace(a.Target)
	switch {
	case s == "":
		return catalog.Errorf(`target is required: "node", a PID (<90A29F11.0.1017>), a meta process alias (Alias#<90A29F11.0.1.2>) or a registered process name`)
	case s == nodeTarget:
		return nil
	case strings.HasPrefix(s, "Alias#"):
		if _, err := ident.ParseAlias(s); err != nil {
			return catalog.Wrap(err)
		}
		return nil
	}
	t := targetOf(s)
	return t.Validate()
}

// logTarget is a resolved target: the node, a process or a meta process.
type logTarget struct {
	kind  string // "node", "process" or "meta"
	pid   gen.PID
	alias gen.Alias
}

// id prints the target as results show it.
func (t logTarget) id() string {
	switch t.kind {
	case "process":
		return t.pid.String()
	case "meta":
		return t.alias.String()
	}
	return nodeTarget
}

// logTarget resolves a target argument already checked by
// LogTargetArg.Validate and reads its current level, which also proves the
// target exists.
func (env *Env) logTarget(s string) (logTarget, gen.LogLevel, error) {
	var t logTarget
	var err error
	s = strings.TrimSpace(s)
	switch {
	case s == nodeTarget:
		t.kind = nodeTarget
	case strings.HasPrefix(s, "Alias#"):
		t.kind = "meta"
		t.alias, err = env.resolveAlias(s)
	default:
		t.kind = "process"
		t.pid, err = env.resolve(targetOf(s))
	}
	if err != nil {
		return t, 0, err
	}
	level, err := env.logLevel(t)
	return t, level, err
}

// result is a log tool's answer about t: which target, then fields.
func (t logTarget) result(fields ...record.Field) ([]byte, error) {
	return record.Append(nil, nil, nil, append([]record.Field{
		{Name: "Target", Value: t.id()},
		{Name: "Kind", Value: t.kind},
	}, fields...)...)
}

// logLevel reads t's current level. ergo 3.3 dropped the per-process and
// per-meta getters, so levels come from the info records, which every
// version has (the short record for processes: see processShortInfo).
func (env *Env) logLevel(t logTarget) (gen.LogLevel, error) {
	node := env.Node()
	switch t.kind {
	case "process":
		info, err := processShortInfo(node, t.pid)
		if err != nil {
			return 0, processError(env, t.pid, err)
		}
		return info.LogLevel, nil
	case "meta":
		info, err := node.MetaInfo(t.alias)
		if errors.Is(err, gen.ErrMetaUnknown) || errors.Is(err, gen.ErrProcessUnknown) {
			return 0, catalog.Errorf("no meta process %s on %s (it may have terminated)", t.alias, node.Name())
		}
		if err != nil {
			return 0, catalog.Errorf("meta process %s: %v", t.alias, err)
		}
		return info.LogLevel, nil
	}
	return node.Log().Level(), nil
}
