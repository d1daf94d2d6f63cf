package ring

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"testing"
)

func entry(seq uint64, size int) []byte {
	b := bytes.Repeat([]byte{'x'}, max(size, 8))
	binary.BigEndian.PutUint64(b, seq)
	return b
}

func seqOf(b []byte) uint64 { return binary.BigEndian.Uint64(b) }

func mustRing(t testing.TB, capacity, maxBytes int) *Ring {
	t.Helper()
	r, err := New(capacity, maxBytes)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func put(t testing.TB, r *Ring, size int) uint64 {
	t.Helper()
	seq, err := r.Put(entry(r.Next(), size))
	if err != nil {
		t.Fatal(err)
	}
	return seq
}

func seqs(b Batch) []uint64 {
	out := make([]uint64, len(b.Entries))
	for i, e := range b.Entries {
		out[i] = seqOf(e)
	}
	return out
}

func TestWrapAround(t *testing.T) {
	r := mustRing(t, 4, 1<<20)
	for i := uint64(1); i <= 10; i++ {
		if got := put(t, r, 16); got != i {
			t.Fatalf("put %d got sequence %d", i, got)
		}
	}
	b, err := r.Read(0, 1<<20, 1)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(seqs(b)) != "[7 8 9 10]" || b.Last != 10 || b.Dropped != 6 || b.Remaining != 0 {
		t.Fatalf("after wrap: %v last %d dropped %d remaining %d", seqs(b), b.Last, b.Dropped, b.Remaining)
	}
	st := r.Stats()
	if st.Len != 4 || st.Newest != 10 || st.Evicted != 6 || st.Dropped != 6 || st.Bytes != 4*(16+EntryOverhead) {
		t.Fatalf("stats %+v", st)
	}
}

func TestCursor(t *testing.T) {
	r := mustRing(t, 8, 1<<20)
	b, err := r.Read(0, 100, 1)
	if err != nil || b.Last != 0 || len(b.Entries) != 0 || b.Dropped != 0 {
		t.Fatalf("empty ring: %+v %v", b, err)
	}
	for range 3 {
		put(t, r, 10)
	}
	b, _ = r.Read(0, 1<<20, 1)
	if fmt.Sprint(seqs(b)) != "[1 2 3]" || b.Last != 3 {
		t.Fatalf("first read %v last %d", seqs(b), b.Last)
	}
	// Nothing new: the cursor stays put.
	if b2, _ := r.Read(b.Last, 1<<20, 1); len(b2.Entries) != 0 || b2.Last != 3 {
		t.Fatalf("re-read %+v", b2)
	}
	put(t, r, 10)
	put(t, r, 10)
	b, _ = r.Read(b.Last, 1<<20, 1)
	if fmt.Sprint(seqs(b)) != "[4 5]" || b.Last != 5 || b.Dropped != 0 {
		t.Fatalf("second read %v last %d dropped %d", seqs(b), b.Last, b.Dropped)
	}
	// A byte limit cuts the batch; the cursor resumes where it stopped.
	b, _ = r.Read(0, 2*10+1, 1)
	if fmt.Sprint(seqs(b)) != "[1 2]" || b.Last != 2 || b.Remaining != 3 {
		t.Fatalf("limited read %v last %d remaining %d", seqs(b), b.Last, b.Remaining)
	}
	if _, err := r.Read(6, 100, 1); !errors.Is(err, ErrFuture) {
		t.Fatalf("cursor from the future: %v", err)
	}
}

func TestDroppedCounting(t *testing.T) {
	r := mustRing(t, 3, 1<<20)
	for range 3 {
		put(t, r, 10)
	}
	b, _ := r.Read(0, 1<<20, 1) // reads 1..3
	for range 5 {
		put(t, r, 10) // 4..8; 4 and 5 are overwritten unread
	}
	if st := r.Stats(); st.Dropped != 2 || st.Evicted != 5 {
		t.Fatalf("stats after overwrite: %+v", st)
	}
	b, _ = r.Read(b.Last, 1<<20, 1)
	if fmt.Sprint(seqs(b)) != "[6 7 8]" || b.Dropped != 2 || b.Last != 8 {
		t.Fatalf("read after overwrite: %v dropped %d last %d", seqs(b), b.Dropped, b.Last)
	}
	// When nothing fits, the cursor still moves past the lost entries so
	// they are counted once.
	for range 3 {
		put(t, r, 10) // 9..11
	}
	put(t, r, 10) // 12; 9 goes
	b, _ = r.Read(8, 0, 1)
	if len(b.Entries) != 0 || b.Dropped != 1 || b.Last != 9 || b.Remaining != 3 {
		t.Fatalf("zero-byte read: %+v", b)
	}
	b, _ = r.Read(b.Last, 1<<20, 1)
	if fmt.Sprint(seqs(b)) != "[10 11 12]" || b.Dropped != 0 {
		t.Fatalf("resumed read: %v dropped %d", seqs(b), b.Dropped)
	}
}

func TestByteBudget(t *testing.T) {
	const budget = 1000
	r := mustRing(t, 100, budget)
	if _, err := r.Put(make([]byte, budget)); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("oversized entry: %v", err)
	}
	if r.MaxEntry() != budget-EntryOverhead {
		t.Fatalf("MaxEntry %d", r.MaxEntry())
	}
	for range 50 {
		put(t, r, 100)
		if st := r.Stats(); st.Bytes > budget {
			t.Fatalf("bytes %d over budget %d", st.Bytes, budget)
		}
	}
	if st := r.Stats(); st.Len != budget/(100+EntryOverhead) {
		t.Fatalf("held %d entries of 100 bytes in %d", st.Len, budget)
	}
	// One entry as large as allowed evicts everything else.
	seq, err := r.Put(entry(r.Next(), r.MaxEntry()))
	if err != nil {
		t.Fatal(err)
	}
	if st := r.Stats(); st.Len != 1 || st.Bytes != budget {
		t.Fatalf("after a maximal entry: %+v", st)
	}
	b, _ := r.Read(seq-1, budget, 1)
	if len(b.Entries) != 1 || seqOf(b.Entries[0]) != seq {
		t.Fatalf("maximal entry read: %+v", b)
	}
	// Many tiny entries count their overhead.
	for range 200 {
		put(t, r, 8)
	}
	if st := r.Stats(); st.Len != budget/(8+EntryOverhead) {
		t.Fatalf("tiny entries held %d", st.Len)
	}
}

// TestGrowAfterByteEviction covers a ring that wraps inside its slot array
// before reaching its capacity.
func TestGrowAfterByteEviction(t *testing.T) {
	r := mustRing(t, 64, 3*(50+EntryOverhead))
	for range 3 {
		put(t, r, 50)
	}
	put(t, r, 50) // byte eviction: head moves while below capacity
	for range 20 {
		put(t, r, 8) // grows the slot array from a wrapped layout
	}
	b, _ := r.Read(0, 1<<20, 1)
	got := seqs(b)
	for i := 1; i < len(got); i++ {
		if got[i] != got[i-1]+1 {
			t.Fatalf("sequences not consecutive: %v", got)
		}
	}
	if got[len(got)-1] != 24 {
		t.Fatalf("newest %v", got)
	}
}

func TestNewRefusesUselessRings(t *testing.T) {
	for _, c := range [][2]int{{0, 1000}, {10, EntryOverhead}} {
		if _, err := New(c[0], c[1]); err == nil {
			t.Errorf("New(%d, %d) accepted", c[0], c[1])
		}
	}
}

// FuzzRing drives a ring with puts and reads and checks its invariants: a
// reader that passes last_sequence back sees every sequence exactly once
// unless it is counted as dropped; the ring never exceeds its capacity or
// byte budget and always holds the newest entry.
func FuzzRing(f *testing.F) {
	f.Add(uint8(4), uint16(500), []byte{10, 200, 3, 0, 40, 1, 1, 0, 255, 7})
	f.Add(uint8(1), uint16(100), []byte{0, 0, 0, 50, 50})
	f.Add(uint8(64), uint16(4000), bytes.Repeat([]byte{33, 0, 90}, 40))
	f.Fuzz(func(t *testing.T, capacity uint8, budget uint16, ops []byte) {
		r, err := New(int(capacity), int(budget))
		if err != nil {
			return
		}
		var cursor, seen, dropped uint64
		for i, op := range ops {
			if op%4 == 0 { // read with a byte limit taken from the next op
				limit := 1 << 20
				if i+1 < len(ops) {
					limit = int(ops[i+1]) * 4
				}
				b, err := r.Read(cursor, limit, 1)
				if err != nil {
					t.Fatalf("read since %d: %v", cursor, err)
				}
				dropped += b.Dropped
				for k, e := range b.Entries {
					want := cursor + b.Dropped + uint64(k) + 1
					if seqOf(e) != want {
						t.Fatalf("read since %d: entry %d has sequence %d, want %d", cursor, k, seqOf(e), want)
					}
					seen++
				}
				if b.Last < cursor {
					t.Fatalf("cursor went back from %d to %d", cursor, b.Last)
				}
				cursor = b.Last
				continue
			}
			size := int(op) % max(r.MaxEntry()+1, 1)
			seq, err := r.Put(entry(r.Next(), size))
			if size < 8 && err == nil && 8 > r.MaxEntry() {
				t.Fatalf("entry of 8 bytes accepted beyond MaxEntry %d", r.MaxEntry())
			}
			if err != nil {
				continue
			}
			st := r.Stats()
			if st.Len > int(capacity) || st.Bytes > int(budget) || st.Len < 1 || st.Newest != seq {
				t.Fatalf("after put: %+v (capacity %d, budget %d)", st, capacity, budget)
			}
		}
		b, err := r.Read(cursor, 1<<30, 1)
		if err != nil {
			t.Fatal(err)
		}
		seen += uint64(len(b.Entries))
		dropped += b.Dropped
		if newest := r.Stats().Newest; seen+dropped != newest {
			t.Fatalf("reader saw %d and was told of %d dropped, %d were put", seen, dropped, newest)
		}
	})
}

func TestNewBoundaries(t *testing.T) {
	for _, c := range []struct {
		capacity, maxBytes int
		ok                 bool
	}{
		{0, 1000, false}, {1, 1000, true}, {2, 1000, true},
		{5, EntryOverhead, false}, {5, EntryOverhead + 1, true}, {5, EntryOverhead + 2, true},
		{-1, 1000, false}, {1, 0, false},
	} {
		r, err := New(c.capacity, c.maxBytes)
		if (err == nil) != c.ok {
			t.Errorf("New(%d, %d): %v, want ok %v", c.capacity, c.maxBytes, err, c.ok)
			continue
		}
		if !c.ok {
			continue
		}
		// The smallest ring accepted holds what it promises: one entry of
		// MaxEntry bytes.
		if _, err := r.Put(make([]byte, r.MaxEntry())); err != nil {
			t.Errorf("New(%d, %d) cannot hold one entry of MaxEntry %d: %v", c.capacity, c.maxBytes, r.MaxEntry(), err)
		}
	}
}

// TestGrowWhileWrapped: the slot array must be laid out anew when it is
// full, below capacity and wrapped (head not at 0); appending there would
// put the new entry between the newest and the oldest.
func TestGrowWhileWrapped(t *testing.T) {
	r := mustRing(t, 64, 3*(100+EntryOverhead))
	for range 3 {
		put(t, r, 100) // 1..3 fill the byte budget
	}
	put(t, r, 8) // 4 evicts 1: head moves to 1, and 4 takes slot 0
	put(t, r, 8) // 5 fits without eviction: the array is full and wrapped
	put(t, r, 8) // 6 evicts 2
	b, err := r.Read(0, 1<<20, 0)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(seqs(b)) != "[3 4 5 6]" || b.Dropped != 2 || b.Last != 6 {
		t.Fatalf("after growing a wrapped array: %v dropped %d last %d", seqs(b), b.Dropped, b.Last)
	}
}

// TestFillAllocatesLogarithmically: the slot array doubles as it grows, so
// filling a ring costs a handful of allocations, not one per entry.
func TestFillAllocatesLogarithmically(t *testing.T) {
	data := make([]byte, 8)
	allocs := testing.AllocsPerRun(5, func() {
		r, _ := New(1024, 1<<20)
		for range 1024 {
			if _, err := r.Put(data); err != nil {
				t.Fatal(err)
			}
		}
	})
	// New, then arrays of 8, 16, ..., 1024 slots.
	if allocs > 12 {
		t.Fatalf("filling 1024 entries allocated %v times, want at most 12", allocs)
	}
}

// TestSeparatorCost: the separator is counted between entries, not before
// the first one, at the exact limit and one byte under it.
func TestSeparatorCost(t *testing.T) {
	r := mustRing(t, 8, 1<<20)
	for range 4 {
		put(t, r, 10)
	}
	for _, c := range []struct {
		maxBytes, sep, want int
	}{
		{9, 1, 0}, {10, 1, 1}, {20, 1, 1}, {21, 1, 2}, {31, 1, 2}, {32, 1, 3},
		{10, 5, 1}, {24, 5, 1}, {25, 5, 2}, {40, 5, 3}, {40, 0, 4},
	} {
		b, err := r.Read(0, c.maxBytes, c.sep)
		if err != nil {
			t.Fatal(err)
		}
		if len(b.Entries) != c.want || b.Remaining != 4-c.want || b.Last != uint64(c.want) {
			t.Errorf("Read(maxBytes %d, sep %d): %d entries, remaining %d, last %d; want %d",
				c.maxBytes, c.sep, len(b.Entries), b.Remaining, b.Last, c.want)
		}
	}
}

// TestDroppedCountsOnlyReturnedEntries: a Read that returns nothing (its
// cursor already at the newest, or no room) marks nothing as read, so the
// entries it did not return still count as dropped when evicted.
func TestDroppedCountsOnlyReturnedEntries(t *testing.T) {
	r := mustRing(t, 3, 1<<20)
	for range 3 {
		put(t, r, 10)
	}
	if b, _ := r.Read(3, 1<<20, 1); len(b.Entries) != 0 || b.Last != 3 {
		t.Fatalf("read at the newest: %+v", b)
	}
	if b, _ := r.Read(0, 5, 1); len(b.Entries) != 0 || b.Last != 0 || b.Remaining != 3 {
		t.Fatalf("read with no room: %+v", b)
	}
	put(t, r, 10) // evicts 1, never returned
	if st := r.Stats(); st.Dropped != 1 || st.Evicted != 1 {
		t.Fatalf("after evicting an entry no Read returned: %+v", st)
	}
	b, _ := r.Read(0, 1<<20, 1) // returns 2..4
	put(t, r, 10)               // evicts 2, which was returned
	if st := r.Stats(); st.Dropped != 1 || st.Evicted != 2 || b.Last != 4 || b.Dropped != 1 {
		t.Fatalf("after evicting a returned entry: %+v (read %+v)", st, b)
	}
}
