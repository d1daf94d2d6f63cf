package tools

import (
	"encoding/json"

	"ergo.services/ergo/gen"

	"github.com/ergomcp/ergomcp/internal/catalog"
	"github.com/ergomcp/ergomcp/internal/query"
	"github.com/ergomcp/ergomcp/internal/record"
	"github.com/ergomcp/ergomcp/internal/result"
)

// scanProcesses calls fn for every process record in PID order, one page in memory
// at a time. When the call's deadline or cancellation ends the walk early
// it fails rather than return counts of part of the table, which would read
// as the whole; tool names the caller in that error.
func (env *Env) scanProcesses(tool string, fn func(p *gen.ProcessShortInfo)) error {
	err := walkProcesses(env.Node(), func(page []gen.ProcessShortInfo) bool {
		if env.Ctx.Err() != nil {
			return false
		}
		for i := range page {
			fn(&page[i])
		}
		return true
	})
	if err != nil {
		return err
	}
	if err := env.Ctx.Err(); err != nil {
		return catalog.Errorf("%s stopped before the end of the table: %v", tool, err)
	}
	return nil
}

// topProcesses keeps the best args.Limit processes matching args, ordered
// by args.SortBy, from one pass over the table: the engine of process_list
// and app_processes, so both filter and rank alike. extra fields go into the
// list's envelope.
func (env *Env) topProcesses(tool string, args *query.ProcessArgs, extra ...record.Field) (*result.List, error) {
	caps := env.Server.queryCaps(env.Node())
	plan, err := args.Plan(caps)
	if err != nil {
		return nil, err
	}
	plan.Skip(env.gather(0))
	top := query.NewTop[gen.ProcessShortInfo](plan)
	var x query.Proc
	err = env.scanProcesses(tool, func(p *gen.ProcessShortInfo) {
		env.Server.fill(&x, p)
		top.Offer(&x, func() gen.ProcessShortInfo { return *p })
	})
	if err != nil {
		return nil, err
	}
	list, err := env.Server.shortInfoList(caps, top.Result(), nil)
	if err != nil {
		return nil, err
	}
	list.Total, list.Truncated, list.Extra = top.Matched(), top.Matched() > len(list.Items), extra
	return list, nil
}

// shortInfoList encodes kept records as a "processes" list; more, when not
// nil, gives record i's fields beyond the short info and derived metrics.
// The caller sets Total and Truncated.
func (rt *Server) shortInfoList(caps query.Caps, kept []gen.ProcessShortInfo, more func(i int) []record.Field) (*result.List, error) {
	list := &result.List{
		Unavailable: caps.Unavailable(),
		ItemsKey:    "processes",
		Items:       make([]json.RawMessage, 0, len(kept)),
	}
	var x query.Proc
	for i := range kept {
		var fields []record.Field
		if more != nil {
			fields = more(i)
		}
		item, err := rt.shortInfoRecord(&kept[i], &x, fields...)
		if err != nil {
			return nil, err
		}
		list.Items = append(list.Items, item)
	}
	return list, nil
}
