// Package logcount counts a node's log messages by level, source and
// message template (the format string before its arguments), with the
// times of the last few and the text of the last one, so that diagnose
// can tell a log flood, a timeout's period and a panic's reason from the
// node's history rather than from one window. It is ergo-free: the tools
// package feeds it from a logger it adds to the node.
//
// Memory is bounded: at most MaxKeys distinct keys (later ones are only
// counted in Dropped), RecentTimes times and PIDsPerKey PIDs per key, and
// MaxMessage bytes of text.
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
func New() *Counter { return &Counter{start: time.Now(), entries: map[Key]*entry{}} }

// Since is when the counter started: the horizon of its counts.
func (c *Counter) Since() time.Time { return c.start }

// Add counts one message logged at t by pid ("" for none). format is
// called to render the message only now and then (see formatEvery).
func (c *Counter) Add(k Key, pid string, t time.Time, format func() string) {
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
