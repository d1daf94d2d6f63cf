package tools

import (
	"encoding/json"
	"time"

	"github.com/ergomcp/ergomcp/internal/catalog"
	"github.com/ergomcp/ergomcp/internal/events"
	"github.com/ergomcp/ergomcp/internal/result"
)

type eventListArgs struct {
	catalog.Common
	catalog.Page
	events.ListArgs
}

func init() {
	register(catalog.Tool{
		Name:   "event_list",
		FanOut: true,
		Title:  "List events",
		Description: "Registered events (pub/sub): Producer, Subscribers, publish and delivery counters, buffer, last publish and " +
			"UtilizationState (active, on_demand, no_subscribers, no_publishing, idle). ergo < 3.3 has no event table: " +
			"rebuilt from process info with fewer columns (unavailable says which). Reach for it when messages vanish or " +
			"nobody listens.",
		Enums: events.Enums(),
	}, eventList)
}

func eventList(env *Env, args *eventListArgs) (any, error) {
	producer := ""
	if args.Producer != "" {
		t := targetOf(args.Producer)
		if err := t.Validate(); err != nil {
			return nil, err
		}
		pid, err := env.resolve(t)
		if err != nil {
			return nil, err
		}
		producer = pid.String()
	}
	// The plan comes before the scan: an argument this ergo cannot serve
	// should not cost a pass over the node.
	src := env.openEvents()
	plan, err := args.Plan(src.avail, producer)
	if err != nil {
		return nil, err
	}
	plan.Skip(env.gather(0))
	if err := src.load(env, "event_list", ""); err != nil {
		return nil, err
	}
	top := events.NewTop(plan)
	err = src.each(env, "event_list", func(e *events.Event) bool {
		top.Offer(*e)
		return true
	})
	if err != nil {
		return nil, err
	}
	kept := top.Result()
	list := &result.List{
		Total:       top.Matched(),
		Truncated:   top.Matched() > len(kept),
		Unavailable: src.avail.Unavailable(),
		Extra:       src.extra(false),
		ItemsKey:    "events",
		Items:       make([]json.RawMessage, 0, len(kept)),
	}
	now := time.Now().UnixNano()
	for i := range kept {
		item, err := src.avail.Encode(&kept[i], now)
		if err != nil {
			return nil, err
		}
		list.Items = append(list.Items, item)
	}
	return list, nil
}
