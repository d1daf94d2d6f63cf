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
