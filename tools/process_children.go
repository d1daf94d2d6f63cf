package tools

import (
	"strings"

	"ergo.services/ergo/gen"

	"github.com/ergomcp/ergomcp/internal/catalog"
	"github.com/ergomcp/ergomcp/internal/rank"
	"github.com/ergomcp/ergomcp/internal/record"
)

type processChildrenArgs struct {
	catalog.Common
	catalog.Page
	Parent    string `json:"parent" arg:"required" jsonschema:"PID or registered name"`
	Recursive bool   `json:"recursive,omitempty" jsonschema:"the whole subtree, with Depth"`
	Limit     int    `json:"limit,omitempty" arg:"rule=list_limit"`
}

// Validate requires parent and checks limit the way process_list does.
func (a *processChildrenArgs) Validate() error {
	if strings.TrimSpace(a.Parent) == "" {
		return catalog.Errorf("parent is required: a PID as Ergo prints it (e.g. <90A29F11.0.1017>) or a registered name")
	}
	t := targetOf(a.Parent)
	if err := t.Validate(); err != nil {
		return err
	}
	return rank.CheckLimit(&a.Limit)
}

func init() {
	register(catalog.Tool{
		Name:  "process_children",
		Title: "Children of a process",
		Description: "Children of parent (a supervisor's, say) as process_list records; recursive=true gives the subtree with Depth. " +
			"Reads the whole process table.",
	}, processChildren)
}

func processChildren(env *Env, args *processChildrenArgs) (any, error) {
	parent, err := env.resolve(targetOf(args.Parent))
	if err != nil {
		return nil, err
	}
	node := env.Node()
	if _, err := node.ProcessState(parent); err != nil {
		return nil, processError(env, parent, err)
	}
	// depth holds the subtree's IDs seen so far. One pass in PID order finds
	// every descendant: ergo numbers processes from one increasing counter and
	// a process is spawned by its (living) parent, so a child's ID is always
	// above its parent's and the parent is in depth before the child comes.
	depth := map[uint64]int{parent.ID: 0}
	var kept []gen.ProcessShortInfo
	var depths []int
	total := 0
	err = env.scanProcesses("process_children", func(p *gen.ProcessShortInfo) {
		d, ok := depth[p.Parent.ID]
		if !ok || p.Parent.Node != parent.Node {
			return
		}
		if args.Recursive { // without it depth keeps the parent alone
			depth[p.PID.ID] = d + 1
		}
		total++
		if len(kept) < env.gather(args.Limit) {
			kept = append(kept, *p)
			depths = append(depths, d+1)
		}
	})
	if err != nil {
		return nil, err
	}
	var more func(i int) []record.Field
	if args.Recursive {
		more = func(i int) []record.Field { return []record.Field{{Name: "Depth", Value: depths[i]}} }
	}
	list, err := env.Server.shortInfoList(env.Server.queryCaps(node), kept, more)
	if err != nil {
		return nil, err
	}
	list.Total, list.Truncated = total, total > len(kept)
	list.Extra = []record.Field{{Name: "parent", Value: parent}, {Name: "recursive", Value: args.Recursive}}
	return list, nil
}
