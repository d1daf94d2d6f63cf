package tools

import (
	"ergo.services/ergo/gen"

	"github.com/ergomcp/ergomcp/internal/catalog"
	"github.com/ergomcp/ergomcp/internal/record"
)

type processLookupArgs struct {
	catalog.Common
	Target
}

func init() {
	register(catalog.Tool{
		Name:        "process_lookup",
		Title:       "Name ⇄ PID",
		Description: "A registered name's PID, or a PID's registered name.",
	}, processLookup)
}

// nameByPID is the reverse lookup ergo ≥ 3.2 offers on the node.
type nameByPID interface {
	ProcessName(pid gen.PID) (gen.Atom, error)
}

func processLookup(env *Env, args *processLookupArgs) (any, error) {
	pid, err := env.resolve(args.Target)
	if err != nil {
		return nil, err
	}
	if args.Name != "" {
		return record.Append(nil, nil, nil, record.Field{Name: "Name", Value: args.Name}, record.Field{Name: "PID", Value: pid})
	}
	name, err := env.processName(pid)
	if err != nil {
		return nil, processError(env, pid, err)
	}
	fields := []record.Field{{Name: "PID", Value: pid}, {Name: "Name", Value: name}}
	if name == "" {
		fields = append(fields, record.Field{Name: "Note", Value: "the process is alive but has no registered name"})
	}
	return record.Append(nil, nil, nil, fields...)
}

// processName reads pid's registered name; ergo 3.1 has no direct lookup,
// so there it comes from the process's short record.
func (env *Env) processName(pid gen.PID) (gen.Atom, error) {
	node := env.Node()
	if n, ok := node.(nameByPID); ok {
		return n.ProcessName(pid)
	}
	info, err := processShortInfo(node, pid)
	return info.Name, err
}
