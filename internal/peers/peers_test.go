package peers

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 12, 1, 21, 0, 0, 0, time.UTC)

func at(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }

// TestObserveConnectionsComeAndGo: a node that leaves stays remembered as
// gone with since when; one that comes back counts a reconnect, whether
// a look saw it absent or only its connection uptime went back.
func TestObserveConnectionsComeAndGo(t *testing.T) {
	var m Memory
	m.Observe(at(0), []Conn{{Name: "a@h", ConnectionUptime: 10, Uptime: 100}, {Name: "b@h", ConnectionUptime: 5, Uptime: 5}})
	if m.Started() != at(0) {
		t.Fatalf("started %v", m.Started())
	}
	m.Observe(at(1), []Conn{{Name: "a@h", ConnectionUptime: 11, Uptime: 101}})
	b, _ := m.Get("b@h")
	if b.Connected || b.Disconnects != 1 || b.LastDisconnect != at(1) || !strings.Contains(b.Story(at(4)), "gone since 21:00:01Z") {
		t.Fatalf("b left: %+v %s", b, b.Story(at(4)))
	}
	m.Observe(at(2), []Conn{{Name: "a@h", ConnectionUptime: 12}, {Name: "b@h", ConnectionUptime: 0}})
	// a restarted between two looks: its connection is 1 s old at 5 s.
	m.Observe(at(5), []Conn{{Name: "a@h", ConnectionUptime: 1}, {Name: "b@h", ConnectionUptime: 3}})
	a, _ := m.Get("a@h")
	b, _ = m.Get("b@h")
	if a.Reconnects != 1 || a.Disconnects != 1 || !a.Connected || a.Since != at(4) {
		t.Errorf("a restarted unseen: %+v", a)
	}
	if b.Reconnects != 1 || b.Disconnects != 1 || !b.Connected || b.FirstSeen != at(0) {
		t.Errorf("b came back: %+v", b)
	}
	// A healthy connection, looked at every second with its uptime's
	// whole-second rounding, counts nothing.
	for s := 6; s < 30; s++ {
		m.Observe(at(s), []Conn{{Name: "a@h", ConnectionUptime: int64(s - 4)}, {Name: "b@h", ConnectionUptime: int64(s - 2)}})
	}
	if a2, _ := m.Get("a@h"); a2.Reconnects != 1 {
		t.Errorf("steady connection counted reconnects: %+v", a2)
	}
}

// TestHungFromPings: a connected node whose ping is in flight too long,
// or whose last ping timed out, is hung until it answers again.
func TestHungFromPings(t *testing.T) {
	var m Memory
	m.Observe(at(0), []Conn{{Name: "a@h", ConnectionUptime: 0}})
	if !m.PingStart("a@h", at(1)) || m.PingStart("a@h", at(2)) {
		t.Fatal("one ping in flight at a time")
	}
	if n, _ := m.Get("a@h"); n.Hung(at(2)) || !n.Hung(at(4)) {
		t.Fatalf("in flight 1 s: not hung; 3 s: hung (%+v)", n)
	}
	m.PingDone("a@h", Ping{At: at(3), Timeout: true, Err: "timeout"})
	if n, _ := m.Get("a@h"); !n.Hung(at(3)) || n.Unanswered != 1 || !strings.Contains(n.Story(at(3)), "not answering pings") {
		t.Fatalf("timed out: %+v", n)
	}
	m.PingStart("a@h", at(4))
	m.PingDone("a@h", Ping{At: at(4), OK: true, RTT: time.Millisecond})
	if n, _ := m.Get("a@h"); n.Hung(at(9)) || n.Unanswered != 0 {
		t.Fatalf("answered: %+v", n)
	}
	// Gone is not hung, and no ping starts for it.
	m.Observe(at(10), nil)
	if n, _ := m.Get("a@h"); n.Hung(at(20)) || m.PingStart("a@h", at(20)) {
		t.Fatalf("gone: %+v", n)
	}
}

func TestBounded(t *testing.T) {
	var m Memory
	var conns []Conn
	for i := range MaxNodes + 20 {
		conns = append(conns, Conn{Name: fmt.Sprintf("n%03d@h", i)})
	}
	m.Observe(at(0), conns[:20])
	m.Observe(at(1), conns[20:]) // the first 20 are gone now
	if len(m.All()) != MaxNodes {
		t.Fatalf("remembers %d, want %d", len(m.All()), MaxNodes)
	}
	if _, ok := m.Get("n000@h"); ok {
		t.Error("a gone node should be forgotten before a connected one")
	}
	m.Observe(at(2), nil)
	m.Observe(at(2).Add(Keep+time.Second), nil)
	if len(m.All()) != 0 {
		t.Errorf("after Keep: %d remembered", len(m.All()))
	}
}

func TestResolve(t *testing.T) {
	known := []string{"agent1@localhost", "agent12@localhost", "entry@h", "dup@a", "dup@b"}
	for short, want := range map[string]string{"agent1": "agent1@localhost", "x@y": "x@y", "entry": "entry@h"} {
		if got, _ := Resolve(short, known); got != want {
			t.Errorf("Resolve(%s) = %q, want %q", short, got, want)
		}
	}
	if got, c := Resolve("dup", known); got != "" || strings.Join(c, ",") != "dup@a,dup@b" {
		t.Errorf("ambiguous: %q %v", got, c)
	}
	if got, c := Resolve("agent", known); got != "" || len(c) != 2 {
		t.Errorf("prefix: %q %v", got, c)
	}
	if got, c := Resolve("zzz", known); got != "" || c != nil {
		t.Errorf("none: %q %v", got, c)
	}
}
