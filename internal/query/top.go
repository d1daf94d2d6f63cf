package query

import (
	"cmp"
	"slices"
)

// Top keeps the best Limit matching items by the plan's sort key: largest
// first, "pid" (and no sort_by) ascending, ties by ID ascending. It holds at
// most Limit items, whatever the number of processes offered, in a heap
// whose root is the worst item kept. It is not safe for concurrent use.
//
// Items are of any type T so that the Ergo side can keep its raw records
// (gen.ProcessShortInfo) and encode only the winners.
type Top[T any] struct {
	plan    *Plan
	limit   int     // plan.limit, kept here to save a load per offer
	heap    []entry // heap[0] is the worst entry kept
	items   []T     // indexed by entry.slot
	matched int
}

type entry struct {
	key, id uint64
	slot    int
}

// worse orders entries for the heap: a smaller key, or an equal key and a
// larger ID, loses.
func worse(a, b *entry) bool {
	return a.key < b.key || a.key == b.key && a.id > b.id
}

// NewTop returns an empty Top for plan p.
func NewTop[T any](p *Plan) *Top[T] {
	n := min(p.limit, 1024) // grows on demand; limits are often large "just in case"
	return &Top[T]{plan: p, limit: p.limit, heap: make([]entry, 0, n), items: make([]T, 0, n)}
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
	t.matched++
	t.offer(entry{key: t.plan.key(x), id: x.ID}, item)
}

// OfferKey considers an item with a key the caller computed (see
// FloatKey), ranked like Offer's but without the plan's filters: for
// orders the plan cannot compute, such as process_top's rates over a
// window. The caller filters first; every offer counts as matched.
func (t *Top[T]) OfferKey(id, key uint64, item func() T) {
	t.matched++
	t.offer(entry{key: key, id: id}, item)
}

func (t *Top[T]) offer(e entry, item func() T) {
	if len(t.heap) < t.limit {
		e.slot = len(t.items)
		t.items = append(t.items, item())
		t.heap = append(t.heap, e)
		t.up(len(t.heap) - 1)
		return
	}
	if !worse(&t.heap[0], &e) {
		return
	}
	e.slot = t.heap[0].slot // the evicted item's slot
	t.heap[0] = e
	t.down(0)
	t.items[e.slot] = item()
}

// Matched returns how many offered processes passed the filters: the list's
// total, however many Result keeps.
func (t *Top[T]) Matched() int { return t.matched }

// Result returns the kept items, best first. Top stays usable.
func (t *Top[T]) Result() []T {
	order := slices.Clone(t.heap)
	slices.SortFunc(order, func(a, b entry) int {
		if c := cmp.Compare(b.key, a.key); c != 0 {
			return c
		}
		return cmp.Compare(a.id, b.id)
	})
	out := make([]T, len(order))
	for i, e := range order {
		out[i] = t.items[e.slot]
	}
	return out
}

func (t *Top[T]) up(i int) {
	h := t.heap
	for i > 0 {
		parent := (i - 1) / 2
		if !worse(&h[i], &h[parent]) {
			return
		}
		h[i], h[parent] = h[parent], h[i]
		i = parent
	}
}

func (t *Top[T]) down(i int) {
	h := t.heap
	for {
		l := 2*i + 1
		if l >= len(h) {
			return
		}
		w := l
		if r := l + 1; r < len(h) && worse(&h[r], &h[l]) {
			w = r
		}
		if !worse(&h[w], &h[i]) {
			return
		}
		h[i], h[w] = h[w], h[i]
		i = w
	}
}
