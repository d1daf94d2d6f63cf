package ergomcp_test

import (
	"strings"
	"testing"
	"time"

	"ergo.services/ergo/gen"

	"github.com/ergomcp/ergomcp"
	"github.com/ergomcp/ergomcp/internal/mcptest"
)

// TestClusterProxy drives a small cluster from one MCP endpoint: an entry
// node with HTTP, an agent-mode node, a node whose policy denies a tool, one
// that refuses remote calls and one without ergomcp.
func TestClusterProxy(t *testing.T) {
	port := mcptest.FreePort(t)
	entry := startNetNode(t, "entry", ergomcp.Options{Port: port})
	agent := startNetNode(t, "agent", ergomcp.Options{})
	strict := startNetNode(t, "strict", ergomcp.Options{DenyTools: []string{"process_list"}})
	closed := startNetNode(t, "closed", ergomcp.Options{RefuseRemoteCalls: true})
	plain, err := startNetNodeWith(t, "plain", ergomcp.Options{}, func(no *gen.NodeOptions) { no.Applications = nil })
	if err != nil {
		t.Fatal(err)
	}
	s := mcptest.Connect(t, mcptest.URL(port), "")

	// The agent's own data comes back through the entry point.
	var ni struct{ Name string }
	mcptest.Call(t, s, "node_info", map[string]any{"node": string(agent.Name())}, &ni)
	if ni.Name != string(agent.Name()) {
		t.Fatalf("node_info node=agent answered for %q", ni.Name)
	}
	var list struct {
		Total     int
		Processes []struct{ PID, Name string }
	}
	mcptest.Call(t, s, "process_list", map[string]any{"node": string(agent.Name()), "name": "ergomcp_"}, &list)
	agentHash := agent.PID().String()[1:9]
	if list.Total < 3 {
		t.Fatalf("agent's ergomcp processes: %+v", list)
	}
	for _, p := range list.Processes {
		if !strings.HasPrefix(p.PID, "<"+agentHash+".") {
			t.Fatalf("process %s is not the agent's (hash %s)", p.PID, agentHash)
		}
	}
	// A PID of the agent given to the entry node names the node to use.
	msg := mcptest.ErrorText(t, mcptest.Call(t, s, "process_info", map[string]any{"pid": list.Processes[0].PID}, nil))
	if !strings.Contains(msg, string(agent.Name())) || !strings.Contains(msg, "node=") {
		t.Fatalf("agent PID on the entry node: %s", msg)
	}
	mcptest.Call(t, s, "process_info", map[string]any{"pid": list.Processes[0].PID, "node": string(agent.Name())}, &struct{}{})

	// An event registered on the agent is seen there, not on the entry node.
	eventDo(t, agent, gen.PID{}, "register", gen.Event{Name: "agent_only_event", Node: agent.Name()})
	var events struct{ Total int }
	mcptest.Call(t, s, "event_list", map[string]any{"node": string(agent.Name()), "name": "agent_only_event"}, &events)
	if events.Total != 1 {
		t.Fatalf("event_list node=agent: %+v", events)
	}
	mcptest.Call(t, s, "event_list", map[string]any{"name": "agent_only_event"}, &events)
	if events.Total != 0 {
		t.Fatalf("event_list on the entry node sees the agent's event: %+v", events)
	}

	var ping struct {
		Count               int
		MinMs, AvgMs, MaxMs float64
		RoundTripsMs        []float64
	}
	mcptest.Call(t, s, "network_ping", map[string]any{"name": string(agent.Name()), "count": 4}, &ping)
	if ping.Count != 4 || len(ping.RoundTripsMs) != 4 || ping.MinMs <= 0 || ping.MinMs > ping.AvgMs || ping.AvgMs > ping.MaxMs {
		t.Fatalf("ping: %+v", ping)
	}

	// The target's own policy applies although the entry node allows the tool.
	msg = mcptest.ErrorText(t, mcptest.Call(t, s, "process_list", map[string]any{"node": string(strict.Name())}, nil))
	if !strings.Contains(msg, "DenyTools") {
		t.Fatalf("tool denied on the target: %s", msg)
	}
	msg = mcptest.ErrorText(t, mcptest.Call(t, s, "node_info", map[string]any{"node": string(closed.Name())}, nil))
	if !strings.Contains(msg, "RefuseRemoteCalls") {
		t.Fatalf("node refusing remote calls: %s", msg)
	}
	msg = mcptest.ErrorText(t, mcptest.Call(t, s, "node_info", map[string]any{"node": string(plain.Name())}, nil))
	if !strings.Contains(msg, "does not run ergomcp") {
		t.Fatalf("node without ergomcp: %s", msg)
	}
	start := time.Now()
	msg = mcptest.ErrorText(t, mcptest.Call(t, s, "node_info", map[string]any{"node": "nobody@localhost", "timeout": 5}, nil))
	if !strings.Contains(msg, "nobody@localhost") || time.Since(start) > 6*time.Second {
		t.Fatalf("unknown node after %s: %s", time.Since(start), msg)
	}

	var cluster struct {
		Self  string
		Nodes []struct {
			Name, Ergomcp string
			Connected     bool
		}
	}
	mcptest.Call(t, s, "cluster_nodes", nil, &cluster)
	seen := map[string]string{}
	for _, n := range cluster.Nodes {
		seen[n.Name] = n.Ergomcp
	}
	want := map[gen.Atom]string{entry.Name(): "yes", agent.Name(): "yes", strict.Name(): "yes", plain.Name(): "no"}
	for name, ergomcp := range want {
		if seen[string(name)] != ergomcp {
			t.Errorf("cluster_nodes: %s runs ergomcp %q, want %q (all: %v)", name, seen[string(name)], ergomcp, seen)
		}
	}
	if cluster.Self != string(entry.Name()) {
		t.Errorf("self %q", cluster.Self)
	}
}

// TestClusterPeerGoneMidCall stops the agent while a proxied call runs on
// it: the caller gets a clear error within its deadline.
func TestClusterPeerGoneMidCall(t *testing.T) {
	port := mcptest.FreePort(t)
	startNetNode(t, "entry", ergomcp.Options{Port: port})
	agent := startNetNode(t, "agent", ergomcp.Options{})
	s := mcptest.Connect(t, mcptest.URL(port), "")
	mcptest.Call(t, s, "node_info", map[string]any{"node": string(agent.Name())}, &struct{}{})

	// Killed, not stopped: a graceful stop would let the call finish.
	time.AfterFunc(700*time.Millisecond, agent.StopForce)
	start := time.Now()
	res := mcptest.Call(t, s, "pprof_cpu", map[string]any{"node": string(agent.Name()), "duration": 4, "timeout": 8}, nil)
	msg := mcptest.ErrorText(t, res)
	if elapsed := time.Since(start); elapsed > 9*time.Second {
		t.Fatalf("answered after %s, past the 8 s deadline", elapsed)
	}
	if !strings.Contains(msg, string(agent.Name())) && !strings.Contains(msg, "timed out") {
		t.Fatalf("peer gone mid-call: %s", msg)
	}
	if !strings.Contains(msg, "did not answer") && !strings.Contains(msg, "cannot be reached") {
		t.Fatalf("peer gone mid-call, unclear error: %s", msg)
	}
}
