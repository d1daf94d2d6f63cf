package logcount

import (
	"sync"
	"sync/atomic"
)

// Levels are the log levels in order, as Key.Level names them; Totals
// count them at these indexes.
var Levels = [6]string{"trace", "debug", "info", "warning", "error", "panic"}

// SourceSlots is how many sources Totals count apart; the last slot
// counts the rest (OtherSource), so the memory is fixed.
const SourceSlots = 32

// OtherSource names the slot of the sources that found no slot of their own.
const OtherSource = "other"

// totals count every message in place, by level and by source group
// (see Key.Group), with atomics once a source has its slot: the node's
// history diffs them into its points. Sources take slots first come,
// first served.
type totals struct {
	levels [len(Levels)]atomic.Uint64
	slots  [SourceSlots]atomic.Uint64

	mu    sync.RWMutex
	index map[string]int // group → slot, at most SourceSlots-1 entries
	names [SourceSlots]string
}

func (c *totals) init() {
	c.index = make(map[string]int, SourceSlots)
	c.names[SourceSlots-1] = OtherSource
}

// count counts one message of level (an index of Levels, or -1: not
// counted) from group.
func (c *totals) count(level int, group string) {
	if level < 0 {
		return
	}
	c.levels[level].Add(1)
	c.slots[c.slot(group)].Add(1)
}

// slot finds group's slot under the read lock; a group without one takes
// the write lock (as the key table's lock is taken next anyway) to get
// the next free slot, or the last.
func (c *totals) slot(group string) int {
	c.mu.RLock()
	i, ok := c.index[group]
	c.mu.RUnlock()
	if ok {
		return i
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if i, ok := c.index[group]; ok {
		return i
	}
	if len(c.index) == SourceSlots-1 {
		return SourceSlots - 1
	}
	i = len(c.index)
	c.index[group] = i
	c.names[i] = group
	return i
}

// Totals are the counts since the counter was made.
type Totals struct {
	Levels [len(Levels)]uint64
	Slots  [SourceSlots]uint64
}

// Read returns the running totals of every message counted, whatever its
// level and however many keys the counter holds; the history's collector
// keeps the previous ones and stores the difference in each point.
func (c *Counter) Read() Totals {
	var t Totals
	for i := range c.totals.levels {
		t.Levels[i] = c.totals.levels[i].Load()
	}
	for i := range c.totals.slots {
		t.Slots[i] = c.totals.slots[i].Load()
	}
	return t
}

// Source names a slot of Totals ("" for a slot never taken).
func (c *Counter) Source(slot int) string {
	c.totals.mu.RLock()
	defer c.totals.mu.RUnlock()
	return c.totals.names[slot]
}

// levelIndex is level's index in Levels, or -1.
func levelIndex(level string) int {
	for i, l := range Levels {
		if l == level {
			return i
		}
	}
	return -1
}

// Group is the source a message counts under in Totals, as node_history
// shows it: a process's or meta process's Source (its registered name or
// behaviour: PIDs churn, so they would fill every slot), "node", or
// "network <peer>".
func (k Key) Group() string {
	switch k.Kind {
	case "process", "meta":
		return k.Source
	case "node":
		return "node"
	case "network":
		return "network " + k.Source
	}
	return "unknown"
}
