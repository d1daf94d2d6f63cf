package ergomcp_test

import (
	"encoding/json"
	"strings"
	"testing"

	"ergo.services/ergo/gen"

	"github.com/ergomcp/ergomcp"
	"github.com/ergomcp/ergomcp/internal/mcptest"
	"github.com/ergomcp/ergomcp/internal/testnode"
)

type fanOutResult struct {
	Tool                              string
	Nodes, OK, Errors, Timeouts, Gone int
	Results                           []struct {
		Node, Status, Error string
		Result              json.RawMessage
	}
}

func (f *fanOutResult) byNode() map[string]string {
	m := map[string]string{}
	for _, r := range f.Results {
		m[r.Node] = r.Status
	}
	return m
}

// TestFanOut asks three nodes at once, then again after one of them
// stopped: the answer names it with an error instead of leaving it out.
func TestFanOut(t *testing.T) {
	port := mcptest.FreePort(t)
	entry := startNetNode(t, "fanentry", ergomcp.Options{Port: port})
	one := startNetNode(t, "fanone", ergomcp.Options{})
	two := startNetNode(t, "fantwo", ergomcp.Options{})
	for _, n := range []gen.Atom{one.Name(), two.Name()} {
		if _, err := entry.Network().GetNode(n); err != nil {
			t.Fatalf("connect %s: %v", n, err)
		}
	}
	s := mcptest.Connect(t, mcptest.URL(port), "")

	var all fanOutResult
	mcptest.Call(t, s, "process_list", map[string]any{"node": "*", "name": "ergomcp_dispatcher"}, &all)
	if all.Nodes != 3 || all.OK != 3 || all.Tool != "process_list" || all.Results[0].Node != string(entry.Name()) {
		t.Fatalf("three nodes: %+v", all)
	}
	for _, r := range all.Results {
		var list struct {
			Total     int
			Processes []struct{ PID string }
		}
		if err := json.Unmarshal(r.Result, &list); err != nil || list.Total != 1 {
			t.Fatalf("%s: %s (%v)", r.Node, r.Result, err)
		}
	}

	testnode.Stop(t, two)
	var partial fanOutResult
	mcptest.Call(t, s, "runtime_stats", map[string]any{"node": "*", "timeout": 10}, &partial)
	status := partial.byNode()
	if partial.Nodes != 3 || partial.OK != 2 || partial.Errors+partial.Timeouts+partial.Gone != 1 ||
		status[string(entry.Name())] != "ok" || status[string(one.Name())] != "ok" || status[string(two.Name())] == "ok" {
		t.Fatalf("one node stopped: %+v", partial)
	}
	for _, r := range partial.Results {
		if r.Node == string(two.Name()) && !strings.Contains(r.Error, string(two.Name())) {
			t.Errorf("the error must name the node: %q", r.Error)
		}
	}

	// Tools that make no sense side by side refuse "*".
	msg := mcptest.ErrorText(t, mcptest.Call(t, s, "process_info", map[string]any{"node": "*", "pid": entry.PID().String()}, nil))
	if !strings.Contains(msg, `does not accept node="*"`) || !strings.Contains(msg, "process_top") {
		t.Fatalf("process_info node=*: %s", msg)
	}
	// A sampler is refused at its start, not on every tick.
	msg = mcptest.ErrorText(t, mcptest.Call(t, s, "sample_start", map[string]any{"tool": "node_info", "arguments": map[string]any{"node": "*"}}, nil))
	if !strings.Contains(msg, "a sampler samples one node") {
		t.Fatalf("sample_start of node=*: %s", msg)
	}
}
