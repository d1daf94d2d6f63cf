package ergomcp_test

import (
	"context"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/ergomcp/ergomcp"
	"github.com/ergomcp/ergomcp/internal/mcptest"
)

// TestPrompts: an MCP client lists the playbooks and gets one filled with
// its arguments.
func TestPrompts(t *testing.T) {
	port := mcptest.FreePort(t)
	node, err := startNode(t, ergomcp.Options{Port: port})
	if err != nil {
		t.Fatal(err)
	}
	s := mcptest.Connect(t, mcptest.URL(port), "")
	ctx := context.Background()

	list, err := s.ListPrompts(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Prompts) != 9 {
		t.Fatalf("%d prompts", len(list.Prompts))
	}
	var leak *mcp.Prompt
	for _, p := range list.Prompts {
		if p.Name == "process_leak" {
			leak = p
		}
	}
	if leak == nil || leak.Description == "" || len(leak.Arguments) == 0 || leak.Arguments[0].Name != "node" {
		t.Fatalf("process_leak: %+v", leak)
	}

	pid := node.PID().String()
	got, err := s.GetPrompt(ctx, &mcp.GetPromptParams{Name: "process_leak", Arguments: map[string]string{"pid": pid}})
	if err != nil {
		t.Fatal(err)
	}
	text := got.Messages[0].Content.(*mcp.TextContent).Text
	if got.Messages[0].Role != "user" || !strings.Contains(text, `process_children {"limit":50,"parent":"`+pid+`"}`) ||
		!strings.Contains(text, `diagnose {"scenario":"leak"}`) {
		t.Fatalf("process_leak text:\n%s", text)
	}
	if _, err := s.GetPrompt(ctx, &mcp.GetPromptParams{Name: "process_leak", Arguments: map[string]string{"pdi": "x"}}); err == nil ||
		!strings.Contains(err.Error(), `no argument "pdi"`) {
		t.Fatalf("unknown argument: %v", err)
	}
	if _, err := s.GetPrompt(ctx, &mcp.GetPromptParams{Name: "no_such_prompt"}); err == nil {
		t.Fatal("unknown prompt must fail")
	}
}
