package tools

import (
	"strings"

	"ergo.services/ergo/gen"

	"github.com/ergomcp/ergomcp/internal/catalog"
)

type metaInspectArgs struct {
	catalog.Common
	Alias string `json:"alias" arg:"required" jsonschema:"e.g. Alias#<90A29F11.0.1.2>"`
	InspectItems
}

// Validate requires a well-formed alias and bounds items.
func (a *metaInspectArgs) Validate() error {
	if strings.TrimSpace(a.Alias) == "" {
		return catalog.Errorf("alias is required: a meta process alias as Ergo prints it, e.g. Alias#<90A29F11.0.1.2> (process_info lists a process's Metas)")
	}
	return a.InspectItems.Validate()
}

func init() {
	register(catalog.Tool{
		Name:  "meta_inspect",
		Title: "Inspect a meta process",
		Long:  true, // waits on a one-shot inspector process, not a worker (see inspectOnce)
		Description: "A local meta process's HandleInspect map, by alias (process_info lists a process's Metas). No answer in 5 s: " +
			"an error saying it is likely stuck; one inspect per meta process at a time.",
	}, metaInspect)
}

func metaInspect(env *Env, args *metaInspectArgs) (any, error) {
	alias, err := env.resolveAlias(args.Alias)
	if err != nil {
		return nil, err
	}
	items, err := inspectOnce(env, inspectTarget{
		name: "meta process " + alias.String(),
		do:   func(p gen.Process) (map[string]string, error) { return p.InspectMeta(alias, args.Items...) },
		state: func() (string, gen.MailboxQueues, error) {
			info, err := env.Node().MetaInfo(alias)
			return info.State.String(), info.MailboxQueues, err
		},
		hint: "process_info of its parent shows the process that owns it",
	})
	if err != nil {
		return nil, err
	}
	return inspectResult("ID", alias, items)
}
