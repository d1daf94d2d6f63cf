// Package ring is the buffer a sampler keeps its samples in: the newest
// entries of a stream, each with a sequence number, bounded both by a
// number of entries and by bytes. A reader that passes back the sequence it
// last saw gets exactly the entries that followed, and learns how many of
// those were overwritten before it came back. It imports nothing from Ergo.
package ring

import (
	"errors"
	"fmt"
)

// EntryOverhead is what one entry costs besides its data bytes (the slot
// with its sequence and slice header), counted against the byte budget so
// that many tiny entries cannot exceed it either.
const EntryOverhead = 40

// ErrTooLarge is returned by Put for an entry that could never fit the byte
// budget; callers truncate entries before they put them.
var ErrTooLarge = errors.New("ring: entry larger than the byte budget")

// Ring holds at most Capacity entries and MaxBytes bytes (data plus
// EntryOverhead each), evicting the oldest first. Sequences start at 1 and
// grow by one per Put, so the entries held always have consecutive
// sequences. The zero value is not usable; use New. A Ring is not safe for
// concurrent use: its owner serialises access.
type Ring struct {
	slots    []slot // grows on demand up to capacity, then wraps
	head     int    // index of the oldest entry
	n        int    // entries held
	capacity int
	maxBytes int
	bytes    int
	next     uint64 // sequence of the next Put
	readMark uint64 // highest sequence any Read has returned
	dropped  uint64 // evicted entries that no Read had returned
	evicted  uint64 // every evicted entry
}

type slot struct {
	seq  uint64
	data []byte
}

// New returns an empty ring of capacity entries and maxBytes bytes. It
// allocates nothing for the entries until they arrive, so a large capacity
// costs only what is stored.
func New(capacity, maxBytes int) (*Ring, error) {
	if capacity < 1 || maxBytes < EntryOverhead+1 {
		return nil, fmt.Errorf("ring: capacity %d and byte budget %d must allow at least one entry", capacity, maxBytes)
	}
	return &Ring{capacity: capacity, maxBytes: maxBytes, next: 1}, nil
}

// MaxEntry is the largest data a single Put accepts.
func (r *Ring) MaxEntry() int { return r.maxBytes - EntryOverhead }

// Next is the sequence the next Put will get: entries may embed it.
func (r *Ring) Next() uint64 { return r.next }

// Put appends data, which the ring keeps by reference and never modifies,
// evicting the oldest entries as needed, and returns its sequence.
func (r *Ring) Put(data []byte) (uint64, error) {
	cost := len(data) + EntryOverhead
	if cost > r.maxBytes {
		return 0, ErrTooLarge
	}
	for r.n == r.capacity || r.bytes+cost > r.maxBytes {
		r.evictOldest()
	}
	seq := r.next
	r.next++
	e := slot{seq: seq, data: data}
	if r.n == len(r.slots) {
		// Every slot is taken but the ring is below capacity (eviction made
		// room otherwise): grow. A wrapped or full array is laid out anew,
		// oldest first, with room to double.
		if r.head != 0 || len(r.slots) == cap(r.slots) {
			grown := make([]slot, r.n, min(r.capacity, max(8, 2*r.n)))
			for i := range r.n {
				grown[i] = r.slots[(r.head+i)%len(r.slots)]
			}
			r.slots, r.head = grown, 0
		}
		r.slots = append(r.slots, e)
	} else {
		r.slots[(r.head+r.n)%len(r.slots)] = e
	}
	r.n++
	r.bytes += cost
	return seq, nil
}

func (r *Ring) evictOldest() {
	old := &r.slots[r.head]
	if old.seq > r.readMark {
		r.dropped++
	}
	r.evicted++
	r.bytes -= len(old.data) + EntryOverhead
	*old = slot{} // let the data go
	r.head = (r.head + 1) % len(r.slots)
	r.n--
}

// Batch is the result of one Read.
type Batch struct {
	// Entries are the data of the returned entries, oldest first, with
	// sequences Last-len(Entries)+1 .. Last. Callers must not modify them.
	Entries [][]byte
	// Last is the sequence of the last returned entry, or the cursor passed
	// to Read when none was returned: passed back as since, it loses and
	// repeats nothing.
	Last uint64
	// Dropped counts entries after the cursor that were evicted before
	// this Read could return them.
	Dropped uint64
	// Remaining counts entries held after Last that did not fit maxBytes.
	Remaining int
}

// ErrFuture is returned by Read for a cursor past the newest sequence,
// which this ring never issued.
var ErrFuture = errors.New("ring: cursor is past the newest sequence")

// Read returns the entries with sequence > since, oldest first, as many as
// fit in maxBytes counting sep bytes between entries (a separator such as
// a comma). The first entry is returned only if it fits too.
func (r *Ring) Read(since uint64, maxBytes, sep int) (Batch, error) {
	newest := r.next - 1
	if since > newest {
		return Batch{}, fmt.Errorf("%w: since %d, newest %d", ErrFuture, since, newest)
	}
	b := Batch{Last: since}
	oldest := r.next - uint64(r.n) // sequence of the oldest entry held
	start := 0
	if since+1 < oldest {
		b.Dropped = oldest - since - 1
		b.Last = oldest - 1 // the evicted ones are accounted for in Dropped
	} else {
		start = int(since + 1 - oldest)
	}
	used := 0
	for i := start; i < r.n; i++ {
		e := r.slots[(r.head+i)%len(r.slots)]
		cost := len(e.data)
		if len(b.Entries) > 0 {
			cost += sep
		}
		if used+cost > maxBytes {
			b.Remaining = r.n - i
			break
		}
		used += cost
		b.Entries = append(b.Entries, e.data)
		b.Last = e.seq
	}
	if b.Last > r.readMark && len(b.Entries) > 0 {
		r.readMark = b.Last
	}
	return b, nil
}

// Each calls f with the data of every entry with sequence > since, oldest
// first. It does not count as a read: entries it saw and that are evicted
// later still count as dropped.
func (r *Ring) Each(since uint64, f func(seq uint64, data []byte)) {
	for i := range r.n {
		e := r.slots[(r.head+i)%len(r.slots)]
		if e.seq > since {
			f(e.seq, e.data)
		}
	}
}

// Oldest is the sequence of the oldest entry held; Next() when empty.
func (r *Ring) Oldest() uint64 { return r.next - uint64(r.n) }

// Stats describes the ring's content.
type Stats struct {
	Len      int    // entries held
	Capacity int    // most entries held
	Bytes    int    // bytes held, overhead included
	MaxBytes int    // byte budget
	Newest   uint64 // sequence of the newest entry ever put; 0 before the first
	Dropped  uint64 // entries evicted before any Read returned them
	Evicted  uint64 // entries evicted in all
}

// Stats returns the ring's counters.
func (r *Ring) Stats() Stats {
	return Stats{
		Len: r.n, Capacity: r.capacity, Bytes: r.bytes, MaxBytes: r.maxBytes,
		Newest: r.next - 1, Dropped: r.dropped, Evicted: r.evicted,
	}
}
