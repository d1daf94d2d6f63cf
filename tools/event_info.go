package tools

import (
	"time"

	"github.com/ergomcp/ergomcp/internal/catalog"
	"github.com/ergomcp/ergomcp/internal/record"
)

type eventInfoArgs struct {
	catalog.Common
	Name string `json:"name" arg:"required" jsonschema:"as event_list shows it"`
}

// Validate requires the name.
func (a *eventInfoArgs) Validate() error {
	return requireNonBlank(a.Name, "name is required: an event name as event_list shows it")
}

func init() {
	register(catalog.Tool{
		Name:  "event_info",
		Title: "Event details",
		Description: "One event by exact name: its event_list record plus Unavailable. On ergo < 3.3 rebuilt from process info, with " +
			"up to 100 local subscriber PIDs.",
	}, eventInfo)
}

func eventInfo(env *Env, args *eventInfoArgs) (any, error) {
	src := env.openEvents()
	if err := src.load(env, "event_info", args.Name); err != nil {
		return nil, err
	}
	e, subs, err := src.one(env, args.Name)
	if err != nil {
		return nil, err
	}
	src.avail.Classify(&e)
	var extra []record.Field
	if src.rebuilt != nil {
		extra = append(extra, record.Field{Name: "LocalSubscribers", Value: subs})
	}
	extra = append(extra, record.Field{Name: "Unavailable", Value: src.avail.Unavailable()})
	return src.avail.Encode(&e, time.Now().UnixNano(), append(extra, src.extra(true)...)...)
}
