package ergomcp_test

import (
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/ergomcp/ergomcp"
	"github.com/ergomcp/ergomcp/internal/mcptest"
)

func TestAuditLog(t *testing.T) {
	port := mcptest.FreePort(t)
	startNetNode(t, "audentry", ergomcp.Options{Port: port})
	agent := startNetNode(t, "audagent", ergomcp.Options{})
	s := mcptest.Connect(t, mcptest.URL(port), "")

	const secret = "s3cr3t-arg-value-7f1c"
	mcptest.Call(t, s, "node_info", nil, &struct{}{})
	mcptest.ErrorText(t, mcptest.Call(t, s, "process_info", map[string]any{"name": secret}, nil))
	mcptest.ErrorText(t, mcptest.Call(t, s, "log_level_set", map[string]any{"target": "node", "level": "debug"}, nil))
	mcptest.Call(t, s, "node_info", map[string]any{"node": string(agent.Name())}, &struct{}{})

	type entry struct {
		Caller, Tool, Node, Outcome, Error, Duration string
	}
	var log struct {
		Total    int
		Returned int
		Calls    []entry
	}
	res := mcptest.Call(t, s, "audit_log", map[string]any{"limit": 4}, &log)
	if log.Total != 4 || log.Returned != 4 {
		t.Fatalf("audit envelope: %+v", log)
	}
	want := []entry{
		{Tool: "node_info", Outcome: "ok", Node: string(agent.Name())},
		{Tool: "log_level_set", Outcome: "refused"},
		{Tool: "process_info", Outcome: "error"},
		{Tool: "node_info", Outcome: "ok"},
	}
	for i, w := range want {
		got := log.Calls[i]
		if got.Tool != w.Tool || got.Outcome != w.Outcome || got.Node != w.Node || got.Caller != "anonymous" || got.Duration == "" {
			t.Errorf("call %d: %+v, want %+v", i, got, w)
		}
	}
	if text := res.Content[0].(*mcp.TextContent).Text; strings.Contains(text, secret) {
		t.Fatalf("an argument value reached the audit log: %s", text)
	}

	// The agent audited the proxied call as coming through the entry node.
	var remote struct{ Calls []entry }
	mcptest.Call(t, s, "audit_log", map[string]any{"node": string(agent.Name()), "limit": 2}, &remote)
	if len(remote.Calls) < 1 || remote.Calls[0].Tool != "node_info" || !strings.HasPrefix(remote.Calls[0].Caller, "anonymous via audentry") {
		t.Fatalf("agent's audit: %+v", remote)
	}
	if msg := mcptest.ErrorText(t, mcptest.Call(t, s, "audit_log", map[string]any{"limit": 5000}, nil)); !strings.Contains(msg, "between 1 and 1000") {
		t.Fatalf("limit ceiling: %s", msg)
	}
}
