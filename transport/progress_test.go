package transport

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/ergomcp/ergomcp/internal/mcptest"
)

// TestProgressDeliveredLogsNothing: notifications that reach the client
// leave no "not sent" line in the node's log, even at debug level, where a
// node's operator would look for the ones that failed.
func TestProgressDeliveredLogsNothing(t *testing.T) {
	var logs logBuffer
	hs := newHarness(t, func(c *Config) {
		c.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	got := make(chan *mcp.ProgressNotificationParams, 10)
	cs := hs.mustConnect(t, nil, &mcp.ClientOptions{
		ProgressNotificationHandler: func(_ context.Context, req *mcp.ProgressNotificationClientRequest) { got <- req.Params },
	})
	params := &mcp.CallToolParams{Name: "progress"}
	params.SetProgressToken("tok-quiet")
	if _, err := cs.CallTool(context.Background(), params); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		mcptest.Receive(t, "progress notification", got)
	}
	if s := logs.String(); strings.Contains(s, "progress notification not sent") {
		t.Fatalf("delivered notifications logged as not sent:\n%s", s)
	}
}
