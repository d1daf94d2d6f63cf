package events

import (
	"container/heap"
	"math"
	"slices"
	"strings"

	"github.com/ergomcp/ergomcp/internal/catalog"
	"github.com/ergomcp/ergomcp/internal/query"
)

// ListArgs are event_list's own arguments; the tool embeds them next to
// catalog.Common. Zero values mean "no filter"; the bounds whose zero is a
// meaningful value (max_*) and the yes/no filters are pointers.
type ListArgs struct {
	Limit            int    `json:"limit,omitempty" arg:"min=1,max=10000,default=20"`
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

// sortKey is one sort_by value: the column it needs and its value.
type sortKey struct {
	name  string
	need  col
	value func(e *Event) int64
}

var sortKeys = []sortKey{
	{"subscribers", colSubscribers, func(e *Event) int64 { return e.Subscribers }},
	{"published", colMessagesPublished, func(e *Event) int64 { return e.MessagesPublished }},
	{"local_sent", colMessagesLocalSent, func(e *Event) int64 { return e.MessagesLocalSent }},
	{"remote_sent", colMessagesRemoteSent, func(e *Event) int64 { return e.MessagesRemoteSent }},
}

// Enums gives the schema enums of the arguments that take a fixed set.
func Enums() map[string][]any {
	e := map[string][]any{}
	for _, k := range sortKeys {
		e["sort_by"] = append(e["sort_by"], k.name)
	}
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
	switch {
	case a.Limit < 0 || a.Limit > query.MaxLimit:
		return catalog.Errorf("limit must be between 1 and %d (0 or omitted means %d), got %d", query.MaxLimit, query.DefaultLimit, a.Limit)
	case a.Limit == 0:
		a.Limit = query.DefaultLimit
	}
	a.SortBy, a.UtilizationState = normalize(a.SortBy), normalize(a.UtilizationState)
	if a.SortBy != "" && a.sortKey() == nil {
		names := make([]string, len(sortKeys))
		for i, k := range sortKeys {
			names[i] = k.name
		}
		return catalog.Errorf("sort_by %q is not valid; use one of: %s (default: by name)", a.SortBy, strings.Join(names, ", "))
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

func (a *ListArgs) sortKey() *sortKey {
	for i := range sortKeys {
		if sortKeys[i].name == a.SortBy {
			return &sortKeys[i]
		}
	}
	return nil
}

// Skip makes the plan keep n rows more than its limit: the rows a paged
// call (offset n) skips.
func (p *Plan) Skip(n int) { p.limit += n }

// Plan is a compiled event_list query. Build it with ListArgs.Plan.
type Plan struct {
	avail            Availability
	limit            int
	sort             *sortKey // nil: by name
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
	p := &Plan{
		avail: avail, limit: a.Limit, sort: a.sortKey(),
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
		{p.sort != nil, "sort_by=" + a.SortBy, sortNeed(p.sort)},
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

func sortNeed(k *sortKey) col {
	if k == nil {
		return 0
	}
	return k.need
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

// better orders the list: the sort key descending, then name ascending.
func (p *Plan) better(a, b *Event) bool {
	if p.sort != nil {
		if va, vb := p.sort.value(a), p.sort.value(b); va != vb {
			return va > vb
		}
	}
	return a.Name < b.Name
}

// Top keeps the best Limit matching events of a plan in O(limit) memory,
// however many events the node has: a heap whose root is the worst kept.
type Top struct {
	heap    worstFirst
	matched int
}

// worstFirst is a container/heap of events whose root is the worst.
type worstFirst struct {
	plan  *Plan
	items []Event
}

func (h *worstFirst) Len() int           { return len(h.items) }
func (h *worstFirst) Less(i, j int) bool { return h.plan.better(&h.items[j], &h.items[i]) }
func (h *worstFirst) Swap(i, j int)      { h.items[i], h.items[j] = h.items[j], h.items[i] }
func (h *worstFirst) Push(x any)         { h.items = append(h.items, x.(Event)) }
func (h *worstFirst) Pop() any {
	last := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	return last
}

// NewTop returns an empty Top for p.
func NewTop(p *Plan) *Top {
	return &Top{heap: worstFirst{plan: p, items: make([]Event, 0, min(p.limit, 256))}}
}

// Offer classifies e and keeps it when it matches and ranks among the best.
func (t *Top) Offer(e Event) {
	p := t.heap.plan
	p.avail.Classify(&e)
	if !p.Match(&e) {
		return
	}
	t.matched++
	switch {
	case len(t.heap.items) < p.limit:
		heap.Push(&t.heap, e)
	case p.better(&e, &t.heap.items[0]):
		t.heap.items[0] = e
		heap.Fix(&t.heap, 0)
	}
}

// Matched is how many events passed the filters: the list's total.
func (t *Top) Matched() int { return t.matched }

// Result returns the kept events, best first.
func (t *Top) Result() []Event {
	out := slices.Clone(t.heap.items)
	better := t.heap.plan.better
	slices.SortFunc(out, func(a, b Event) int {
		switch {
		case better(&a, &b):
			return -1
		case better(&b, &a):
			return 1
		}
		return 0 // names are unique on a node
	})
	return out
}
