package events

import (
	"maps"
	"slices"
)

// Rebuild aggregates an event table from per-process information, for ergo
// < 3.3, which keeps none: the tool feeds it, process by process, the events
// each registered (Producer) and subscribed to (Subscriber). Memory grows
// with the number of distinct events seen, not with the number of processes.
type Rebuild struct {
	only   string // when set, events of other names are ignored
	keep   int    // subscriber PIDs kept per event
	byName map[string]*rebuilt
}

type rebuilt struct {
	ev   Event
	subs []Subscriber
}

// Subscriber is one local subscriber process of an event.
type Subscriber struct {
	PID string
	// Link: subscribed with LinkEvent (it exits with the event); otherwise
	// with MonitorEvent.
	Link bool
}

// NewRebuild returns an empty aggregation. With only set, it keeps just
// that event (event_info); keepSubscribers bounds the subscriber PIDs it
// remembers per event (0: counts only).
func NewRebuild(only string, keepSubscribers int) *Rebuild {
	return &Rebuild{only: only, keep: keepSubscribers, byName: map[string]*rebuilt{}}
}

func (r *Rebuild) entry(event string) *rebuilt {
	if r.only != "" && event != r.only {
		return nil
	}
	e, ok := r.byName[event]
	if !ok {
		e = &rebuilt{ev: Event{Name: event}}
		r.byName[event] = e
	}
	return e
}

// Producer records that process pid registered event.
func (r *Rebuild) Producer(event, pid string) {
	if e := r.entry(event); e != nil {
		e.ev.Producer = pid
	}
}

// Subscriber records that process pid subscribes to event, a local one.
func (r *Rebuild) Subscriber(event, pid string, link bool) {
	e := r.entry(event)
	if e == nil {
		return
	}
	e.ev.Subscribers++
	if len(e.subs) < r.keep {
		e.subs = append(e.subs, Subscriber{PID: pid, Link: link})
	}
}

// Len is how many events were seen.
func (r *Rebuild) Len() int { return len(r.byName) }

// Events returns the events seen, by name.
func (r *Rebuild) Events() []Event {
	out := make([]Event, 0, len(r.byName))
	for _, name := range slices.Sorted(maps.Keys(r.byName)) {
		out = append(out, r.byName[name].ev)
	}
	return out
}

// Event returns one event and the subscribers kept for it, in the order
// they were fed; ok is false when no process registered or subscribed to it.
func (r *Rebuild) Event(name string) (ev Event, subs []Subscriber, ok bool) {
	e, ok := r.byName[name]
	if !ok {
		return Event{}, nil, false
	}
	return e.ev, slices.Clone(e.subs), true
}
