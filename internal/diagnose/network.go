package diagnose

import (
	"fmt"
	"time"
)

// The network rules: what a node sees of its peers, from ergo (connected
// now, connection uptimes) and from what ergomcp saw since it started
// (peers connected before and gone since, connections re-established
// between two looks, pings left unanswered).

// Thresholds of the network rules.
const (
	// peer_flapping
	FlapMaxConnUptime  = 30 // seconds: a connection this young ...
	FlapMinUptimeGap   = 60 // ... to a peer up this much longer was re-established
	FlapMinReconnects  = 2  // reconnects ergomcp saw of one peer since it started: flapping
	FlapHighReconnects = 5  // ... high from this many
)

// Peer is one node of the cluster as this node sees it.
type Peer struct {
	Name string
	// Connected at the end of the window; ConnectedBefore at its start.
	Connected, ConnectedBefore bool
	// Known: a route or the registrar names it.
	Known bool
	// Uptime of the peer node and ConnectionUptime of the connection, in
	// seconds, at the window's end (when connected); ConnectionUptimeBefore
	// at its start.
	Uptime, ConnectionUptime, ConnectionUptimeBefore int64
	// Seen: ergomcp saw the node connected since it started; the fields
	// below are what it saw, over that horizon.
	Seen bool `json:",omitempty"`
	// GoneSince is when its connection was seen to end (RFC 3339), for a
	// node not connected now.
	GoneSince string `json:",omitempty"`
	// Reconnects and Disconnects since ergomcp started watching;
	// ReconnectsInWindow of them during the window.
	Reconnects, Disconnects int `json:",omitempty"`
	ReconnectsInWindow      int `json:",omitempty"`
	// Hung: connected but leaving ergomcp's pings unanswered;
	// UnansweredPings in a row, LastAnswerAgoMs (-1: never answered).
	Hung            bool  `json:",omitempty"`
	UnansweredPings int   `json:",omitempty"`
	LastAnswerAgoMs int64 `json:",omitempty"`
	// Story is what ergomcp saw, in words.
	Story string `json:",omitempty"`
}

var peerNotConnectedRule = &Rule{
	ID: "peer_not_connected", Scenarios: []string{"network"}, Severity: Medium,
	Needs: NeedNetwork,
	Doc: "A node that ergomcp saw connected since it started (high: it is gone, with since when), or that a static route or the " +
		"registrar names (medium), is not connected at the window's end.",
	Check: peerNotConnected,
}

var peerHungRule = &Rule{
	ID: "peer_hung", Scenarios: []string{"network"}, Severity: High,
	Needs: NeedNetwork,
	Doc: fmt.Sprintf("A peer is connected but leaves ergomcp's pings unanswered (one in flight for over %s, or the last one timed out): "+
		"stopped, wedged or overloaded; calls to it wait for their whole deadline.", HungAfterDoc),
	Check: peerHung,
}

// HungAfterDoc is peers.HungAfter as the rule documents it (diagnose
// does not import the peer memory: the tool fills Peer.Hung from it).
const HungAfterDoc = 2 * time.Second

var peerFlappingRule = &Rule{
	ID: "peer_flapping", Scenarios: []string{"network"}, Severity: Medium,
	Needs: NeedNetwork,
	Doc: fmt.Sprintf("A peer's connection went down or was re-established during the window (high), ergomcp saw it reconnect at least %d "+
		"times since it started, told by its connection uptime going back (medium, high from %d), or the connection is younger than "+
		"%d s while the peer has run %d s longer (medium).", FlapMinReconnects, FlapHighReconnects, FlapMaxConnUptime, FlapMinUptimeGap),
	Check: peerFlapping,
}

func peerNotConnected(f *Facts) []Finding {
	var gone, down []Peer
	for _, p := range f.Peers {
		switch {
		case p.Connected:
		case p.Seen:
			gone = append(gone, p)
		case p.Known:
			down = append(down, p)
		}
	}
	var out []Finding
	mk := func(ps []Peer, sev Severity, what string) {
		if len(ps) == 0 {
			return
		}
		first := ps[0].Name
		if ps[0].GoneSince != "" {
			first += " (gone since " + ps[0].GoneSince + ")"
		}
		out = append(out, peerFinding(ps, sev, fmt.Sprintf("%d %s not connected, first %s", len(ps), what, first),
			step("registrar_resolve", "the routes the registrar gives for it", "name", ps[0].Name),
			step("network_ping", "whether its ergomcp answers through the cluster", "name", ps[0].Name),
			step("cluster_nodes", "connected, known and gone nodes at a glance")))
	}
	mk(gone, High, "node(s) seen connected before are")
	mk(down, Medium, "known node(s) are")
	return out
}

func peerHung(f *Facts) []Finding {
	var hung []Peer
	for _, p := range f.Peers {
		if p.Connected && p.Hung {
			hung = append(hung, p)
		}
	}
	if len(hung) == 0 {
		return nil
	}
	return []Finding{peerFinding(hung, High,
		fmt.Sprintf("%d connected peer(s) do not answer pings (hung), first %s (%d unanswered)", len(hung), hung[0].Name, max(hung[0].UnansweredPings, 1)),
		step("network_ping", "whether it answers at all", "name", hung[0].Name, "count", 1, "timeout", 5),
		step("network_node_info", "whether traffic from it still arrives", "name", hung[0].Name),
		step("network_disconnect", "drop the connection so calls fail fast instead of waiting (an action)", "name", hung[0].Name))}
}

func peerFlapping(f *Facts) []Finding {
	var flapped, repeated, young []Peer
	for _, p := range f.Peers {
		switch {
		case p.ConnectedBefore != p.Connected && p.ConnectedBefore,
			p.ConnectedBefore && p.Connected && p.ConnectionUptime < p.ConnectionUptimeBefore,
			p.ReconnectsInWindow > 0:
			flapped = append(flapped, p)
		case p.Reconnects >= FlapMinReconnects:
			repeated = append(repeated, p)
		case p.Connected && p.ConnectionUptime < FlapMaxConnUptime && p.Uptime >= p.ConnectionUptime+FlapMinUptimeGap:
			young = append(young, p)
		}
	}
	var out []Finding
	mk := func(ps []Peer, sev Severity, what string) {
		if len(ps) == 0 {
			return
		}
		out = append(out, peerFinding(ps, sev, fmt.Sprintf("%d peer(s) %s, first %s", len(ps), what, ps[0].Name),
			step("network_nodes", "reconnects, last disconnect and connection uptime of each peer", "name", ps[0].Name),
			step("sample_start", "watch connection uptimes over a minute", "tool", "network_nodes",
				"arguments", map[string]any{"sort_by": "connection_uptime"}, "interval_ms", 5000, "duration_sec", 60)))
	}
	mk(flapped, High, "lost or re-established their connection during the window")
	sev := Medium
	for _, p := range repeated {
		if p.Reconnects >= FlapHighReconnects {
			sev = High
		}
	}
	mk(repeated, sev, fmt.Sprintf("reconnected at least %d times since ergomcp started watching", FlapMinReconnects))
	mk(young, Medium, fmt.Sprintf("reconnected recently (connection < %ds old, peer up %ds longer)", FlapMaxConnUptime, FlapMinUptimeGap))
	return out
}

// peerFinding is a network rule's finding on the peers ps (at least one),
// listing the first MaxEvidence of them; its magnitude is how many.
func peerFinding(ps []Peer, sev Severity, conclusion string, next ...Step) Finding {
	ev := Evidence{Peers: firstN(ps, MaxEvidence)}
	if len(ps) > MaxEvidence {
		ev.Total = len(ps)
	}
	return Finding{Severity: sev, Conclusion: conclusion, Evidence: ev, Magnitude: float64(len(ps)), Next: next}
}
