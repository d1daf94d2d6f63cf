package diagnose

import (
	"strings"
	"testing"
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
