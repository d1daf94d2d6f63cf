package transport

import (
	"context"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/ergomcp/ergomcp/internal/mcptest"
)

// TestSessionCloseEndsItsCalls: a client that closes its session while a
// call runs (HTTP DELETE) ends that call at once; other sessions' calls go
// on.
func TestSessionCloseEndsItsCalls(t *testing.T) {
	hs := newHarness(t, nil)
	leaving := hs.mustConnect(t, nil, nil)
	staying := hs.mustConnect(t, nil, nil)

	go leaving.CallTool(context.Background(), &mcp.CallToolParams{Name: "slow", Arguments: map[string]any{}})
	mcptest.Receive(t, "slow call started", hs.inv.slowStarted)
	otherCtx, cancelOther := context.WithCancel(context.Background())
	defer cancelOther()
	go staying.CallTool(otherCtx, &mcp.CallToolParams{Name: "slow", Arguments: map[string]any{}})
	mcptest.Receive(t, "second slow call started", hs.inv.slowStarted)

	start := time.Now()
	deleteSession(t, hs, leaving.ID())
	if err := mcptest.Receive(t, "the leaving session's call ended", hs.inv.slowSaw); err != context.Canceled {
		t.Fatalf("the call saw %v", err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("closing the session took %s: its call held it", took)
	}
	select {
	case err := <-hs.inv.slowSaw:
		t.Fatalf("the other session's call ended too: %v", err)
	case <-time.After(100 * time.Millisecond):
	}
	if got := mcptest.Run(t, staying, "echo", map[string]any{"text": "still here"}); mcptest.Text(t, got) != "still here" {
		t.Fatal("the other session stopped working")
	}
	cancelOther()
	mcptest.Receive(t, "the other call ended on its own cancel", hs.inv.slowSaw)
}
