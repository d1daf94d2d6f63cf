package tools_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"ergo.services/ergo/gen"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/ergomcp/ergomcp"
	"github.com/ergomcp/ergomcp/internal/mcptest"
	"github.com/ergomcp/ergomcp/internal/testnode"
	"github.com/ergomcp/ergomcp/tools"
)

// workers lists the dispatcher workers running on node.
func workers(node gen.Node) []gen.PID {
	page, _ := node.ProcessListShortInfo(1000, 100000)
	var out []gen.PID
	for _, p := range page {
		if strings.HasSuffix(p.Behavior, ".worker") && p.Application == ergomcp.AppName {
			out = append(out, p.PID)
		}
	}
	return out
}

// TestToolPanic runs a tool that panics (registered by export_test.go)
// through the whole app while other calls run: the panicking call is an
// isError result, its worker is replaced by a fresh one, and the node, the
// application and every other call carry on.
func TestToolPanic(t *testing.T) {
	port := mcptest.FreePort(t)
	node := testnode.MustStart(t, "panic", []gen.ApplicationBehavior{ergomcp.CreateApp(ergomcp.Options{Port: port, PoolSize: 2})})
	connect := func() *mcp.ClientSession { return mcptest.Connect(t, mcptest.URL(port), "") }
	callTool := func(s *mcp.ClientSession, name string) (*mcp.CallToolResult, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return s.CallTool(ctx, &mcp.CallToolParams{Name: name})
	}
	before := workers(node)
	if len(before) != 2 {
		t.Fatalf("workers at start: %v", before)
	}

	s := connect()
	res, err := callTool(s, tools.TestPanicTool)
	if err != nil || !res.IsError || !strings.Contains(res.Content[0].(*mcp.TextContent).Text, "panicked") {
		t.Fatalf("panicking tool: %v %+v", err, res)
	}
	mcptest.Eventually(t, mcptest.Wait, fmt.Sprintf("one of the workers %v replaced after the panic", before), func() bool {
		after := workers(node)
		fresh := slices.DeleteFunc(slices.Clone(after), func(p gen.PID) bool { return slices.Contains(before, p) })
		return len(after) == 2 && len(fresh) == 1
	})

	// Panics and ordinary calls at once, from several sessions.
	var wg sync.WaitGroup
	for i := range 4 {
		s := connect()
		wg.Go(func() {
			for range 10 {
				name := "runtime_stats"
				if i == 0 {
					name = tools.TestPanicTool
				}
				res, err := callTool(s, name)
				if err != nil || res.IsError != (name == tools.TestPanicTool) {
					t.Errorf("%s beside panics: %v %+v", name, err, res)
				}
			}
		})
	}
	wg.Wait()
	mcptest.Eventually(t, mcptest.Wait, "two workers after 10 more panics", func() bool { return len(workers(node)) == 2 })
	if info, err := node.ApplicationInfo(ergomcp.AppName); err != nil || info.State != gen.ApplicationStateRunning {
		t.Fatalf("application after panics: %+v %v", info, err)
	}
	if res, err := callTool(s, "runtime_stats"); err != nil || res.IsError {
		t.Fatalf("runtime_stats after panics: %v %+v", err, res)
	}
}
