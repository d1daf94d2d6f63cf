package transport

import (
	"context"
	"net/http"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/ergomcp/ergomcp/internal/mcptest"
)

// deleteSession sends the DELETE a client sends when it closes its
// session, alone (the go-sdk client sends it only after its calls return).
func deleteSession(t *testing.T, hs *harness, id string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodDelete, hs.url(), nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Mcp-Session-Id", id)
	req.Header.Set("Mcp-Protocol-Version", "2025-06-18")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode >= 300 {
		t.Fatalf("DELETE: %s", resp.Status)
	}
}

// TestDeleteEndsEveryCallAfterOthersEnded: the calls a session still runs
// end at its DELETE also when other calls of that session finished before,
// one or several, so the session's record of running calls must outlive
// any one of them.
func TestDeleteEndsEveryCallAfterOthersEnded(t *testing.T) {
	for _, finished := range []int{1, 3} {
		hs := newHarness(t, nil)
		cs := hs.mustConnect(t, nil, nil)
		for range 2 {
			// Its own timeout bounds a call the DELETE failed to end.
			go cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "slow", Arguments: map[string]any{"timeout": 4}})
			mcptest.Receive(t, "slow call started", hs.inv.slowStarted)
		}
		for range finished {
			if got := mcptest.Run(t, cs, "echo", map[string]any{"text": "done"}); mcptest.Text(t, got) != "done" {
				t.Fatalf("echo: %q", mcptest.Text(t, got))
			}
		}
		deleteSession(t, hs, cs.ID())
		for i := range 2 {
			if err := mcptest.Receive(t, "a running call of the closed session ended", hs.inv.slowSaw); err != context.Canceled {
				t.Fatalf("after %d finished calls, running call %d saw %v", finished, i, err)
			}
		}
	}
}
