package rank

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

type row struct {
	id   uint64
	name string
	v    uint64
}

// sorted is the brute-force answer: sort everything by key descending,
// tie ascending, and take a prefix.
func sorted[Tie cmp.Ordered](rows []row, key func(row) uint64, tie func(row) Tie, limit int) []row {
	all := slices.Clone(rows)
	slices.SortFunc(all, func(a, b row) int {
		if c := cmp.Compare(key(b), key(a)); c != 0 {
			return c
		}
		return cmp.Compare(tie(a), tie(b))
	})
	return all[:min(max(limit, 0), len(all))]
}

func TestTopAgainstBruteForce(t *testing.T) {
	for seed := range uint64(40) {
		r := rand.New(rand.NewPCG(seed, 7))
		n := r.IntN(60)
		ids := r.Perm(n * 2)
		rows := make([]row, n)
		for i := range rows {
			// Few distinct values, so that ties are common.
			rows[i] = row{id: uint64(ids[i]), name: fmt.Sprintf("n%03d", ids[i]), v: r.Uint64N(4)}
		}
		key := func(x row) uint64 { return x.v }
		for limit := 0; limit <= n+2; limit++ {
			byID := NewTop[row, uint64](limit)
			byName := NewTop[row, string](limit)
			built := 0
			for _, x := range rows {
				byID.Offer(x.v, x.id, func() row { built++; return x })
				byName.Offer(x.v, x.name, func() row { return x })
				if byID.Len() > limit {
					t.Fatalf("holds %d with limit %d", byID.Len(), limit)
				}
			}
			if want := sorted(rows, key, func(x row) uint64 { return x.id }, limit); !slices.Equal(byID.Result(), want) {
				t.Fatalf("seed %d limit %d by id: %v, want %v", seed, limit, byID.Result(), want)
			}
			if want := sorted(rows, key, func(x row) string { return x.name }, limit); !slices.Equal(byName.Result(), want) {
				t.Fatalf("seed %d limit %d by name: %v, want %v", seed, limit, byName.Result(), want)
			}
			if byID.Offered() != n || byName.Offered() != n {
				t.Fatalf("offered %d/%d, want %d", byID.Offered(), byName.Offered(), n)
			}
			if limit == 0 && built != 0 {
				t.Fatalf("limit 0 built %d items", built)
			}
		}
	}
}

// TestTopTies: an equal key goes to the smaller tie, whichever comes first,
// and a row that ranks below every kept one is never built.
func TestTopTies(t *testing.T) {
	top := NewTop[string, uint64](2)
	built := 0
	offer := func(key, id uint64) {
		top.Offer(key, id, func() string { built++; return fmt.Sprint(id) })
	}
	offer(5, 30)
	offer(5, 20)
	offer(5, 40) // same key, larger tie than both kept: rejected
	if built != 2 {
		t.Fatalf("built %d, want 2", built)
	}
	offer(5, 10) // same key, smaller tie: evicts 30
	if got := fmt.Sprint(top.Result()); got != "[10 20]" || built != 3 {
		t.Fatalf("kept %s (built %d), want [10 20] (3)", got, built)
	}
	offer(4, 1) // smaller key: rejected whatever its tie
	offer(6, 99)
	if got := fmt.Sprint(top.Result()); got != "[99 10]" || built != 4 || top.Offered() != 6 {
		t.Fatalf("kept %s (built %d, offered %d), want [99 10] (4, 6)", got, built, top.Offered())
	}
	// Result leaves the Top as it was.
	if got := fmt.Sprint(top.Result()); got != "[99 10]" {
		t.Fatalf("second Result %s", got)
	}
}

// TestTopBoundedMemory: 100k offers keep N items, and the items slice
// never grows past N.
func TestTopBoundedMemory(t *testing.T) {
	const n, offers = 10, 100_000
	top := NewTop[uint64, uint64](n)
	r := rand.New(rand.NewPCG(3, 4))
	var want []uint64
	for i := range uint64(offers) {
		v := r.Uint64()
		want = append(want, v)
		top.Offer(v, i, func() uint64 { return v })
	}
	if top.Len() != n || len(top.items) != n || cap(top.heap) > 2*n {
		t.Fatalf("holds %d heap entries (cap %d) and %d items, want %d", top.Len(), cap(top.heap), len(top.items), n)
	}
	slices.Sort(want)
	slices.Reverse(want)
	if got := top.Result(); !slices.Equal(got, want[:n]) || top.Offered() != offers {
		t.Fatalf("kept %v, want %v", got, want[:n])
	}
	if got := NewTop[int, uint64](-3).Result(); len(got) != 0 {
		t.Fatalf("negative limit kept %v", got)
	}
}

// TestTopLimitBoundaries: one less, exactly and one more than the limit.
func TestTopLimitBoundaries(t *testing.T) {
	for _, c := range []struct{ limit, offers, kept int }{
		{1, 0, 0}, {1, 1, 1}, {1, 2, 1},
		{3, 2, 2}, {3, 3, 3}, {3, 4, 3},
	} {
		top := NewTop[int, int](c.limit)
		for i := range c.offers {
			top.Offer(uint64(i), i, func() int { return i })
		}
		got := top.Result()
		if len(got) != c.kept || top.Offered() != c.offers {
			t.Errorf("limit %d, %d offers: kept %v, offered %d", c.limit, c.offers, got, top.Offered())
		}
		for i, v := range got {
			if v != c.offers-1-i {
				t.Errorf("limit %d, %d offers: kept %v, want the largest first", c.limit, c.offers, got)
				break
			}
		}
	}
}
