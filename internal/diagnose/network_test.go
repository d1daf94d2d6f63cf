package diagnose

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func init() {
	cases = append(cases, struct {
		rule, culprit string
		sev           Severity
		breakIt       func(f *Facts)
	}{"peer_hung", "h@h", High, func(f *Facts) {
		f.Peers = append(f.Peers, Peer{Name: "h@h", Connected: true, ConnectedBefore: true, Seen: true, Hung: true, UnansweredPings: 3})
	}})
}

// TestNetworkRulesUseWhatErgomcpSaw: a dead peer seen before, a hung one
// and one restarted between looks are each named with their condition;
// a healthy peer seen just as long stays quiet.
func TestNetworkRulesUseWhatErgomcpSaw(t *testing.T) {
	f := healthy()
	f.Peers = []Peer{
		{Name: "dead@h", Seen: true, ConnectedBefore: false, GoneSince: "2026-12-01T21:00:00Z", Disconnects: 1},
		{Name: "hung@h", Seen: true, Connected: true, ConnectedBefore: true, Hung: true, UnansweredPings: 2, Uptime: 20, ConnectionUptime: 20, ConnectionUptimeBefore: 19},
		// Restarted every few seconds: never 60 s older than its connection.
		{Name: "flap@h", Seen: true, Connected: true, ConnectedBefore: true, Reconnects: 4, Uptime: 3, ConnectionUptime: 3, ConnectionUptimeBefore: 2},
		{Name: "fine@h", Seen: true, Connected: true, ConnectedBefore: true, Uptime: 40, ConnectionUptime: 40, ConnectionUptimeBefore: 39},
	}
	rep, err := Run(f, "network")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, fd := range rep.Findings {
		for _, p := range fd.Evidence.Peers {
			got[p.Name] += fd.Rule + ":" + fd.Severity.String() + " "
		}
	}
	want := map[string]string{"dead@h": "peer_not_connected:high", "hung@h": "peer_hung:high", "flap@h": "peer_flapping:medium"}
	for n, w := range want {
		if strings.TrimSpace(got[n]) != w {
			t.Errorf("%s: %q, want %q", n, got[n], w)
		}
	}
	if got["fine@h"] != "" {
		t.Errorf("the healthy peer was named: %s", got["fine@h"])
	}
	// Five reconnects is high; one reconnect in the window is high too.
	f.Peers = []Peer{{Name: "flap@h", Seen: true, Connected: true, ConnectedBefore: true, Reconnects: FlapHighReconnects, Uptime: 1, ConnectionUptime: 1}}
	if rep, _ := Run(f, "network"); len(rep.Findings) != 1 || rep.Findings[0].Severity != High {
		t.Errorf("five reconnects: %+v", rep.Findings)
	}
}

// TestNetworkRulesBounds: every network rule lists at most MaxEvidence
// peers and counts the rest, first peer first.
func TestNetworkRulesBounds(t *testing.T) {
	shapes := map[string]func(i int) Peer{
		"peer_not_connected": func(i int) Peer { return Peer{Name: fmt.Sprint("gone", i, "@h"), Seen: true} },
		"peer_hung":          func(i int) Peer { return Peer{Name: fmt.Sprint("hung", i, "@h"), Connected: true, Hung: true} },
		"peer_flapping":      func(i int) Peer { return Peer{Name: fmt.Sprint("flap", i, "@h"), ConnectedBefore: true} },
	}
	for rule, peer := range shapes {
		for _, n := range []int{MaxEvidence, MaxEvidence + 1} {
			f := facts(time.Second)
			for i := range n {
				f.Peers = append(f.Peers, peer(i))
			}
			fs := only(t, f, rule)
			if len(fs) != 1 {
				t.Fatalf("%s: %+v", rule, fs)
			}
			want := 0
			if n > MaxEvidence {
				want = n
			}
			ev := fs[0].Evidence
			if ev.Total != want || len(ev.Peers) != MaxEvidence || ev.Peers[0].Name != peer(0).Name || fs[0].Magnitude != float64(n) {
				t.Errorf("%s, %d peers: total %d, %d listed, first %s, magnitude %g", rule, n, ev.Total, len(ev.Peers), ev.Peers[0].Name, fs[0].Magnitude)
			}
		}
	}
}

func TestPeerNotConnected(t *testing.T) {
	f := facts(time.Second)
	f.Peers = []Peer{
		{Name: "up@h", Connected: true, Seen: true, Known: true},
		{Name: "known@h", Known: true},
		{Name: "gone@h", Seen: true, GoneSince: "2026-12-01T21:00:00Z"},
		{Name: "stranger@h"},
	}
	fs := only(t, f, "peer_not_connected")
	if len(fs) != 2 {
		t.Fatalf("%+v", fs)
	}
	if fs[0].Severity != High || fs[0].Conclusion != "1 node(s) seen connected before are not connected, first gone@h (gone since 2026-12-01T21:00:00Z)" {
		t.Errorf("gone: %v %q", fs[0].Severity, fs[0].Conclusion)
	}
	if fs[1].Severity != Medium || fs[1].Conclusion != "1 known node(s) are not connected, first known@h" || fs[1].Next[0].Args["name"] != "known@h" {
		t.Errorf("known: %v %q", fs[1].Severity, fs[1].Conclusion)
	}
}

func TestPeerFlappingKinds(t *testing.T) {
	for _, c := range []struct {
		name string
		p    Peer
		want Severity
	}{
		{"went down in the window", Peer{ConnectedBefore: true}, High},
		{"came up in the window", Peer{Connected: true, Uptime: 500, ConnectionUptime: 100}, none},
		{"re-established between the passes", Peer{Connected: true, ConnectedBefore: true, Uptime: 500, ConnectionUptime: 1, ConnectionUptimeBefore: 400}, High},
		{"reconnects counted in the window", Peer{Connected: true, ConnectedBefore: true, ReconnectsInWindow: 1, Uptime: 500, ConnectionUptime: 400, ConnectionUptimeBefore: 399}, High},
		{"reconnected twice since watching", Peer{Connected: true, ConnectedBefore: true, Reconnects: FlapMinReconnects, Uptime: 500, ConnectionUptime: 400, ConnectionUptimeBefore: 399}, Medium},
		{"reconnected once", Peer{Connected: true, ConnectedBefore: true, Reconnects: FlapMinReconnects - 1, Uptime: 500, ConnectionUptime: 400, ConnectionUptimeBefore: 399}, none},
		{"high from five", Peer{Connected: true, ConnectedBefore: true, Reconnects: FlapHighReconnects, Uptime: 500, ConnectionUptime: 400, ConnectionUptimeBefore: 399}, High},
		{"four", Peer{Connected: true, ConnectedBefore: true, Reconnects: FlapHighReconnects - 1, Uptime: 500, ConnectionUptime: 400, ConnectionUptimeBefore: 399}, Medium},
		{"young connection to an old peer", Peer{Connected: true, ConnectedBefore: true, Uptime: 89, ConnectionUptime: 29, ConnectionUptimeBefore: 28}, Medium},
		{"connection at the age bound", Peer{Connected: true, ConnectedBefore: true, Uptime: 90, ConnectionUptime: 30, ConnectionUptimeBefore: 29}, none},
		{"peer just short of the gap", Peer{Connected: true, ConnectedBefore: true, Uptime: 88, ConnectionUptime: 29, ConnectionUptimeBefore: 28}, none},
		{"young but not connected", Peer{Uptime: 500, ConnectionUptime: 1}, none},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := facts(time.Second)
			c.p.Name = "p@h"
			f.Peers = []Peer{c.p}
			fs := only(t, f, "peer_flapping")
			if got := sevOf(t, fs); got != c.want {
				t.Fatalf("severity %v, want %v: %+v", got, c.want, fs)
			}
			if c.want != none && (fs[0].Evidence.Peers[0].Name != "p@h" || fs[0].Next[0].Args["name"] != "p@h") {
				t.Errorf("%+v", fs[0])
			}
		})
	}
}
