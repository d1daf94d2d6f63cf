package transport

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/ergomcp/ergomcp/internal/mcptest"
)

// lockedBuffer is a log sink the handler's goroutines may write to while
// the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestProgressDeliveredLogsNothing: notifications that reach the client
// leave no "not sent" line in the node's log, even at debug level, where a
// node's operator would look for the ones that failed.
func TestProgressDeliveredLogsNothing(t *testing.T) {
	var logs lockedBuffer
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
