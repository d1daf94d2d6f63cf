// Package logcount is ergomcp's one count of a node's log, fed by the one
// logger the tools package adds to the node. It counts every message by
// level and by source group in fixed slots (Read: node_history's log
// series), and the messages of level info and above by level, source and
// template (Snapshot: diagnose's log evidence), with the times of the last
// few and the text of the last one, so that diagnose can tell a log
// flood, a timeout's period and a panic's reason from the node's history
// rather than from one window. Template folds a message into its template
// for the keys and for sample_read's summary. It is ergo-free.
//
// Memory is bounded: at most MaxKeys distinct keys (later ones are only
// counted in Dropped), RecentTimes times and PIDsPerKey PIDs per key,
// MaxMessage bytes of text, and SourceSlots source slots.
package logcount

import (
	"slices"
	"sync"
	"time"
)

// Bounds of a Counter.
const (
	MaxKeys     = 512
	RecentTimes = 16
	PIDsPerKey  = 4
	MaxMessage  = 256
	// formatEvery spaces the formatting of one key's messages: a flood
	// costs one Sprintf per key per interval, not one per message.
	formatEvery = 100 * time.Millisecond
)

// Key is what messages are counted by. Source is the registered name of
// the process (or the behaviour when it has none), the meta process's
// behaviour, or "node"/"network": a restarted child keeps its key across
// incarnations, whose PIDs the Entry lists.
type Key struct {
	Level, Kind, Source, Behavior, Template string
}

// Entry is one key's count.
type Entry struct {
	Key
	Count uint64
	// First and Last are the times of the first and the last message.
	First, Last time.Time
	// Recent are the times of the last RecentTimes messages, oldest first.
	Recent []time.Time
	// PIDs are the last PIDsPerKey distinct processes that logged it.
	PIDs []string
	// Message is the text of a recent message, at most MaxMessage bytes.
	Message string
}

// Counter is safe for concurrent use.
type Counter struct {
	totals totals

	mu      sync.Mutex
	start   time.Time
	entries map[Key]*entry
	dropped uint64
}

type entry struct {
	Entry
	formatted time.Time
}

// New starts counting now.
func New() *Counter {
	c := &Counter{start: time.Now(), entries: map[Key]*entry{}}
	c.totals.init()
	return c
}

// Since is when the keys started: the horizon of Snapshot's counts.
func (c *Counter) Since() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.start
}

// Restart forgets the keys and starts them over now: diagnose reads the
// log since ergomcp (re)started. The totals run on, as the history they
// feed outlives ergomcp's restarts and names their slots.
func (c *Counter) Restart() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.start, c.dropped = time.Now(), 0
	clear(c.entries)
}

// Add counts one message logged at t by pid ("" for none): in the totals
// whatever its level, under its key unless it is a trace or debug message
// (diagnose reads none). format is called to render the message only now
// and then (see formatEvery).
func (c *Counter) Add(k Key, pid string, t time.Time, format func() string) {
	c.totals.count(levelIndex(k.Level), k.Group())
	if k.Level == "trace" || k.Level == "debug" {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[k]
	if !ok {
		if len(c.entries) >= MaxKeys {
			c.dropped++
			return
		}
		e = &entry{Entry: Entry{Key: k, First: t}}
		c.entries[k] = e
	}
	e.Count++
	e.Last = t
	if len(e.Recent) == RecentTimes {
		copy(e.Recent, e.Recent[1:])
		e.Recent[RecentTimes-1] = t
	} else {
		e.Recent = append(e.Recent, t)
	}
	if pid != "" && !slices.Contains(e.PIDs, pid) {
		if len(e.PIDs) == PIDsPerKey {
			copy(e.PIDs, e.PIDs[1:])
			e.PIDs[PIDsPerKey-1] = pid
		} else {
			e.PIDs = append(e.PIDs, pid)
		}
	}
	if format != nil && t.Sub(e.formatted) >= formatEvery {
		e.formatted = t
		m := format()
		if len(m) > MaxMessage {
			m = m[:MaxMessage]
		}
		e.Message = m
	}
}

// Snapshot copies every entry (in no particular order) and the number of
// messages not counted because MaxKeys keys were taken.
func (c *Counter) Snapshot() (entries []Entry, dropped uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	entries = make([]Entry, 0, len(c.entries))
	for _, e := range c.entries {
		x := e.Entry
		x.Recent, x.PIDs = slices.Clone(e.Recent), slices.Clone(e.PIDs)
		entries = append(entries, x)
	}
	return entries, c.dropped
}
