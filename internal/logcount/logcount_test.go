package logcount

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestCounts(t *testing.T) {
	c := New()
	k := Key{Level: "error", Kind: "process", Source: "flooder", Template: "order %d"}
	t0 := c.Since().Add(time.Second)
	formats := 0
	for i := range RecentTimes + 5 {
		at := t0.Add(time.Duration(i) * 60 * time.Millisecond)
		c.Add(k, fmt.Sprintf("<P.0.%d>", 1000+i%(PIDsPerKey+2)), at, func() string { formats++; return fmt.Sprintf("order %d", i) })
	}
	c.Add(Key{Level: "info"}, "", t0, nil)
	entries, dropped := c.Snapshot()
	if dropped != 0 || len(entries) != 2 {
		t.Fatalf("entries %d dropped %d", len(entries), dropped)
	}
	var e Entry
	for _, x := range entries {
		if x.Key == k {
			e = x
		}
	}
	n := RecentTimes + 5
	if e.Count != uint64(n) || !e.First.Equal(t0) || !e.Last.Equal(t0.Add(time.Duration(n-1)*60*time.Millisecond)) {
		t.Errorf("count %d first %v last %v", e.Count, e.First, e.Last)
	}
	if len(e.Recent) != RecentTimes || !e.Recent[RecentTimes-1].Equal(e.Last) || !e.Recent[0].Equal(t0.Add(5*60*time.Millisecond)) {
		t.Errorf("recent %v", e.Recent)
	}
	if len(e.PIDs) != PIDsPerKey || e.PIDs[PIDsPerKey-1] != fmt.Sprintf("<P.0.%d>", 1000+(n-1)%(PIDsPerKey+2)) {
		t.Errorf("pids %v", e.PIDs)
	}
	// One format per 100 ms at 60 ms a message: about every other one.
	if formats < n/3 || formats > n*2/3+1 {
		t.Errorf("%d formats for %d messages", formats, n)
	}
	if e.Message == "" {
		t.Error("no message text")
	}
	// Snapshots are copies.
	e.Recent[0], e.PIDs[0] = time.Time{}, "x"
	again, _ := c.Snapshot()
	for _, x := range again {
		if x.Key == k && (x.Recent[0].IsZero() || x.PIDs[0] == "x") {
			t.Error("snapshot shares the counter's slices")
		}
	}
}

func TestBounds(t *testing.T) {
	c := New()
	now := time.Now()
	for i := range MaxKeys + 10 {
		c.Add(Key{Template: fmt.Sprint(i)}, "", now, func() string { return strings.Repeat("x", 2*MaxMessage) })
	}
	entries, dropped := c.Snapshot()
	if len(entries) != MaxKeys || dropped != 10 {
		t.Errorf("%d keys, %d dropped", len(entries), dropped)
	}
	for _, e := range entries {
		if len(e.Message) != MaxMessage {
			t.Fatalf("message of %d bytes", len(e.Message))
		}
	}
	// A known key still counts when the table is full.
	c.Add(Key{Template: "0"}, "", now, nil)
	entries, _ = c.Snapshot()
	for _, e := range entries {
		if e.Template == "0" && e.Count != 2 {
			t.Errorf("count %d", e.Count)
		}
	}
}

func TestConcurrent(t *testing.T) {
	c := New()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 1000 {
				c.Add(Key{Level: "warning", Source: fmt.Sprint(g % 2)}, "", time.Now(), nil)
			}
		}()
	}
	wg.Wait()
	entries, _ := c.Snapshot()
	total := uint64(0)
	for _, e := range entries {
		total += e.Count
	}
	if total != 8000 || len(entries) != 2 {
		t.Errorf("total %d over %d keys", total, len(entries))
	}
}

// Every message counts in the totals, by level and by source group, while
// only info and above take keys; sources beyond the slots count as other.
func TestTotals(t *testing.T) {
	c := New()
	now := time.Now()
	for range 100 {
		c.Add(Key{Level: "error", Kind: "process", Source: "storm"}, "", now, nil)
	}
	c.Add(Key{Level: "debug", Kind: "node", Source: "n@localhost"}, "", now, nil)
	c.Add(Key{Level: "trace", Kind: "network", Source: "peer@host"}, "", now, nil)
	for i := range SourceSlots + 10 {
		c.Add(Key{Level: "info", Kind: "meta", Source: fmt.Sprint("meta", i)}, "", now, nil)
	}
	c.Add(Key{Level: "bogus", Kind: "process", Source: "ignored"}, "", now, nil)
	tot := c.Read()
	if tot.Levels[4] != 100 || tot.Levels[1] != 1 || tot.Levels[0] != 1 || tot.Levels[2] != SourceSlots+10 {
		t.Fatalf("levels %v", tot.Levels)
	}
	want := map[string]uint64{"storm": 100, "node": 1, "network peer@host": 1}
	for i := range SourceSlots - 1 {
		if n, ok := want[c.Source(i)]; ok && tot.Slots[i] != n {
			t.Errorf("slot %d %q counts %d, want %d", i, c.Source(i), tot.Slots[i], n)
		}
	}
	if c.Source(0) != "storm" || c.Source(1) != "node" || c.Source(2) != "network peer@host" {
		t.Errorf("first slots %q %q %q", c.Source(0), c.Source(1), c.Source(2))
	}
	// 3 slots taken above, then 28 meta sources; the other 14 are other.
	if c.Source(SourceSlots-1) != OtherSource || tot.Slots[SourceSlots-1] != SourceSlots+10-(SourceSlots-1-3) {
		t.Errorf("other: %d", tot.Slots[SourceSlots-1])
	}
	entries, _ := c.Snapshot()
	for _, e := range entries {
		if e.Level == "debug" || e.Level == "trace" {
			t.Errorf("a %s message took a key: %+v", e.Level, e.Key)
		}
	}
	if len(entries) != 1+SourceSlots+10+1 { // storm, every meta, bogus
		t.Errorf("%d keys", len(entries))
	}
	// Restart starts the keys over; the totals, which the history diffs,
	// and the slot names run on.
	c.Restart()
	if entries, dropped := c.Snapshot(); len(entries) != 0 || dropped != 0 {
		t.Errorf("after restart: %d keys, %d dropped", len(entries), dropped)
	}
	if c.Read() != tot || c.Source(0) != "storm" {
		t.Error("restart reset the totals")
	}
}

// The key table stays bounded under concurrent floods of new keys, the
// totals count every message exactly (run with -race).
func TestConcurrentBounded(t *testing.T) {
	c := New()
	var wg sync.WaitGroup
	const writers, each = 8, 2000
	for g := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				c.Add(Key{Level: "warning", Kind: "process", Source: fmt.Sprint("s", g, "-", i%50), Template: fmt.Sprint(i)},
					"<1.0.1>", time.Now(), func() string { return "m" })
			}
		}()
	}
	for range 50 { // readers meanwhile
		c.Snapshot()
		c.Read()
		c.Source(0)
	}
	wg.Wait()
	entries, dropped := c.Snapshot()
	var counted uint64
	for _, e := range entries {
		counted += e.Count
	}
	if len(entries) != MaxKeys || counted+dropped != writers*each {
		t.Errorf("%d keys, %d counted + %d dropped, want %d keys and %d in all", len(entries), counted, dropped, MaxKeys, writers*each)
	}
	tot := c.Read()
	var slots uint64
	for _, n := range tot.Slots {
		slots += n
	}
	if tot.Levels[3] != writers*each || slots != writers*each {
		t.Errorf("totals: %d warnings, %d in slots, want %d", tot.Levels[3], slots, writers*each)
	}
}

func TestGroup(t *testing.T) {
	for _, c := range []struct {
		k    Key
		want string
	}{
		{Key{Kind: "process", Source: "shop_sup"}, "shop_sup"},
		{Key{Kind: "meta", Source: "meta.TCP"}, "meta.TCP"},
		{Key{Kind: "node", Source: "n@host"}, "node"},
		{Key{Kind: "network", Source: "peer@host"}, "network peer@host"},
		{Key{}, "unknown"},
	} {
		if got := c.k.Group(); got != c.want {
			t.Errorf("%+v: group %q, want %q", c.k, got, c.want)
		}
	}
}

func TestTemplate(t *testing.T) {
	for in, want := range map[string]string{
		"order 1000 failed: upstream a0000000 timed out":         "order <N> failed: upstream <HEX> timed out",
		"call to <ABCDEF12.0.1004> failed after 2.5s":            "call to <PID> failed after <N>s",
		"req 123e4567-e89b-12d3-a456-426614174000 dropped":       "req <UUID> dropped",
		"send to Alias#<ABCD.1.2.3> at 0xdeadbeef":               "send to Alias#<…> at <HEX>",
		"the deadbeef word and 12345678 stay apart":              "the deadbeef word and <N> stay apart",
		"nothing to fold here":                                   "nothing to fold here",
		"a - dash or # hash alone is left too":                   "a - dash or # hash alone is left too",
		"format verbs stay: %d of %s":                            "format verbs stay: %d of %s",
		"cache miss 7 for key 9f86d081884c7d659a2feaa0c55ad015a": "cache miss <N> for key <HEX>",
	} {
		if got := Template(in); got != want {
			t.Errorf("Template(%q) = %q, want %q", in, got, want)
		}
	}
}

// A key's message is rendered again once formatEvery has passed, not
// sooner, and cut at MaxMessage bytes.
func TestFormatEvery(t *testing.T) {
	c := New()
	k := Key{Level: "warning", Kind: "process", Source: "p"}
	t0 := c.Since()
	n := 0
	for _, d := range []time.Duration{0, formatEvery - 1, formatEvery, 2*formatEvery - 1, 2 * formatEvery} {
		c.Add(k, "", t0.Add(d), func() string { n++; return strings.Repeat("y", MaxMessage+n) })
	}
	entries, _ := c.Snapshot()
	if n != 3 || len(entries) != 1 || entries[0].Message != strings.Repeat("y", MaxMessage) {
		t.Errorf("%d formats, %+v", n, entries)
	}
}
