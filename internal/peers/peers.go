// Package peers remembers what ergomcp saw of the other nodes since it
// started: when each was first and last seen connected, how often its
// connection went down or came back (including reconnects between two
// looks, told by a connection uptime that went back), and how its last
// pings went. Ergo keeps none of this across a connection's end, so
// without it a node that died is simply absent, a node restarted every
// few seconds looks freshly connected, and a stopped one looks healthy.
// It imports nothing from ergo and is bounded in nodes and age.
package peers

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// Bounds of the memory.
const (
	// MaxNodes is how many nodes are remembered; beyond it the one gone
	// longest is forgotten first (connected ones last).
	MaxNodes = 256
	// Keep is how long a node stays remembered after it was last seen
	// connected: the horizon of the node history.
	Keep = 24 * time.Hour
	// uptimeSlack absorbs the whole-second resolution of ergo's
	// ConnectionUptime and the time between two looks.
	uptimeSlack = 2 * time.Second
	// HungAfter is how long a connected node may leave a ping unanswered
	// before it counts as hung.
	HungAfter = 2 * time.Second
)

// Conn is one connected node as ergo shows it at a look.
type Conn struct {
	Name string
	// ConnectionUptime and Uptime (of the peer node) in seconds.
	ConnectionUptime, Uptime int64
}

// Ping is the outcome of one round trip to a node's ergomcp.
type Ping struct {
	At time.Time `json:"at"`
	// OK: the node answered (even "no ergomcp here" proves it runs).
	OK  bool          `json:"ok"`
	RTT time.Duration `json:"-"`
	// Err says what went wrong when not OK.
	Err string `json:"error,omitempty"`
	// Timeout: no answer at all within the wait.
	Timeout bool `json:"timeout,omitempty"`
}

// Node is what was seen of one node. Times are zero when never.
type Node struct {
	Name      string
	FirstSeen time.Time // first seen connected
	LastSeen  time.Time // last seen connected
	Connected bool      // at the last look
	// Since is when the current (or last) connection started, as told by
	// its uptime.
	Since time.Time
	// Uptime of the peer node at the last look, seconds.
	Uptime int64
	// Disconnects counts connections seen to end; Reconnects counts
	// connections that started after an earlier one of the same node.
	Disconnects, Reconnects int
	LastDisconnect          time.Time
	// LastPing is the last ping that finished; Pending is when the one in
	// flight was sent (zero when none); Unanswered counts pings in a row
	// that got no answer.
	LastPing   Ping
	Pending    time.Time
	Unanswered int
	// LastAnswer is when the node last answered anything.
	LastAnswer time.Time
}

// Hung reports whether n is connected yet leaves pings unanswered: its
// last ping timed out after the connection started, or one has been in
// flight longer than HungAfter, with no answer since.
func (n *Node) Hung(now time.Time) bool {
	if !n.Connected {
		return false
	}
	if !n.Pending.IsZero() && now.Sub(n.Pending) > HungAfter && n.LastAnswer.Before(n.Pending) {
		return true
	}
	return n.Unanswered > 0 && n.LastPing.Timeout && n.LastPing.At.After(n.Since)
}

// Memory holds the nodes; safe for concurrent use. The zero value is
// ready; Start is when ergomcp started looking.
type Memory struct {
	mu    sync.Mutex
	start time.Time
	nodes map[string]*Node
}

// Started is when the memory took its first look: nodes gone before it
// were never seen.
func (m *Memory) Started() time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.start
}

// Observe records a look at the connected nodes at now (local excluded
// by the caller). A node absent from conns that was connected has lost
// its connection; a connected node whose connection is younger than the
// one seen before was reconnected in between.
func (m *Memory) Observe(now time.Time, conns []Conn) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.nodes == nil {
		m.nodes = make(map[string]*Node)
		m.start = now
	}
	seen := make(map[string]bool, len(conns))
	for _, c := range conns {
		seen[c.Name] = true
		since := now.Add(-time.Duration(c.ConnectionUptime) * time.Second)
		n, ok := m.nodes[c.Name]
		switch {
		case !ok:
			n = &Node{Name: c.Name, FirstSeen: now, Since: since}
			m.nodes[c.Name] = n
		case !n.Connected:
			n.Reconnects++
			n.Since = since
		case since.Sub(n.Since) > uptimeSlack:
			// Went down and came back between two looks.
			n.Disconnects++
			n.Reconnects++
			n.LastDisconnect = since
			n.Since = since
		}
		n.Connected, n.LastSeen, n.Uptime = true, now, c.Uptime
	}
	for name, n := range m.nodes {
		switch {
		case seen[name]:
		case n.Connected:
			n.Connected = false
			n.Disconnects++
			n.LastDisconnect = now
			n.Pending = time.Time{}
		case now.Sub(n.LastSeen) > Keep:
			delete(m.nodes, name)
		}
	}
	m.trim()
}

// trim forgets the nodes gone longest beyond MaxNodes.
func (m *Memory) trim() {
	over := len(m.nodes) - MaxNodes
	if over <= 0 {
		return
	}
	all := make([]*Node, 0, len(m.nodes))
	for _, n := range m.nodes {
		all = append(all, n)
	}
	slices.SortFunc(all, func(a, b *Node) int {
		if a.Connected != b.Connected {
			if a.Connected {
				return 1
			}
			return -1
		}
		return a.LastSeen.Compare(b.LastSeen)
	})
	for _, n := range all[:over] {
		delete(m.nodes, n.Name)
	}
}

// PingStart marks a ping to name sent at now. It reports false when one
// is already in flight or the node is not remembered as connected, so
// a node that does not answer never has more than one ping waiting.
func (m *Memory) PingStart(name string, now time.Time) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	n, ok := m.nodes[name]
	if !ok || !n.Connected || !n.Pending.IsZero() {
		return false
	}
	n.Pending = now
	return true
}

// PingDone records how a ping to name went (p.At is when it finished).
func (m *Memory) PingDone(name string, p Ping) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n, ok := m.nodes[name]
	if !ok {
		return
	}
	n.Pending, n.LastPing = time.Time{}, p
	if p.OK {
		n.Unanswered, n.LastAnswer = 0, p.At
	} else if p.Timeout {
		n.Unanswered++
	}
}

// Answered records that name answered a call at now: it is alive.
func (m *Memory) Answered(name string, now time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if n, ok := m.nodes[name]; ok && now.After(n.LastAnswer) {
		n.LastAnswer = now
		if n.Pending.IsZero() || now.After(n.Pending) {
			n.Unanswered = 0
		}
	}
}

// Get returns a copy of what was seen of name.
func (m *Memory) Get(name string) (Node, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n, ok := m.nodes[name]
	if !ok {
		return Node{}, false
	}
	return *n, true
}

// All returns copies of every remembered node, by name.
func (m *Memory) All() []Node {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]Node, 0, len(m.nodes))
	for _, n := range m.nodes {
		out = append(out, *n)
	}
	slices.SortFunc(out, func(a, b Node) int { return cmp.Compare(a.Name, b.Name) })
	return out
}

// Names returns the remembered node names, sorted.
func (m *Memory) Names() []string {
	all := m.All()
	names := make([]string, len(all))
	for i, n := range all {
		names[i] = n.Name
	}
	return names
}

// Resolve maps a short name ("agent1") to the one full name among known
// whose part before "@" it is. A full name (with "@") is returned as is.
// With none or several matches it returns "" and the candidates: the
// several, or the names that start with short.
func Resolve(short string, known []string) (full string, candidates []string) {
	if strings.Contains(short, "@") {
		return short, nil
	}
	var exact, prefix []string
	for _, k := range known {
		name, _, _ := strings.Cut(k, "@")
		switch {
		case name == short:
			exact = append(exact, k)
		case short != "" && strings.HasPrefix(name, short):
			prefix = append(prefix, k)
		}
	}
	slices.Sort(exact)
	slices.Sort(prefix)
	exact, prefix = slices.Compact(exact), slices.Compact(prefix)
	if len(exact) == 1 {
		return exact[0], nil
	}
	if len(exact) > 1 {
		return "", exact
	}
	return "", prefix
}

// Story tells in one clause what was seen of n at now, for error texts:
// "connected since T", "gone since T (connected from T1; 3 reconnects)",
// "connected but not answering pings since T".
func (n *Node) Story(now time.Time) string {
	var b strings.Builder
	switch {
	case n.Hung(now):
		fmt.Fprintf(&b, "connected since %s but not answering pings (%d unanswered, last answer %s)",
			stamp(n.Since), max(n.Unanswered, 1), ago(n.LastAnswer, now))
	case n.Connected:
		fmt.Fprintf(&b, "connected since %s", stamp(n.Since))
	default:
		fmt.Fprintf(&b, "gone since %s (%s ago; last connected from %s)", stamp(n.LastDisconnect),
			now.Sub(n.LastDisconnect).Round(time.Second), stamp(n.Since))
	}
	if n.Reconnects > 0 {
		fmt.Fprintf(&b, "; %d reconnects seen since %s", n.Reconnects, stamp(n.FirstSeen))
	}
	return b.String()
}

func stamp(t time.Time) string { return t.UTC().Format("15:04:05Z") }

func ago(t, now time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return now.Sub(t).Round(time.Millisecond).String() + " ago"
}
