package query

import (
	"math"
	"strings"

	"github.com/ergomcp/ergomcp/internal/catalog"
	"github.com/ergomcp/ergomcp/internal/rank"
)

// need is a capability a filter or sort key depends on.
type need uint8

const (
	needNothing need = iota
	needLatency
	needWakeups
	needInitTime
)

// sortKeys is process_list's sort_by table. Without sort_by the order is
// pid's: the tie-breaker of every other key (ID ascending) is pid itself.
var sortKeys = rank.Keys[Proc, need]{
	rank.Field[Proc]("mailbox", "Mailbox", needNothing),
	rank.Field[Proc]("mailbox_latency", "MailboxLatency", needLatency),
	rank.Field[Proc]("running_time", "RunningTime", needNothing),
	rank.Field[Proc]("init_time", "InitTime", needInitTime),
	rank.Field[Proc]("wakeups", "Wakeups", needWakeups),
	rank.Field[Proc]("uptime", "Uptime", needNothing),
	rank.Field[Proc]("messages_in", "MessagesIn", needNothing),
	rank.Field[Proc]("messages_out", "MessagesOut", needNothing),
	rank.Derived("drain", needWakeups, func(x *Proc) uint64 { return rank.Float(Drain(x)) }),
	rank.Derived("utilization", needNothing, func(x *Proc) uint64 { return rank.Float(Utilization(x)) }),
	rank.FieldAscending[Proc]("pid", "ID", needNothing),
}

// pidKey is the order without sort_by.
var pidKey = &sortKeys[len(sortKeys)-1]

// lacks says why c cannot serve n, with the alternative where one exists,
// or "" when it can.
func (c Caps) lacks(n need) string {
	switch {
	case n == needLatency && !c.MailboxLatency:
		return "needs ergo ≥ 3.3 built with -tags=latency, and this node runs an older ergo; min_mailbox or sort_by=mailbox (queue length) work everywhere"
	case n == needLatency && !c.LatencyMeasured:
		return "needs ergo ≥ 3.3 built with -tags=latency, and this node was built without -tags=latency; min_mailbox or sort_by=mailbox (queue length) work everywhere"
	case n == needWakeups && !c.Wakeups:
		return "needs ergo ≥ 3.3 (per-process wakeup counts); process_top shows windowed message rates instead"
	case n == needInitTime && !c.InitTime:
		return "needs ergo ≥ 3.3 (per-process init time)"
	}
	return ""
}

// Unavailable names the ProcessShortInfo fields (and the derived Drain) that
// this node cannot report, with the reason, for a result's "unavailable".
func (c Caps) Unavailable() map[string]string {
	u := map[string]string{}
	if !c.MailboxLatency {
		u["MailboxLatency"] = "needs ergo ≥ 3.3 built with -tags=latency"
	} else if !c.LatencyMeasured {
		u["MailboxLatency"] = "needs ergo ≥ 3.3 built with -tags=latency (this node was built without it)"
	}
	if !c.Wakeups {
		u["Wakeups"] = "needs ergo ≥ 3.3"
		u["Drain"] = "needs ergo ≥ 3.3 (Drain is MessagesIn / Wakeups)"
	}
	if !c.InitTime {
		u["InitTime"] = "needs ergo ≥ 3.3"
	}
	return u
}

// Plan is a compiled process_list query: filters, sort key and limit.
// Build it with ProcessArgs.Plan; it is read-only afterwards.
type Plan struct {
	limit int
	sort  rank.Key[Proc, need]
	// field is sort's read when it is a field key (isField): the hot path
	// inlines it.
	field   rank.FieldRead[Proc]
	isField bool

	app, behavior, name, state string

	minIn, minOut, minMailbox, minRunning, minInit, minWakeups uint64
	minUptime, maxUptime                                       int64
	minLatency                                                 int64
	minDrain                                                   float64
	latency, drain                                             bool
	filtered                                                   bool // any filter set
}

// Skip makes the plan keep n rows more than its limit: the rows a paged
// call (offset n) skips, so that the rows after them rank as they would
// on one long page. Memory stays O(limit + n).
func (p *Plan) Skip(n int) { p.limit += n }

// Plan validates a (filling defaults) and compiles it for a node with caps
// c. Filters and sort keys on fields the node lacks are errors naming what
// is missing: treating absent values as zero would silently match nothing.
func (a *ProcessArgs) Plan(c Caps) (*Plan, error) {
	if err := a.Validate(); err != nil {
		return nil, err
	}
	p := &Plan{
		limit:      a.Limit,
		sort:       *pidKey,
		app:        a.Application,
		behavior:   a.Behavior,
		name:       a.Name,
		minIn:      uint64(a.MinMessagesIn),
		minOut:     uint64(a.MinMessagesOut),
		minMailbox: uint64(a.MinMailbox),
		minRunning: msToNs(a.MinRunningTimeMs),
		minInit:    msToNs(a.MinInitTimeMs),
		minWakeups: uint64(a.MinWakeups),
		minUptime:  a.MinUptime,
		maxUptime:  math.MaxInt64,
		minLatency: int64(msToNs(a.MinMailboxLatencyMs)),
		minDrain:   a.MinDrain,
		latency:    a.MinMailboxLatencyMs > 0,
		drain:      a.MinDrain > 0,
	}
	if a.MaxUptime > 0 {
		p.maxUptime = a.MaxUptime
	}
	p.filtered = a.Application != "" || a.Behavior != "" || a.Name != "" || a.State != "" ||
		p.minIn|p.minOut|p.minMailbox|p.minRunning|p.minInit|p.minWakeups != 0 ||
		p.minUptime != 0 || a.MaxUptime != 0 || p.latency || p.drain
	if a.State != "" {
		p.state, _ = ergoState(a.State) // checked by Validate
	}
	checks := []capCheck{
		{p.latency, "min_mailbox_latency_ms", needLatency},
		{p.minInit > 0, "min_init_time_ms", needInitTime},
		{p.minWakeups > 0, "min_wakeups", needWakeups},
		{p.drain, "min_drain", needWakeups},
	}
	if a.SortBy != "" {
		k, err := sortKeys.Lookup(a.SortBy)
		if err != nil {
			return nil, err
		}
		p.sort = *k
		checks = append(checks, capCheck{true, "sort_by=" + a.SortBy, k.Needs})
	}
	p.field, p.isField = p.sort.Field()
	for _, ch := range checks {
		if !ch.used {
			continue
		}
		if why := c.lacks(ch.needs); why != "" {
			return nil, catalog.Errorf("%s %s", ch.what, why)
		}
	}
	return p, nil
}

// capCheck is one argument that depends on a capability.
type capCheck struct {
	used  bool
	what  string // the argument, as the caller wrote it
	needs need
}

// msToNs converts a validated millisecond threshold, rounding up so that a
// threshold never admits a value below it.
func msToNs(ms float64) uint64 { return uint64(math.Ceil(ms * 1e6)) }

// Match reports whether x passes every filter. It is on the hot path over
// every process of the node: it allocates nothing, inlines to a single test
// when there are no filters, and tests the cheap numeric filters first.
func (p *Plan) Match(x *Proc) bool {
	return !p.filtered || p.match(x)
}

func (p *Plan) match(x *Proc) bool {
	if x.Mailbox < p.minMailbox || x.MessagesIn < p.minIn || x.MessagesOut < p.minOut ||
		x.RunningTime < p.minRunning || x.InitTime < p.minInit || x.Wakeups < p.minWakeups ||
		x.Uptime < p.minUptime || x.Uptime > p.maxUptime {
		return false
	}
	if p.latency && x.MailboxLatency < p.minLatency {
		return false
	}
	if p.drain {
		if d, ok := Drain(x); !ok || d < p.minDrain {
			return false
		}
	}
	return (p.state == "" || x.State == p.state) &&
		(p.app == "" || x.Application == p.app) &&
		(p.behavior == "" || x.Behavior == p.behavior) &&
		(p.name == "" || strings.Contains(x.Name, p.name))
}

// key maps x's sort value to a uint64 whose natural order is the sort
// order (larger is better), so the top-N heap compares plain integers
// whatever the key's type.
func (p *Plan) key(x *Proc) uint64 {
	if p.isField {
		return p.field.Of(x)
	}
	return p.derivedKey(x)
}

// derivedKey is kept out of line so that key stays within the inliner's
// budget: drain and utilization cost a call per process either way.
//
//go:noinline
func (p *Plan) derivedKey(x *Proc) uint64 { return p.sort.Of(x) }

// FloatKey maps f to a key for Top.OfferKey: larger floats rank first,
// +Inf above every finite value.
func FloatKey(f float64) uint64 { return rank.Float(f, true) }
