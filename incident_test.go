package ergomcp_test

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"ergo.services/ergo/gen"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/ergomcp/ergomcp"
	"github.com/ergomcp/ergomcp/internal/mcptest"
	"github.com/ergomcp/ergomcp/internal/testnode"
)

// The cluster during an incident: peers killed, stopped and restarted in
// processes of their own, seen from the entry node the MCP client talks to.

// incidentEntry starts the entry node (first, so that it serves this
// binary's registrar to the children) and a session on it.
func incidentEntry(t *testing.T, prefix string, opts ergomcp.Options) (gen.Node, *mcp.ClientSession) {
	t.Helper()
	opts.Port = mcptest.FreePort(t)
	entry := startNetNode(t, prefix, opts)
	return entry, mcptest.Connect(t, mcptest.URL(opts.Port), "")
}

// waitConnected waits until entry is connected to name.
func waitConnected(t *testing.T, entry gen.Node, name string) {
	t.Helper()
	mcptest.WaitFor(t, func() bool { _, err := entry.Network().Node(gen.Atom(name)); return err == nil })
}

// eventually polls tool until accept likes its text, for what the peer
// watch learns within seconds.
func eventually(t *testing.T, s *mcp.ClientSession, tool string, args map[string]any, accept func(text string) bool) string {
	t.Helper()
	var text string
	for end := time.Now().Add(20 * time.Second); time.Now().Before(end); time.Sleep(250 * time.Millisecond) {
		if text, _ = mcptest.CallText(t, s, tool, args); accept(text) {
			return text
		}
	}
	t.Fatalf("%s(%v) never gave the expected answer; last:\n%s", tool, args, text)
	return ""
}

var withinRe = regexp.MustCompile(`did not answer within ([0-9.]+m?s)`)

// TestHungPeerLeavesLocalCallsAlone: eight calls wait on a stopped peer
// (more than the entry's two workers); local calls still answer at once,
// each waiting call gives up at its own deadline to the millisecond and
// says so truthfully, network_nodes shows the peer as not healthy, and
// the peer answers again as soon as it resumes.
func TestHungPeerLeavesLocalCallsAlone(t *testing.T) {
	entry, s := incidentEntry(t, "hungentry", ergomcp.Options{PoolSize: 2})
	hung := startChild(t, "hungpeer", entry)
	waitConnected(t, entry, hung.name)
	hung.hang()
	defer hung.cont()

	type waited struct {
		text    string
		isError bool
		took    time.Duration
	}
	results := make([]waited, 8)
	var wg sync.WaitGroup
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			start := time.Now()
			text, isErr := mcptest.CallText(t, s, "node_info", map[string]any{"node": hung.name, "timeout": 3})
			results[i] = waited{text, isErr, time.Since(start)}
		}()
	}
	// Two fan-outs at once wait on the hung peer too.
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var all incidentFanOut
			text, _ := mcptest.CallText(t, s, "runtime_stats", map[string]any{"node": "*", "timeout": 3})
			if err := json.Unmarshal([]byte(text), &all); err != nil || all.OK != 1 || all.Timeouts != 1 {
				t.Errorf("node=* with a hung peer: %s", text)
			}
		}()
	}
	time.Sleep(500 * time.Millisecond) // let the eight reach their hop
	for i := range 3 {
		if text, isErr := mcptest.CallText(t, s, "node_info", map[string]any{"timeout": 2}); isErr {
			t.Fatalf("local call %d while 8 calls wait on a hung peer: %s", i, text)
		}
	}
	wg.Wait()
	for i, r := range results {
		if !r.isError || !strings.Contains(r.text, hung.name) {
			t.Fatalf("call %d on the hung peer: %s", i, r.text)
		}
	}

	nodes := eventually(t, s, "network_nodes", map[string]any{"name": hung.name}, func(text string) bool {
		return strings.Contains(text, `"Healthy":false`)
	})
	if !strings.Contains(nodes, "not answering pings") {
		t.Errorf("network_nodes must say why the peer is not healthy: %s", nodes)
	}

	hung.cont()
	eventually(t, s, "node_info", map[string]any{"node": hung.name, "timeout": 5}, func(text string) bool {
		return strings.Contains(text, hung.name) && !strings.Contains(text, "did not answer")
	})
}

// TestHungPeerDeadlineIsTruthful: a call on a stopped peer waits for its
// own deadline, not the whole seconds below it, and says how long it
// really waited.
func TestHungPeerDeadlineIsTruthful(t *testing.T) {
	// This test prints its answers, so internal/testrun cannot excuse a
	// race inside ergo in it: no history, whose periodic table reads make
	// such reports likelier.
	entry, s := incidentEntry(t, "dlentry", ergomcp.Options{DisableHistory: true})
	hung := startChild(t, "dlpeer", entry)
	waitConnected(t, entry, hung.name)
	hung.hang()
	defer hung.cont()
	for _, timeout := range []int{2, 3} {
		start := time.Now()
		text, isErr := mcptest.CallText(t, s, "node_info", map[string]any{"node": hung.name, "timeout": timeout})
		took := time.Since(start)
		m := withinRe.FindStringSubmatch(text)
		if !isErr || m == nil || !strings.Contains(text, hung.name) {
			t.Fatalf("timeout=%d on the hung peer: %s", timeout, text)
		}
		said, _ := time.ParseDuration(m[1])
		// Ergo waits in whole seconds; the answer must come when the
		// call's deadline says, and say how long it really waited.
		if limit := time.Duration(timeout) * time.Second; said < limit*8/10 || took < said {
			t.Errorf("timeout=%d: said it waited %s, took %s: %s", timeout, said, took, text)
		}
	}
}

type incidentFanOut struct {
	Nodes, OK, Errors, Timeouts, Gone int
	Note                              string
	Results                           []struct {
		Node, Status, Error string
		GoneSince           string `json:"gone_since"`
	}
}

// TestIncidentThreePeers: one peer killed, one stopped, one restarted
// again and again, one healthy. node="*" accounts for every one with its
// status, diagnose scenario=network names each of the three with its
// condition and leaves the healthy one alone, and local calls are fine.
func TestIncidentThreePeers(t *testing.T) {
	// This test prints its answers, so internal/testrun cannot excuse a
	// race inside ergo in it: no history, whose periodic table reads make
	// such reports likelier.
	entry, s := incidentEntry(t, "incentry", ergomcp.Options{DisableHistory: true})
	dead := startChild(t, "incdead", entry)
	hung := startChild(t, "inchung", entry)
	flap := startChild(t, "incflap", entry)
	fine := startChild(t, "incfine", entry)
	for _, c := range []*child{dead, hung, flap, fine} {
		waitConnected(t, entry, c.name)
	}
	time.Sleep(1500 * time.Millisecond) // the watch has seen them all
	dead.kill()                         // before any fan-out
	hung.hang()
	defer hung.cont()
	for range 3 {
		time.Sleep(1500 * time.Millisecond)
		flap.restart()
	}
	waitConnected(t, entry, flap.name)
	time.Sleep(3 * time.Second) // pings to the stopped peer go unanswered

	text, isErr := mcptest.CallText(t, s, "runtime_stats", map[string]any{"node": "*", "timeout": 8})
	figure(t, "node=\"*\": %s", text)
	var all incidentFanOut
	if err := json.Unmarshal([]byte(text), &all); isErr || err != nil {
		t.Fatalf("node=*: %v %s", err, text)
	}
	status := map[string]string{}
	for _, r := range all.Results {
		status[r.Node] = r.Status
		if r.Node == dead.name && (r.GoneSince == "" || !strings.Contains(r.Error, "gone since")) {
			t.Errorf("the dead peer must be gone since a time: %+v", r)
		}
	}
	want := map[string]string{string(entry.Name()): "ok", dead.name: "gone", hung.name: "timeout", flap.name: "ok", fine.name: "ok"}
	for n, w := range want {
		if status[n] != w {
			t.Errorf("%s: status %q, want %q", n, status[n], w)
		}
	}
	if all.Nodes != 5 || all.OK != 3 || all.Gone != 1 || all.Timeouts != 1 {
		t.Errorf("counts: %+v", all)
	}
	if !strings.Contains(all.Note, "never seen connected") {
		t.Errorf("the note must say that nodes never seen cannot be listed: %q", all.Note)
	}

	text, isErr = mcptest.CallText(t, s, "diagnose", map[string]any{"scenario": "network", "timeout": 10})
	figure(t, "diagnose scenario=network: %s", text)
	var rep struct {
		Findings []struct {
			Rule, Severity, Conclusion string
			Evidence                   struct{ Peers []struct{ Name string } }
		}
	}
	if err := json.Unmarshal([]byte(text), &rep); isErr || err != nil {
		t.Fatalf("diagnose: %v %s", err, text)
	}
	named := map[string]string{}
	for _, f := range rep.Findings {
		for _, p := range f.Evidence.Peers {
			named[p.Name] += f.Rule + " "
		}
	}
	for n, rule := range map[string]string{dead.name: "peer_not_connected", hung.name: "peer_hung", flap.name: "peer_flapping"} {
		if !strings.Contains(named[n], rule) {
			t.Errorf("%s: named by %q, want %s", n, named[n], rule)
		}
	}
	if named[fine.name] != "" {
		t.Errorf("the healthy peer was named: %s", named[fine.name])
	}
	if text, isErr := mcptest.CallText(t, s, "node_info", map[string]any{"timeout": 2}); isErr {
		t.Errorf("local call: %s", text)
	}
	// network_nodes keeps what ergo forgets: reconnects, last disconnect.
	var peers struct {
		Nodes []struct {
			Node string
			Seen struct {
				Healthy                 bool
				Reconnects, Disconnects int
				LastDisconnect          string
			}
		}
	}
	mcptest.Call(t, s, "network_nodes", map[string]any{"name": flap.name}, &peers)
	if len(peers.Nodes) != 1 || peers.Nodes[0].Seen.Reconnects < 2 || peers.Nodes[0].Seen.LastDisconnect == "" || !peers.Nodes[0].Seen.Healthy {
		t.Errorf("network_nodes for the flapping peer: %+v", peers)
	}
	mcptest.Call(t, s, "network_nodes", map[string]any{"name": fine.name}, &peers)
	if len(peers.Nodes) != 1 || peers.Nodes[0].Seen.Reconnects != 0 || !peers.Nodes[0].Seen.Healthy {
		t.Errorf("network_nodes for the healthy peer: %+v", peers)
	}
}

// TestPeerErrorsSayWhatWasSeen: a dead node, a name that never existed
// and a short name each get an answer that says what ergomcp knows.
func TestPeerErrorsSayWhatWasSeen(t *testing.T) {
	entry, s := incidentEntry(t, "errentry", ergomcp.Options{})
	dead := startChild(t, "errdead", entry)
	waitConnected(t, entry, dead.name)
	time.Sleep(1500 * time.Millisecond)
	dead.kill()
	peer := startNetNode(t, "errshort", ergomcp.Options{})
	if _, err := entry.Network().GetNode(peer.Name()); err != nil {
		t.Fatal(err)
	}

	text, _ := mcptest.CallText(t, s, "node_info", map[string]any{"node": dead.name, "timeout": 10})
	for _, want := range []string{dead.name, "cannot be reached", "gone since"} {
		if !strings.Contains(text, want) {
			t.Errorf("dead node: %q lacks %q", text, want)
		}
	}
	never := string(testnode.Name("never"))
	text, _ = mcptest.CallText(t, s, "node_info", map[string]any{"node": never, "timeout": 10})
	for _, want := range []string{never, "cannot be reached", "has not seen it connected", "known nodes", string(peer.Name())} {
		if !strings.Contains(text, want) {
			t.Errorf("unknown node: %q lacks %q", text, want)
		}
	}
	short, _, _ := strings.Cut(string(peer.Name()), "@")
	var info struct{ Name string }
	mcptest.Call(t, s, "node_info", map[string]any{"node": short}, &info)
	if info.Name != string(peer.Name()) {
		t.Errorf("short name %s ran on %q", short, info.Name)
	}
	text, _ = mcptest.CallText(t, s, "node_info", map[string]any{"node": "errshort"})
	if !strings.Contains(text, string(peer.Name())) {
		t.Errorf("a prefix must suggest the node: %s", text)
	}
}

// TestRefusalSaysWhosePolicy: the target's refusal names the target and
// its audit log records it as refused; the entry's names the entry.
func TestRefusalSaysWhosePolicy(t *testing.T) {
	entry, s := incidentEntry(t, "polentry", ergomcp.Options{EnableActions: true})
	target := startNetNode(t, "poltarget", ergomcp.Options{})
	if _, err := entry.Network().GetNode(target.Name()); err != nil {
		t.Fatal(err)
	}
	text, isErr := mcptest.CallText(t, s, "log_level_set", map[string]any{"node": string(target.Name()), "target": "node", "level": "info"})
	if !isErr || !strings.Contains(text, "target node "+string(target.Name())) || !strings.Contains(text, "on node "+string(target.Name())) {
		t.Errorf("target's refusal: %s", text)
	}
	var audit struct {
		Calls []struct{ Tool, Outcome, Error string }
	}
	mcptest.Call(t, s, "audit_log", map[string]any{"node": string(target.Name())}, &audit)
	var outcome string
	for _, r := range audit.Calls {
		if r.Tool == "log_level_set" {
			outcome = r.Outcome
		}
	}
	if outcome != "refused" {
		t.Errorf("target's audit: %+v", audit)
	}

	_, s2 := incidentEntry(t, "polentry2", ergomcp.Options{})
	text, isErr = mcptest.CallText(t, s2, "log_level_set", map[string]any{"node": string(target.Name()), "target": "node", "level": "info"})
	if !isErr || !strings.Contains(text, "the entry node") {
		t.Errorf("entry's refusal: %s", text)
	}
}

// TestFanOutPlansRounds: with a pool of two, four nodes each running a
// 1.5 s window all answer within 5 s (remote hops need no worker), and a
// window the deadline cannot hold is refused up front.
func TestFanOutPlansRounds(t *testing.T) {
	entry, s := incidentEntry(t, "planentry", ergomcp.Options{PoolSize: 2})
	for range 3 {
		p := startNetNode(t, "planpeer", ergomcp.Options{})
		if _, err := entry.Network().GetNode(p.Name()); err != nil {
			t.Fatal(err)
		}
	}
	var all incidentFanOut
	mcptest.Call(t, s, "process_top", map[string]any{"node": "*", "window_ms": 1500, "limit": 1, "timeout": 5}, &all)
	if all.Nodes != 4 || all.OK != 4 {
		t.Errorf("healthy nodes blamed: %+v", all)
	}
	text, isErr := mcptest.CallText(t, s, "process_top", map[string]any{"node": "*", "window_ms": 6000, "timeout": 5})
	if !isErr || !strings.Contains(text, "refused up front") {
		t.Errorf("a window longer than the deadline: %s", text)
	}
}

// TestAuditAndHintsKeepNodeNames: the audit log keeps node names in error
// texts, and the hint for another node's PID is a usable argument.
func TestAuditAndHintsKeepNodeNames(t *testing.T) {
	entry, s := incidentEntry(t, "audentry", ergomcp.Options{})
	peer := startNetNode(t, "audpeer", ergomcp.Options{})
	if _, err := entry.Network().GetNode(peer.Name()); err != nil {
		t.Fatal(err)
	}
	never := string(testnode.Name("nosuch"))
	mcptest.CallText(t, s, "node_info", map[string]any{"node": never, "timeout": 5})
	var audit struct {
		Calls []struct{ Tool, Node, Error string }
	}
	mcptest.Call(t, s, "audit_log", map[string]any{"limit": 5}, &audit)
	found := false
	for _, r := range audit.Calls {
		if r.Tool == "node_info" && r.Node == never {
			found = true
			if !strings.Contains(r.Error, never) || strings.Contains(r.Error, "redacted") {
				t.Errorf("audit error text: %q", r.Error)
			}
		}
	}
	if !found {
		t.Errorf("no audit record for the call: %+v", audit)
	}
	text, _ := mcptest.CallText(t, s, "process_info", map[string]any{"pid": peer.PID().String()})
	if want := fmt.Sprintf("pass node=%q", string(peer.Name())); !strings.Contains(text, want) {
		t.Errorf("hint %q lacks %s", text, want)
	}
}
