package tools

import (
	"fmt"
	"math"
	"time"

	"ergo.services/ergo/gen"

	"github.com/ergomcp/ergomcp/internal/catalog"
	"github.com/ergomcp/ergomcp/internal/query"
	"github.com/ergomcp/ergomcp/internal/record"
	"github.com/ergomcp/ergomcp/internal/result"
	"github.com/ergomcp/ergomcp/internal/window"
)

// processTopArgs takes process_list's filters and limit; its own sort_by
// shadows process_list's (a field of the outer struct wins in JSON and in
// the schema).
type processTopArgs struct {
	catalog.Common
	catalog.Page
	query.ProcessArgs
	WindowMs int    `json:"window_ms,omitempty" arg:"rule=window_ms"`
	SortBy   string `json:"sort_by,omitempty" jsonschema:"largest first; default cpu"`
}

func (a *processTopArgs) Validate() error {
	if err := window.Validate(&a.WindowMs, &a.SortBy); err != nil {
		return err
	}
	a.ProcessArgs.SortBy = ""
	return a.ProcessArgs.Validate()
}

func init() {
	register(catalog.Tool{
		Name:   "process_top",
		FanOut: true,
		Title:  "Busiest processes over a window",
		Description: "Who is busy now: reads every process twice window_ms apart and ranks by what happened in between: message " +
			"rates, CPU share, mailbox growth, EstLatencyMs (mailbox / processing rate) and TimeToDrainS. Works on every " +
			"ergo. Costs window_ms; filters as process_list.",
		Long:  true,
		Enums: map[string][]any{"sort_by": enumAny(window.SortKeys)},
	}, processTop)
}

func processTop(env *Env, args *processTopArgs) (any, error) {
	caps := env.Server.queryCaps(env.Node())
	plan, err := args.ProcessArgs.Plan(caps)
	if err == nil {
		plan.Skip(env.gather(0))
	}
	if err != nil {
		return nil, err
	}
	total := time.Duration(args.WindowMs) * time.Millisecond

	var before window.Snapshot
	start := time.Now()
	err = env.scanProcesses("process_top", func(p *gen.ProcessShortInfo) {
		before = append(before, sample(p))
	})
	if err != nil {
		return nil, err
	}
	env.progress(0, total.Seconds(), fmt.Sprintf("first snapshot: %d processes; waiting %s", len(before), total))
	if window.Wait(env.Ctx, total, progressEvery(total), func(elapsed, total time.Duration) {
		env.progress(elapsed.Seconds(), total.Seconds(), fmt.Sprintf("window: %.1fs of %.1fs", elapsed.Seconds(), total.Seconds()))
	}) {
		return nil, catalog.Errorf("process_top cancelled during its window: %v", env.Ctx.Err())
	}

	// Both passes walk the table in PID order at about the same pace, so
	// the time between their starts is each process's window.
	elapsed := time.Since(start)
	cursor := window.NewCursor(before)
	top := query.NewTop[topRow](plan)
	value := window.Key(args.SortBy)
	var x query.Proc
	stale := 0
	err = env.scanProcesses("process_top", func(p *gen.ProcessShortInfo) {
		env.Server.fill(&x, p)
		if !plan.Match(&x) {
			return
		}
		after := sample(p)
		r := window.Measure(cursor.Find(p.PID.ID), &after, elapsed)
		if r.CPUStale {
			stale++
		}
		top.OfferKey(p.PID.ID, query.FloatKey(value(&r)), func() topRow {
			return topRow{info: *p, rates: r}
		})
	})
	if err != nil {
		return nil, err
	}

	list := &result.List{ItemsKey: "processes", Total: top.Matched(), Unavailable: caps.Unavailable()}
	latency := caps.LatencyMeasured
	for _, row := range top.Result() {
		item, err := record.AppendValue(nil, row.record(latency, &x, env.Server))
		if err != nil {
			return nil, fmt.Errorf("encoding process %s: %w", row.info.PID, err)
		}
		list.Items = append(list.Items, item)
	}
	list.Truncated = list.Total > len(list.Items)
	list.Extra = []record.Field{
		{Name: "window_ms", Value: elapsed.Milliseconds()},
		{Name: "sort_by", Value: args.SortBy},
		{Name: "processes_before", Value: len(before)},
	}
	if stale > 0 {
		list.Extra = append(list.Extra, record.Field{Name: "cpu_stale", Value: fmt.Sprintf(
			"%d matching processes handled messages but recorded no running time (ergo records it when a mailbox empties): their CPU is unknown, not 0", stale)})
	}
	return list, nil
}

// progressEvery spaces progress notifications: about ten per window, at
// most one every 100 ms, at least one a second.
func progressEvery(total time.Duration) time.Duration {
	return min(max(total/10, 100*time.Millisecond), time.Second)
}

func sample(p *gen.ProcessShortInfo) window.Sample {
	return window.Sample{
		ID:          p.PID.ID,
		MessagesIn:  p.MessagesIn,
		MessagesOut: p.MessagesOut,
		Mailbox:     p.MessagesMailbox,
		RunningTime: p.RunningTime,
		Uptime:      p.Uptime,
	}
}

// topRow is one ranked process: its record at the window's end, copied
// only when it ranks, and its rates.
type topRow struct {
	info  gen.ProcessShortInfo
	rates window.Rates
}

// topRecord is one process in process_top's answer.
type topRecord struct {
	PID         gen.PID
	Name        gen.Atom
	Application gen.Atom
	Behavior    string
	State       string

	Mailbox           uint64
	MessagesInRate    float64
	MessagesOutRate   float64
	CPU               float64
	MailboxGrowthRate float64
	ProcessingRate    float64
	// EstLatencyMs and TimeToDrainS are numbers, or "stalled" and "never"
	// where the value is infinite (JSON has no infinity).
	EstLatencyMs any
	TimeToDrainS any
	// MailboxLatencyMs is ergo's own measurement (≥ 3.3, -tags=latency);
	// null elsewhere.
	MailboxLatencyMs *float64

	New, Reset, Stalled, CPUStale bool
}

func (row *topRow) record(latency bool, x *query.Proc, rt *Server) topRecord {
	r, p := &row.rates, &row.info
	out := topRecord{
		PID:               p.PID,
		Name:              p.Name,
		Application:       p.Application,
		Behavior:          p.Behavior,
		State:             p.State.String(),
		Mailbox:           r.Mailbox,
		MessagesInRate:    round(r.InRate),
		MessagesOutRate:   round(r.OutRate),
		CPU:               round(r.CPU),
		MailboxGrowthRate: round(r.MailboxGrowth),
		ProcessingRate:    round(r.ProcessingRate),
		EstLatencyMs:      finiteOr(r.EstLatency*1e3, "stalled"),
		TimeToDrainS:      finiteOr(r.TimeToDrain, "never"),
		New:               r.New,
		Reset:             r.Reset,
		Stalled:           r.Stalled,
		CPUStale:          r.CPUStale,
	}
	if !r.Stalled && math.IsInf(r.EstLatency, 1) {
		out.EstLatencyMs = "unknown" // messages arrived but none handled yet: too soon to say
	}
	if latency {
		rt.fill(x, p)
		if x.MailboxLatency >= 0 {
			ms := round(float64(x.MailboxLatency) / 1e6)
			out.MailboxLatencyMs = &ms
		}
	}
	return out
}

// round keeps three decimals: rates are estimates, and long fractions only
// cost the reader.
func round(f float64) float64 { return math.Round(f*1000) / 1000 }

func finiteOr(f float64, word string) any {
	if v, ok := window.Finite(f); ok {
		return round(v)
	}
	return word
}

// Lasts is the window: a node="*" call plans its rounds with it.
func (a *processTopArgs) Lasts() time.Duration { return time.Duration(a.WindowMs) * time.Millisecond }
