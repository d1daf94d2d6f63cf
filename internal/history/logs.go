package history

import (
	"sync"
	"sync/atomic"
)

// LogCounter counts log messages in place, by level and by source, for a
// logger the node calls on the logging goroutine itself: no message is
// queued, copied or formatted. Sources take slots first come, first served;
// when the slots are full the rest count as "other", so its memory is fixed.
type LogCounter struct {
	levels [6]atomic.Uint64
	slots  [MaxSources]atomic.Uint64

	mu    sync.RWMutex
	index map[string]int // source → slot, at most MaxSources-1 entries
	names [MaxSources]string
}

// OtherSource names the slot of the sources that found no slot of their own.
const OtherSource = "other"

// NewLogCounter makes an empty counter.
func NewLogCounter() *LogCounter {
	c := &LogCounter{index: make(map[string]int, MaxSources)}
	c.names[MaxSources-1] = OtherSource
	return c
}

// Count counts one message of level (0 trace .. 5 panic; others are
// ignored) from source.
func (c *LogCounter) Count(level int, source string) {
	if level < 0 || level >= len(c.levels) {
		return
	}
	c.levels[level].Add(1)
	c.slots[c.slot(source)].Add(1)
}

func (c *LogCounter) slot(source string) int {
	c.mu.RLock()
	i, ok := c.index[source]
	full := len(c.index) >= MaxSources-1
	c.mu.RUnlock()
	if ok {
		return i
	}
	if full {
		return MaxSources - 1
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if i, ok := c.index[source]; ok {
		return i
	}
	if len(c.index) >= MaxSources-1 {
		return MaxSources - 1
	}
	i = len(c.index)
	c.index[source] = i
	c.names[i] = source
	return i
}

// Totals are the counts since the counter was made.
type Totals struct {
	Levels [6]uint64
	Slots  [MaxSources]uint64
}

// Read returns the running totals; the collector keeps the previous ones
// and stores the difference in each point.
func (c *LogCounter) Read() Totals {
	var t Totals
	for i := range c.levels {
		t.Levels[i] = c.levels[i].Load()
	}
	for i := range c.slots {
		t.Slots[i] = c.slots[i].Load()
	}
	return t
}

// Source names a slot ("" for a slot never taken).
func (c *LogCounter) Source(slot int) string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.names[slot]
}
