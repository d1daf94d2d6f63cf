package query

import "github.com/ergomcp/ergomcp/internal/rank"

// Top keeps the best Limit matching processes by the plan's sort key:
// largest first, "pid" (and no sort_by) ascending, ties by ID ascending,
// in the list engine's bounded top-N (rank.Top): it holds at most Limit
// items, whatever the number of processes offered. It is not safe for
// concurrent use.
//
// Items are of any type T so that the Ergo side can keep its raw records
// (gen.ProcessShortInfo) and encode only the winners.
type Top[T any] struct {
	plan *Plan
	top  *rank.Top[T, uint64]
}

// NewTop returns an empty Top for plan p.
func NewTop[T any](p *Plan) *Top[T] {
	return &Top[T]{plan: p, top: rank.NewTop[T, uint64](p.limit)}
}

// Offer considers x. When x matches the filters and ranks among the best
// kept so far, Offer calls item for the value to keep; otherwise item is not
// called, so rejected processes (almost all of them) cost no copy. item is
// only called, never stored, so a closure literal at the call site does not
// escape and allocates nothing:
//
//	top.Offer(&p, func() gen.ProcessShortInfo { return info })
func (t *Top[T]) Offer(x *Proc, item func() T) {
	if !t.plan.Match(x) {
		return
	}
	t.top.Offer(t.plan.key(x), x.ID, item)
}

// OfferKey considers an item with a key the caller computed (see
// FloatKey), ranked like Offer's but without the plan's filters: for
// orders the plan cannot compute, such as process_top's rates over a
// window. The caller filters first; every offer counts as matched.
func (t *Top[T]) OfferKey(id, key uint64, item func() T) { t.top.Offer(key, id, item) }

// Matched returns how many offered processes passed the filters: the list's
// total, however many Result keeps.
func (t *Top[T]) Matched() int { return t.top.Offered() }

// Result returns the kept items, best first. Top stays usable.
func (t *Top[T]) Result() []T { return t.top.Result() }
