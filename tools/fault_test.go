package tools_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"ergo.services/ergo"
	"ergo.services/ergo/gen"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/ergomcp/ergomcp"
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
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := uint16(l.Addr().(*net.TCPAddr).Port)
	l.Close()
	var no gen.NodeOptions
	no.Network.Mode = gen.NetworkModeDisabled
	no.Log.DefaultLogger.Disable = true
	no.Applications = []gen.ApplicationBehavior{ergomcp.CreateApp(ergomcp.Options{Port: port, PoolSize: 2})}
	node, err := ergo.StartNode(gen.Atom(fmt.Sprintf("panic%d@localhost", os.Getpid())), no)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		// As the root tests' stopNode: end the application's members
		// first, which avoids a race inside ergo 3.1's Node.Stop.
		info, _ := node.ApplicationInfo(ergomcp.AppName)
		for _, pid := range info.Group {
			node.SendExit(pid, gen.TerminateReasonShutdown)
		}
		for deadline := time.Now().Add(5 * time.Second); slices.Contains(node.ApplicationsRunning(), ergomcp.AppName) && time.Now().Before(deadline); {
			time.Sleep(10 * time.Millisecond)
		}
		node.Stop()
	}()
	connect := func() *mcp.ClientSession {
		client := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "1"}, nil)
		s, err := client.Connect(context.Background(), &mcp.StreamableClientTransport{Endpoint: fmt.Sprintf("http://localhost:%d/mcp", port)}, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
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
	var after []gen.PID
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		after = workers(node)
		fresh := slices.DeleteFunc(slices.Clone(after), func(p gen.PID) bool { return slices.Contains(before, p) })
		if len(after) == 2 && len(fresh) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("workers after the panic: %v (before %v), want one replaced", after, before)
		}
	}

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
	for deadline := time.Now().Add(5 * time.Second); len(workers(node)) != 2; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("workers after 10 more panics: %v", workers(node))
		}
	}
	if info, err := node.ApplicationInfo(ergomcp.AppName); err != nil || info.State != gen.ApplicationStateRunning {
		t.Fatalf("application after panics: %+v %v", info, err)
	}
	if res, err := callTool(s, "runtime_stats"); err != nil || res.IsError {
		t.Fatalf("runtime_stats after panics: %v %+v", err, res)
	}
}
