package rank

import (
	"cmp"
	"slices"
)

// Top keeps the best Limit items offered: the largest key first, equal
// keys by the smaller tie (a process's ID, a peer's or an event's name), so
// every answer is deterministic. It holds at most limit items however many
// are offered, in a heap whose root is the worst item kept. It is not safe
// for concurrent use.
//
// Items are of any type T so that a caller can keep its raw records and
// encode only the winners; Tie is the tie-breaker's type.
type Top[T any, Tie cmp.Ordered] struct {
	limit   int
	heap    []entry[Tie] // heap[0] is the worst entry kept
	items   []T          // indexed by entry.slot
	offered int
}

type entry[Tie cmp.Ordered] struct {
	key  uint64
	tie  Tie
	slot int
}

// worse orders entries for the heap: a smaller key, or an equal key and a
// larger tie, loses.
func worse[Tie cmp.Ordered](a, b *entry[Tie]) bool {
	return a.key < b.key || a.key == b.key && a.tie > b.tie
}

// NewTop returns an empty Top that keeps limit items (none when limit is
// not positive).
func NewTop[T any, Tie cmp.Ordered](limit int) *Top[T, Tie] {
	limit = max(limit, 0)
	n := min(limit, 1024) // grows on demand; limits are often large "just in case"
	return &Top[T, Tie]{limit: limit, heap: make([]entry[Tie], 0, n), items: make([]T, 0, n)}
}

// Offer considers an item of key and tie. When it ranks among the best
// kept so far, Offer calls item for the value to keep; otherwise item is
// not called, so rejected rows (almost all of them) cost no copy. item is
// only called, never stored, so a closure literal at the call site does
// not escape and allocates nothing:
//
//	top.Offer(key, p.ID, func() gen.ProcessShortInfo { return *p })
func (t *Top[T, Tie]) Offer(key uint64, tie Tie, item func() T) {
	t.offered++
	// The common case, a full Top and an item no better than the worst
	// kept, is decided here, small enough to inline into a scan's loop.
	if len(t.heap) == t.limit && (t.limit == 0 || !worse(&t.heap[0], &entry[Tie]{key: key, tie: tie})) {
		return
	}
	t.keep(entry[Tie]{key: key, tie: tie}, item)
}

// keep adds e, evicting the worst kept item when t is full.
func (t *Top[T, Tie]) keep(e entry[Tie], item func() T) {
	if len(t.heap) < t.limit {
		e.slot = len(t.items)
		t.items = append(t.items, item())
		t.heap = append(t.heap, e)
		t.up(len(t.heap) - 1)
		return
	}
	e.slot = t.heap[0].slot // the evicted item's slot
	t.heap[0] = e
	t.down(0)
	t.items[e.slot] = item()
}

// Offered returns how many items were offered: the list's total, however
// many Result keeps.
func (t *Top[T, Tie]) Offered() int { return t.offered }

// Len returns how many items t holds now: at most its limit.
func (t *Top[T, Tie]) Len() int { return len(t.heap) }

// Result returns the kept items, best first. Top stays usable.
func (t *Top[T, Tie]) Result() []T {
	order := slices.Clone(t.heap)
	slices.SortFunc(order, func(a, b entry[Tie]) int {
		if c := cmp.Compare(b.key, a.key); c != 0 {
			return c
		}
		return cmp.Compare(a.tie, b.tie)
	})
	out := make([]T, len(order))
	for i, e := range order {
		out[i] = t.items[e.slot]
	}
	return out
}

func (t *Top[T, Tie]) up(i int) {
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

func (t *Top[T, Tie]) down(i int) {
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
