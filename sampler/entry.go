package sampler

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/ergomcp/ergomcp/sampler/ring"
)

// entryOverhead is what the ring counts per sample besides its bytes.
const entryOverhead = ring.EntryOverhead

// Kind tells how a sampler collects.
type Kind string

// Sampler kinds.
const (
	// Active samplers call a tool on a timer (sample_start).
	Active Kind = "active"
	// Passive samplers record what reaches them: log messages, event
	// publications, messages sent to them (sample_listen).
	Passive Kind = "passive"
)

// Status is where a sampler is in its life; see the package doc.
type Status string

// Statuses, in the order a sampler goes through them.
const (
	Running   Status = "running"
	Lingering Status = "lingering"
	Completed Status = "completed"
	Stopped   Status = "stopped"
)

// Reasons a sampler ends with. Other reasons (a failure of the actor, the
// samplers process restarting) are free text; they end it as stopped.
const (
	EndCount     = "count"
	EndDuration  = "duration"
	EndMaxErrors = "max_errors"
	EndStopped   = "stopped"
)

// byItself reports whether reason is one of the sampler's own rules, after
// which it is completed rather than stopped.
func byItself(reason string) bool {
	return reason == EndCount || reason == EndDuration || reason == EndMaxErrors
}

// Spec describes a sampler to start.
type Spec struct {
	Kind Kind
	// Description says what the sampler does, for sample_list.
	Description string
	// Target is the node an active sampler's tool runs on, when not the
	// sampler's own (the tool's node argument).
	Target string
	Settings
}

// Actor is the process that collects for a sampler, as the binding
// (package actors) reaches it. The registry keeps it so that sample_stop
// can wake a sampler it stopped and the process owning the samplers can
// end them; neither waits for the actor.
type Actor interface {
	// Wake has the actor look at its status now (sample_stop changed it),
	// so it lets go of its logger, event and memory promptly.
	Wake()
	// Exit ends the actor with reason.
	Exit(reason error)
}

// Entry is one sampler's record: its buffer, counters and status, shared
// by the actor that writes it and the tools that read it. Its methods are
// safe for concurrent use; none of them blocks on anything but the entry's
// own short critical sections, so a sampler may read itself.
type Entry struct {
	// ID is the sampler_id: "s<N>-<hash of the owning node>".
	ID string
	// Spec is what the sampler was started with.
	Spec Spec
	// Started is when the registry accepted it; End is when collection
	// stops at the latest (Started + Duration).
	Started, End time.Time

	owner    string
	n        uint64
	reserve  int
	entryMax int
	ctx      context.Context
	cancel   context.CancelFunc

	mu          sync.Mutex
	ring        *ring.Ring // nil once the registry freed the buffer
	final       ring.Stats // the buffer's counters when it was freed
	pid         string
	actor       Actor
	ended       time.Time
	reason      string
	lingerUntil time.Time
	discarded   bool
	samples     uint64
	errors      uint64
	skipped     uint64
	lastError   string
	lastErrorAt time.Time
	sources     sourceDrops
	misses      uint64
}

// Context is cancelled when the sampler ends (stopped, finished or
// failed): calls made for it use it, so sample_stop cuts a running call.
func (e *Entry) Context() context.Context { return e.ctx }

// CallContext is the context of one call started at now with the tool's
// timeout: it ends with the sampler and never runs past End.
func (e *Entry) CallContext(now time.Time, timeout time.Duration) (context.Context, context.CancelFunc) {
	deadline := now.Add(timeout)
	if e.End.Before(deadline) {
		deadline = e.End
	}
	return context.WithDeadline(e.ctx, deadline)
}

// SetActor records the actor that collects for this sampler: its PID as
// text, shown by sample_list, and how the binding reaches it.
func (e *Entry) SetActor(pid string, a Actor) {
	e.mu.Lock()
	e.pid, e.actor = pid, a
	e.mu.Unlock()
}

// Actor returns what SetActor recorded (nil before).
func (e *Entry) Actor() Actor {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.actor
}

// Status is the sampler's status at now.
func (e *Entry) Status(now time.Time) Status {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.statusLocked(now)
}

// statusLocked derives the status from the clock, so that a sampler whose
// actor is busy or gone still reads right: running until End, then
// lingering until the linger time is over.
func (e *Entry) statusLocked(now time.Time) Status {
	if e.ended.IsZero() {
		if now.Before(e.End) {
			return Running
		}
		e.endLocked(e.End, EndDuration)
	}
	switch {
	case now.Before(e.lingerUntil):
		return Lingering
	case byItself(e.reason):
		return Completed
	}
	return Stopped
}

func (e *Entry) endLocked(at time.Time, reason string) {
	e.ended, e.reason = at, clip(reason, 160)
	e.lingerUntil = at.Add(e.Spec.Linger)
	e.cancel()
}

// LingerUntil is when the data stops being readable; zero while running.
func (e *Entry) LingerUntil(now time.Time) time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.statusLocked(now) == Running {
		return time.Time{}
	}
	return e.lingerUntil
}

// Record stores one sample taken at at (data: JSON, or text stored as a
// string) and reports whether the sampler still runs. Samples arriving
// after the end are not stored. The count-th sample ends the sampler.
func (e *Entry) Record(now, at time.Time, data []byte) bool {
	return store(e, now, at, data, json.Valid(data))
}

// RecordJSON is Record for the result of a tool that ran on this node:
// text that ergomcp's own encoders produced. An object or array from them
// is valid JSON by construction, so the scan Record makes of data from
// elsewhere (another node's answer, a listener's input) is skipped; a
// result of another shape is still checked.
func (e *Entry) RecordJSON(now, at time.Time, data string) bool {
	return store(e, now, at, data, composite(data) || json.Valid([]byte(data)))
}

// composite reports whether data is framed as a JSON object or array, as
// every result of the record and result encoders is.
func composite(data string) bool {
	n := len(data)
	return n >= 2 && (data[0] == '{' && data[n-1] == '}' || data[0] == '[' && data[n-1] == ']')
}

// RecordFrom is Record for a sample from a named source (a log line's
// process, meta process or node): the samples the buffer overwrites are
// then counted per source, so a flood from one never hides silently what
// it pushed out (see Summarize).
func (e *Entry) RecordFrom(now, at time.Time, data []byte, source string) bool {
	return storeFrom(e, now, at, data, json.Valid(data), source)
}

// store stores one sample for Record and RecordJSON; valid tells whether
// data is JSON.
func store[D string | []byte](e *Entry, now, at time.Time, data D, valid bool) bool {
	return storeFrom(e, now, at, data, valid, "")
}

func storeFrom[D string | []byte](e *Entry, now, at time.Time, data D, valid bool, source string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.statusLocked(now) != Running {
		return false
	}
	seq, err := e.ring.Put(encodeSample(e.ring.Next(), at, data, e.entryMax, valid))
	if err != nil {
		// entryMax is below the ring's largest entry: a broken invariant.
		e.endLocked(now, fmt.Sprintf("failed: storing a sample: %v", err))
		return false
	}
	if source != "" || e.sources.tracking() {
		e.sources.put(seq, source, e.ring.Oldest())
	}
	e.samples++
	if e.Spec.Count > 0 && e.samples >= uint64(e.Spec.Count) {
		e.endLocked(now, EndCount)
	}
	return e.ended.IsZero()
}

// Miss counts one call whose result matched nothing while the sampler
// keeps only matches (stop=first_match) and reports whether it still
// runs.
func (e *Entry) Miss(now time.Time) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.statusLocked(now) != Running {
		return false
	}
	e.misses++
	return true
}

// Fail counts one failed call with its error text, kept as last_error,
// and reports whether the sampler still runs: the max_errors-th failure
// ends it. Failures after the end are not counted.
func (e *Entry) Fail(now time.Time, text string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.statusLocked(now) != Running {
		return false
	}
	e.errors++
	e.lastError, e.lastErrorAt = clip(text, maxErrorText), now
	if e.Spec.MaxErrors > 0 && e.errors >= uint64(e.Spec.MaxErrors) {
		e.endLocked(now, EndMaxErrors)
	}
	return e.ended.IsZero()
}

// Finish ends a running sampler with reason (EndStopped, or a failure
// text); its data then lingers. It does nothing to a sampler that ended.
func (e *Entry) Finish(now time.Time, reason string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.statusLocked(now) == Running {
		e.endLocked(now, reason)
	}
}

// SetSkipped records how many calls the schedule skipped (see Ticker).
func (e *Entry) SetSkipped(n uint64) {
	e.mu.Lock()
	e.skipped = n
	e.mu.Unlock()
}

// discardLocked ends the sampler's linger now: its data goes.
func (e *Entry) discardLocked(now time.Time) {
	if e.statusLocked(now) == Running {
		e.endLocked(now, EndStopped)
	}
	if now.Before(e.lingerUntil) {
		e.lingerUntil = now
	}
	e.discarded = true
}

// freeLocked drops the buffer, keeping its counters.
func (e *Entry) freeLocked() {
	if e.ring != nil {
		e.final = e.ring.Stats()
		e.ring = nil
	}
}

// statsLocked are the buffer's counters, live or final.
func (e *Entry) statsLocked() ring.Stats {
	if e.ring != nil {
		return e.ring.Stats()
	}
	return e.final
}

// remainingLocked is the time left in the current status: collecting,
// or lingering.
func (e *Entry) remainingLocked(now time.Time, st Status) time.Duration {
	switch st {
	case Running:
		return e.End.Sub(now)
	case Lingering:
		return e.lingerUntil.Sub(now)
	}
	return 0
}

// Summary is the sampler as sample_list shows it, a JSON object.
func (e *Entry) Summary(now time.Time) []byte {
	e.mu.Lock()
	defer e.mu.Unlock()
	st := e.statusLocked(now)
	stats := e.statsLocked()
	// About 400 bytes of fixed fields besides the texts: one allocation
	// rather than a doubling series (sample_list builds one per sampler).
	o := object{b: make([]byte, 0, 512+len(e.Spec.Description)+len(e.reason)+len(e.lastError))}
	o.str("sampler_id", e.ID)
	o.str("node", e.owner)
	o.str("kind", string(e.Spec.Kind))
	o.str("description", e.Spec.Description)
	o.optStr("target_node", e.Spec.Target)
	o.optStr("pid", e.pid)
	o.str("status", string(st))
	o.optStr("reason", e.reason)
	o.time("started_at", e.Started)
	o.sec("uptime_sec", now.Sub(e.Started))
	o.sec("remaining_sec", e.remainingLocked(now, st))
	held := stats
	if e.ring == nil {
		held.Len, held.Bytes = 0, 0 // freed: only the counters are left
	}
	o.uint("samples", e.samples)
	o.int("buffered", int64(held.Len))
	o.int("buffer_size", int64(e.Spec.Buffer))
	o.int("bytes", int64(held.Bytes))
	o.int("byte_budget", int64(e.reserve))
	o.uint("last_sequence", stats.Newest)
	o.uint("dropped", stats.Dropped)
	o.failures(e.errors, e.lastError, e.lastErrorAt)
	if e.Spec.Kind == Active {
		o.int("interval_ms", e.Spec.Interval.Milliseconds())
		o.int("count", int64(e.Spec.Count))
		o.int("max_errors", int64(e.Spec.MaxErrors))
		o.uint("skipped_ticks", e.skipped)
		if e.misses > 0 {
			o.uint("misses", e.misses) // results that matched nothing (stop=first_match)
		}
	}
	o.sec("duration_sec", e.Spec.Duration)
	o.sec("linger_sec", e.Spec.Linger)
	if st != Running && st != Lingering {
		o.str("note", e.freedNote())
	}
	return o.done()
}

func (e *Entry) freedNote() string {
	if e.discarded {
		return "the samples were discarded (sample_stop discard=true)"
	}
	return "the samples were freed when the linger time ended at " + e.lingerUntil.UTC().Format(time.RFC3339)
}
