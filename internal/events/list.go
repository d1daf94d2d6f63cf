package events

import (
	"math"
	"slices"
	"strings"

	"github.com/ergomcp/ergomcp/internal/catalog"
	"github.com/ergomcp/ergomcp/internal/rank"
)

// ListArgs are event_list's own arguments; the tool embeds them next to
// catalog.Common. Zero values mean "no filter"; the bounds whose zero is a
// meaningful value (max_*) and the yes/no filters are pointers.
type ListArgs struct {
	Limit            int    `json:"limit,omitempty" arg:"rule=list_limit"`
	Name             string `json:"name,omitempty" jsonschema:"substring of the name"`
	Producer         string `json:"producer,omitempty" jsonschema:"PID or registered name"`
	Notify           *bool  `json:"notify,omitempty" jsonschema:"ergo ≥ 3.3"`
	MinSubscribers   int64  `json:"min_subscribers,omitempty"`
	MaxSubscribers   *int64 `json:"max_subscribers,omitempty"`
	MinPublished     int64  `json:"min_published,omitempty" jsonschema:"ergo ≥ 3.3"`
	MaxPublished     *int64 `json:"max_published,omitempty" jsonschema:"ergo ≥ 3.3"`
	HasBuffer        *bool  `json:"has_buffer,omitempty" jsonschema:"ergo ≥ 3.3"`
	UtilizationState string `json:"utilization_state,omitempty" jsonschema:"ergo < 3.3 knows only has_subscribers, no_subscribers, no_local_subscribers"`
	SortBy           string `json:"sort_by,omitempty" jsonschema:"largest first; default by name"`
}

// sortKeys is event_list's sort_by table, each key with the column it
// needs; without sort_by the list is in name order, the tie-breaker of
// every key.
var sortKeys = rank.Keys[Event, col]{
	rank.Field[Event]("subscribers", "Subscribers", colSubscribers),
	rank.Field[Event]("published", "MessagesPublished", colMessagesPublished),
	rank.Field[Event]("local_sent", "MessagesLocalSent", colMessagesLocalSent),
	rank.Field[Event]("remote_sent", "MessagesRemoteSent", colMessagesRemoteSent),
}

// byName is the order without sort_by: every event ranks alike, so names
// alone order them.
var byName = rank.Tie[Event]("", col(0))

// Enums gives the schema enums of the arguments that take a fixed set.
func Enums() map[string][]any {
	e := map[string][]any{}
	e["sort_by"] = sortKeys.Names()
	for _, s := range States() {
		e["utilization_state"] = append(e["utilization_state"], s)
	}
	return e
}

// normalize lowers v and spells separators as underscores, as agents write
// "on-demand", "No Subscribers" or "local_sent" alike.
func normalize(v string) string {
	return strings.NewReplacer("-", "_", " ", "_").Replace(strings.ToLower(strings.TrimSpace(v)))
}

// Validate fills defaults, normalises names and checks what does not
// depend on the node: ranges, known sort keys and states.
func (a *ListArgs) Validate() error {
	if err := rank.CheckLimit(&a.Limit); err != nil {
		return err
	}
	a.SortBy, a.UtilizationState = normalize(a.SortBy), normalize(a.UtilizationState)
	if _, err := a.sortKey(); err != nil {
		return err
	}
	if a.UtilizationState != "" && !slices.Contains(States(), a.UtilizationState) {
		return catalog.Errorf("utilization_state %q is not valid; use one of: %s", a.UtilizationState, strings.Join(States(), ", "))
	}
	for _, b := range []struct {
		min  int64
		max  *int64
		name string
	}{
		{a.MinSubscribers, a.MaxSubscribers, "subscribers"},
		{a.MinPublished, a.MaxPublished, "published"},
	} {
		switch {
		case b.min < 0:
			return catalog.Errorf("min_%s must not be negative, got %d", b.name, b.min)
		case b.max != nil && *b.max < 0:
			return catalog.Errorf("max_%s must not be negative, got %d", b.name, *b.max)
		case b.max != nil && b.min > *b.max:
			return catalog.Errorf("min_%s (%d) is greater than max_%s (%d): no event can match", b.name, b.min, b.name, *b.max)
		}
	}
	return nil
}

// sortKey is the key sort_by names, byName without one.
func (a *ListArgs) sortKey() (*rank.Key[Event, col], error) {
	if a.SortBy == "" {
		return &byName, nil
	}
	return sortKeys.Lookup(a.SortBy)
}

// Skip makes the plan keep n rows more than its limit: the rows a paged
// call (offset n) skips.
func (p *Plan) Skip(n int) { p.limit += n }

// Plan is a compiled event_list query. Build it with ListArgs.Plan.
type Plan struct {
	avail            Availability
	limit            int
	sort             *rank.Key[Event, col]
	name, producer   string
	state            string
	notify, buffered *bool
	minSubs, maxSubs int64
	minPub, maxPub   int64
}

// Plan validates a and compiles it for a source that reports avail.
// producer is the Producer filter resolved to a PID as ergo prints it (the
// caller resolves names). An argument on a column the source lacks, or a
// state it cannot produce, is an error that says why: treating unknown
// values as zero would silently match nothing, or everything.
func (a *ListArgs) Plan(avail Availability, producer string) (*Plan, error) {
	if err := a.Validate(); err != nil {
		return nil, err
	}
	k, _ := a.sortKey() // checked by Validate
	p := &Plan{
		avail: avail, limit: a.Limit, sort: k,
		name: a.Name, producer: producer, state: a.UtilizationState,
		notify: a.Notify, buffered: a.HasBuffer,
		minSubs: a.MinSubscribers, maxSubs: bound(a.MaxSubscribers),
		minPub: a.MinPublished, maxPub: bound(a.MaxPublished),
	}
	checks := []struct {
		used bool
		what string
		need col
	}{
		{a.Notify != nil, "notify", colNotify},
		{a.HasBuffer != nil, "has_buffer", colBufferSize},
		{a.MinSubscribers > 0 || a.MaxSubscribers != nil, "min_subscribers/max_subscribers", colSubscribers},
		{a.MinPublished > 0 || a.MaxPublished != nil, "min_published/max_published", colMessagesPublished},
		{a.SortBy != "", "sort_by=" + a.SortBy, k.Needs},
	}
	for _, c := range checks {
		if c.used {
			if why := avail.missing(c.need); why != "" {
				return nil, catalog.Errorf("%s %s", c.what, why)
			}
		}
	}
	if err := avail.checkState(p.state); err != nil {
		return nil, err
	}
	return p, nil
}

// bound turns an optional upper bound into a plain one.
func bound(max *int64) int64 {
	if max == nil {
		return math.MaxInt64
	}
	return *max
}

// checkState refuses a state the source cannot produce, naming the ones it
// can and the version that has the rest.
func (a Availability) checkState(state string) error {
	valid := a.states()
	if state == "" || slices.Contains(valid, state) {
		return nil
	}
	if len(valid) == 0 {
		return catalog.Errorf("utilization_state %s", a.missing(colSubscribers))
	}
	if slices.Contains(fullStates, state) {
		return catalog.Errorf("utilization_state=%s %s; this node can tell only %s (publishing and Notify are unknown); min_subscribers and max_subscribers filter on what is known",
			state, a.missing(colMessagesPublished|colNotify), strings.Join(valid, ", "))
	}
	return catalog.Errorf("utilization_state=%s is a state of ergo < 3.3, where publishing is unknown; this node reports %s (min_subscribers=1 selects events with subscribers)",
		state, strings.Join(valid, ", "))
}

// Match reports whether e, already classified, passes every filter.
func (p *Plan) Match(e *Event) bool {
	return e.Subscribers >= p.minSubs && e.Subscribers <= p.maxSubs &&
		e.MessagesPublished >= p.minPub && e.MessagesPublished <= p.maxPub &&
		(p.notify == nil || e.Notify == *p.notify) &&
		(p.buffered == nil || (e.BufferSize > 0) == *p.buffered) &&
		(p.state == "" || e.UtilizationState == p.state) &&
		(p.producer == "" || e.Producer == p.producer) &&
		strings.Contains(e.Name, p.name)
}

// Top keeps the best Limit matching events of a plan in the list engine's
// bounded top-N: the sort key descending, then name ascending, in
// O(limit) memory however many events the node has.
type Top struct {
	plan *Plan
	top  *rank.Top[Event, string]
}

// NewTop returns an empty Top for p.
func NewTop(p *Plan) *Top {
	return &Top{plan: p, top: rank.NewTop[Event, string](p.limit)}
}

// Offer classifies e and keeps it when it matches and ranks among the best.
func (t *Top) Offer(e Event) {
	p := t.plan
	p.avail.Classify(&e)
	if p.Match(&e) {
		t.top.Offer(p.sort.Of(&e), e.Name, func() Event { return e })
	}
}

// Matched is how many events passed the filters: the list's total.
func (t *Top) Matched() int { return t.top.Offered() }

// Result returns the kept events, best first.
func (t *Top) Result() []Event { return t.top.Result() }
