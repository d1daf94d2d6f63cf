package sampler

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ergomcp/ergomcp/internal/ident"
	"github.com/ergomcp/ergomcp/sampler/ring"
)

// endedTTL is how long an ended sampler's record (status, counters, no
// samples) stays in sample_list and sample_read after its data went, so
// that a late reader learns what happened instead of "unknown sampler".
const endedTTL = 10 * time.Minute

// Registry is a node's samplers. The tools read and stop samplers here
// directly, never through the sampler's actor, so no tool call waits on a
// sampler that is busy (or is the caller). Lock order: the registry, then
// an entry.
type Registry struct {
	limits Limits
	owner  string
	hash   string

	mu       sync.Mutex
	seq      uint64
	live     map[string]*Entry // running or lingering: they hold a reservation
	ended    []*Entry          // data freed; oldest first, at most MaxSamplers
	reserved int
}

// NewRegistry returns the registry of node owner with limits l (zero
// fields take the defaults).
func NewRegistry(owner string, l Limits) *Registry {
	return &Registry{limits: l.normalize(), owner: owner, hash: ident.NodeHash(owner), live: map[string]*Entry{}}
}

// Limits are the registry's ceilings, defaults filled.
func (r *Registry) Limits() Limits { return r.limits }

// Owner is the node the registry belongs to.
func (r *Registry) Owner() string { return r.owner }

// ParseID splits a sampler_id into its number and the hash of the node
// that issued it.
func ParseID(id string) (n uint64, hash string, ok bool) {
	num, hash, found := strings.Cut(strings.TrimSpace(id), "-")
	if !found || !strings.HasPrefix(num, "s") || len(hash) != 8 {
		return 0, "", false
	}
	n, err := strconv.ParseUint(num[1:], 10, 64)
	return n, strings.ToUpper(hash), err == nil && n > 0
}

// ErrUnknown is wrapped by the errors about sampler IDs this node does not
// know.
var ErrUnknown = errors.New("unknown sampler")

// Foreign reports whether id is well formed and was issued by another node,
// whose hash it returns.
func (r *Registry) Foreign(id string) (string, bool) {
	_, hash, ok := ParseID(id)
	return hash, ok && hash != r.hash
}

// Reserve checks a new sampler against the node's ceilings and, within
// them, records it as running from now with its buffer budget reserved. It
// allocates nothing before the checks pass.
func (r *Registry) Reserve(spec Spec, now time.Time) (*Entry, error) {
	l := r.limits
	if l.EntryBytes() < minEntry {
		return nil, fmt.Errorf("samplers need a response budget of at least %d bytes to return their samples (Options.ResponseBudget is %d)",
			minEntry+readHeader, l.ReadBudget)
	}
	res := spec.reservation(l)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.purgeLocked(now)
	if len(r.live) >= l.MaxSamplers {
		return nil, fmt.Errorf("refused: node %s already has %d samplers running or lingering, the most Options.MaxSamplers allows; "+
			"sample_list shows them: end one with sample_stop discard=true, or wait until a lingering one expires", r.owner, len(r.live))
	}
	if r.reserved+res > l.TotalBytes {
		return nil, fmt.Errorf("refused: this sampler's buffer needs %s but only %s of the %s for all samplers on node %s is free "+
			"(Options.SamplerMemory); lower buffer_size, free memory with sample_stop discard=true, or wait for lingering samplers to expire",
			kib(res), kib(l.TotalBytes-r.reserved), kib(l.TotalBytes), r.owner)
	}
	rg, err := ring.New(spec.Buffer, res)
	if err != nil {
		return nil, fmt.Errorf("sampler buffer: %w", err)
	}
	spec.Description = clip(spec.Description, maxDescText)
	ctx, cancel := context.WithCancel(context.Background())
	r.seq++
	e := &Entry{
		ID:       fmt.Sprintf("s%d-%s", r.seq, r.hash),
		Spec:     spec,
		Started:  now,
		End:      now.Add(spec.Duration),
		owner:    r.owner,
		n:        r.seq,
		reserve:  res,
		entryMax: l.EntryBytes(),
		ctx:      ctx,
		cancel:   cancel,
		ring:     rg,
	}
	r.live[e.ID] = e
	r.reserved += res
	return e, nil
}

func kib(n int) string { return fmt.Sprintf("%d KiB", n>>10) }

// Get returns the sampler with that ID, live or recently ended.
func (r *Registry) Get(id string, now time.Time) (*Entry, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.purgeLocked(now)
	return r.lookupLocked(id)
}

func (r *Registry) lookupLocked(id string) (*Entry, error) {
	id = strings.TrimSpace(id)
	if e, ok := r.live[id]; ok {
		return e, nil
	}
	for _, e := range r.ended {
		if strings.EqualFold(e.ID, id) {
			return e, nil
		}
	}
	if _, _, ok := ParseID(id); !ok {
		return nil, fmt.Errorf("%w %q: sampler IDs look like s1-%s (sample_list shows them)", ErrUnknown, id, r.hash)
	}
	return nil, fmt.Errorf("%w %s on node %s: it never existed here or ended more than %s ago (sample_list shows the samplers)",
		ErrUnknown, id, r.owner, endedTTL)
}

// Stop ends a running sampler (reason stopped); its data lingers unless
// discard, which frees the data at once (also of a lingering sampler).
// It returns the entry, whose actor the caller should wake.
func (r *Registry) Stop(id string, discard bool, now time.Time) (*Entry, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	e, err := r.lookupLocked(id)
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	if discard {
		e.discardLocked(now)
	} else if e.statusLocked(now) == Running {
		e.endLocked(now, EndStopped)
	}
	e.mu.Unlock()
	r.purgeLocked(now)
	return e, nil
}

// Forget drops a sampler that never started (its actor could not start or
// activate): it ends, its reservation is released and no record of it
// stays.
func (r *Registry) Forget(id string, now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	e, ok := r.live[id]
	if !ok {
		return
	}
	e.mu.Lock()
	e.discardLocked(now)
	e.freeLocked()
	e.mu.Unlock()
	delete(r.live, id)
	r.reserved -= e.reserve
}

// Expire frees the data of samplers whose linger time is over; the actors
// call it when their linger timer fires. Tools also expire samplers as a
// side effect, so memory is released even if an actor is gone.
func (r *Registry) Expire(now time.Time) {
	r.mu.Lock()
	r.purgeLocked(now)
	r.mu.Unlock()
}

// Abandon ends every running sampler with reason: their actors are gone
// (the process that owned them restarted). Their data lingers as usual.
func (r *Registry) Abandon(now time.Time, reason string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range r.live {
		e.Finish(now, reason)
	}
}

// Actors returns the actors (see Entry.SetActor) of the live samplers:
// running or lingering.
func (r *Registry) Actors(now time.Time) []Actor {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.purgeLocked(now)
	var out []Actor
	for _, e := range r.live {
		if a := e.Actor(); a != nil {
			out = append(out, a)
		}
	}
	return out
}

// purgeLocked frees the buffers whose linger is over and forgets ended
// samplers after endedTTL, keeping at most MaxSamplers of them.
func (r *Registry) purgeLocked(now time.Time) {
	for id, e := range r.live {
		e.mu.Lock()
		st := e.statusLocked(now)
		if st == Completed || st == Stopped {
			e.freeLocked()
			delete(r.live, id)
			r.reserved -= e.reserve
			r.ended = append(r.ended, e)
		}
		e.mu.Unlock()
	}
	keep := r.ended[:0]
	for _, e := range r.ended {
		e.mu.Lock()
		fresh := now.Sub(e.lingerUntil) < endedTTL
		e.mu.Unlock()
		if fresh {
			keep = append(keep, e)
		}
	}
	clear(r.ended[len(keep):])
	r.ended = keep
	if extra := len(r.ended) - r.limits.MaxSamplers; extra > 0 {
		r.ended = slices.Delete(r.ended, 0, extra)
	}
}

// Usage is the node-wide view of the samplers for sample_list.
type Usage struct {
	Live        int // running or lingering
	MaxSamplers int
	Reserved    int // bytes reserved by live samplers
	TotalBytes  int
}

// List returns every sampler's Summary, live and recently ended, in the
// order they were started, and the node-wide usage.
func (r *Registry) List(now time.Time) ([][]byte, Usage) {
	r.mu.Lock()
	r.purgeLocked(now)
	all := make([]*Entry, 0, len(r.live)+len(r.ended))
	for _, e := range r.live {
		all = append(all, e)
	}
	all = append(all, r.ended...)
	u := Usage{Live: len(r.live), MaxSamplers: r.limits.MaxSamplers, Reserved: r.reserved, TotalBytes: r.limits.TotalBytes}
	r.mu.Unlock()
	slices.SortFunc(all, func(a, b *Entry) int { return cmp.Compare(a.n, b.n) })
	out := make([][]byte, len(all))
	for i, e := range all {
		out[i] = e.Summary(now)
	}
	return out, u
}

// Read answers sample_read: the samples after since that fit budget bytes
// of JSON, with the status and cursor (see Entry.Read).
func (r *Registry) Read(id string, since uint64, budget int, now time.Time) ([]byte, error) {
	e, err := r.Get(id, now)
	if err != nil {
		return nil, err
	}
	return e.Read(since, budget, now)
}
