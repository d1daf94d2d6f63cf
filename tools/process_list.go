package tools

import (
	"encoding/json"
	"unsafe"

	"ergo.services/ergo/gen"

	"github.com/ergomcp/ergomcp/internal/catalog"
	"github.com/ergomcp/ergomcp/internal/query"
	"github.com/ergomcp/ergomcp/internal/record"
)

type processListArgs struct {
	catalog.Common
	catalog.Page
	query.ProcessArgs
}

func init() {
	register(catalog.Tool{
		Name:   "process_list",
		FanOut: true,
		Title:  "List processes",
		Description: "Processes as gen.ProcessShortInfo rows plus Utilization (RunningTime/Uptime) and, on ergo ≥ 3.3, Drain " +
			"(MessagesIn/Wakeups). Filters narrow, sort_by ranks (largest first; default pid order). sort_by=mailbox finds " +
			"a slow consumer. On ergo < 3.3 RunningTime grows only when a process empties its mailbox (process_top flags " +
			"CPUStale).",
		Enums: map[string][]any{"sort_by": query.Enums()["sort_by"]},
	}, processList)
}

func processList(env *Env, args *processListArgs) (any, error) {
	list, err := env.topProcesses("process_list", &args.ProcessArgs)
	if err != nil {
		return nil, err
	}
	return list, nil
}

// queryCaps says which newer fields this node's records carry.
func (rt *Server) queryCaps(node gen.Node) query.Caps {
	return query.Caps{
		MailboxLatency:  rt.shortInfo.MailboxLatency.OK(),
		LatencyMeasured: rt.latencyMeasured(node),
		Wakeups:         rt.shortInfo.Wakeups.OK(),
		InitTime:        rt.shortInfo.InitTime.OK(),
	}
}

// fill copies what filters and sorts read; fields newer than ergo 3.1 are
// read at offsets probed at start.
func (rt *Server) fill(x *query.Proc, p *gen.ProcessShortInfo) {
	raw := unsafe.Pointer(p)
	*x = query.Proc{
		ID:             p.PID.ID,
		Name:           string(p.Name),
		Application:    string(p.Application),
		Behavior:       p.Behavior,
		State:          p.State.String(),
		MessagesIn:     p.MessagesIn,
		MessagesOut:    p.MessagesOut,
		Mailbox:        p.MessagesMailbox,
		RunningTime:    p.RunningTime,
		Uptime:         p.Uptime,
		MailboxLatency: rt.shortInfo.MailboxLatency.Int64(raw),
		Wakeups:        rt.shortInfo.Wakeups.Uint64(raw),
		InitTime:       rt.shortInfo.InitTime.Uint64(raw),
	}
}

// shortInfoRecord encodes one record with its derived metrics, then more
// (a tool's own fields, such as process_children's Depth); x is scratch
// space.
func (rt *Server) shortInfoRecord(p *gen.ProcessShortInfo, x *query.Proc, more ...record.Field) (json.RawMessage, error) {
	rt.fill(x, p)
	var extra []record.Field
	if v, ok := query.Utilization(x); ok {
		extra = append(extra, record.Field{Name: "Utilization", Value: v})
	}
	if v, ok := query.Drain(x); ok && rt.shortInfo.Wakeups.OK() {
		extra = append(extra, record.Field{Name: "Drain", Value: v})
	}
	return record.Append(nil, *p, nil, append(extra, more...)...)
}
