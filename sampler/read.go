package sampler

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/ergomcp/ergomcp/sampler/ring"
)

// readState is what a sample_read answer says besides the samples.
type readState struct {
	id, owner   string
	status      Status
	reason      string
	samples     uint64
	errors      uint64
	lastError   string
	lastErrorAt time.Time
	remaining   time.Duration
	note        string
}

// header writes the answer's fields before the samples; with the batch
// numbers at their widest it is the upper bound the samples must leave
// room for.
func (s *readState) header(o *object, b ring.Batch, returned int) {
	o.str("sampler_id", s.id)
	o.str("node", s.owner)
	o.str("status", string(s.status))
	o.optStr("reason", s.reason)
	o.uint("last_sequence", b.Last)
	o.uint("dropped", b.Dropped)
	o.int("returned", int64(returned))
	o.int("remaining", int64(b.Remaining))
	o.bool("truncated", b.Remaining > 0)
	if b.Remaining > 0 {
		o.str("truncated_by", "response_budget")
		// The exact call that reads on, as every cut answer names it.
		next := object{}
		next.str("tool", "sample_read")
		next.key("arguments")
		args := object{}
		args.str("sampler_id", s.id)
		args.str("node", s.owner)
		args.uint("since", b.Last)
		next.b = append(next.b, args.done()...)
		o.raw("next", next.done())
	}
	o.sec("remaining_sec", s.remaining)
	o.uint("samples_total", s.samples)
	o.failures(s.errors, s.lastError, s.lastErrorAt)
	o.optStr("note", s.note)
	o.key("samples")
}

// widest is a batch whose numbers take the most digits.
var widest = ring.Batch{Last: math.MaxUint64, Dropped: math.MaxUint64, Remaining: math.MaxInt64}

// Read returns the sample_read answer: the samples with sequence > since,
// oldest first, as many as fit budget bytes with the envelope, and:
// last_sequence, which passed back as since loses and repeats nothing;
// dropped, the samples after since overwritten before this read;
// remaining, the samples held after last_sequence that did not fit.
// A since past the newest sequence is an error (this node never issued it).
// Once the data is gone (completed or stopped), the answer has no samples
// and counts what since had not read as dropped.
func (e *Entry) Read(since uint64, budget int, now time.Time) ([]byte, error) {
	e.mu.Lock()
	st := e.statusLocked(now)
	s := readState{
		id: e.ID, owner: e.owner, status: st, reason: e.reason, samples: e.samples, errors: e.errors,
		lastError: e.lastError, lastErrorAt: e.lastErrorAt, remaining: e.remainingLocked(now, st),
	}
	var probe object
	s.header(&probe, widest, math.MaxInt64)
	room := budget - len(probe.b) - len("[]}")
	stats := e.statsLocked()
	var b ring.Batch
	var err error
	if st == Running || st == Lingering {
		b, err = e.ring.Read(since, room, 1)
	} else {
		s.note = e.freedNote()
		if since <= stats.Newest {
			b = ring.Batch{Last: stats.Newest, Dropped: stats.Newest - since}
		} else {
			err = ring.ErrFuture
		}
	}
	e.mu.Unlock()
	if errors.Is(err, ring.ErrFuture) {
		return nil, fmt.Errorf("since %d is past the newest sequence %d of sampler %s: pass the last_sequence a previous sample_read returned, or 0 for everything",
			since, stats.Newest, e.ID)
	}
	if err != nil {
		return nil, fmt.Errorf("reading sampler %s: %w", e.ID, err)
	}
	size := len(probe.b) + len("[]}") + len(b.Entries)
	for _, x := range b.Entries {
		size += len(x)
	}
	o := object{b: make([]byte, 0, size)}
	s.header(&o, b, len(b.Entries))
	o.b = append(o.b, '[')
	for i, x := range b.Entries {
		if i > 0 {
			o.b = append(o.b, ',')
		}
		o.b = append(o.b, x...)
	}
	o.b = append(o.b, ']')
	return o.done(), nil
}
