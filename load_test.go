package ergomcp_test

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"ergo.services/ergo/gen"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/ergomcp/ergomcp"
	"github.com/ergomcp/ergomcp/internal/mcptest"
)

// TestIdleCost starts the app with no client and no sampler and checks
// that it costs nothing while idle: beyond what a node without ergomcp
// runs, the only goroutines are the HTTP server's accept loop, and over a
// second no ergomcp process receives a message (no timers, no polling).
func TestIdleCost(t *testing.T) {
	// The first node also starts what every node shares (the signal loop);
	// the second shows what one more node costs.
	startPlainNode(t)
	oneNode := settledGoroutines(t)
	startPlainNode(t)
	twoNodes := settledGoroutines(t)
	nodeCost := twoNodes.n - oneNode.n
	perNode := twoNodes.newSince(oneNode)

	// The history's collector is ergomcp's one periodic work, on purpose:
	// TestIdleCostHistory holds it to its own bound.
	node, err := startNode(t, ergomcp.Options{Port: mcptest.FreePort(t), DisableHistory: true})
	if err != nil {
		t.Fatal(err)
	}
	withApp := settledGoroutines(t)
	appCost := withApp.n - twoNodes.n - nodeCost
	var extra []string
	for _, st := range withApp.newSince(twoNodes) {
		if !slices.Contains(perNode, st) {
			extra = append(extra, st)
		}
	}
	// Nothing is logged on success: a test that printed output is never
	// excused by internal/testrun for a race inside ergo.
	// One is the accept loop (transport.Listen's Serve). Nothing else is
	// allowed to run for ergomcp while no client is connected.
	if appCost > 1 {
		t.Fatalf("ergomcp runs %d goroutines while idle, want only the HTTP accept loop; new stacks:\n%s", appCost, strings.Join(extra, "\n\n"))
	}
	if !slices.ContainsFunc(extra, func(s string) bool { return strings.Contains(s, "net/http.(*Server).Serve") }) {
		t.Errorf("the HTTP accept loop is not among the new goroutines:\n%s", strings.Join(extra, "\n\n"))
	}

	// No periodic work: no ergomcp process gets a message while idle.
	first := ergomcpCounters(t, node)
	if len(first) < 4 {
		t.Fatalf("found %d ergomcp processes: %v", len(first), first)
	}
	time.Sleep(1200 * time.Millisecond)
	second := ergomcpCounters(t, node)
	for pid, in := range first {
		if second[pid] != in {
			t.Errorf("%s received %d messages while idle", pid, second[pid]-in)
		}
	}
	if len(second) != len(first) {
		t.Errorf("ergomcp processes changed while idle: %v → %v", first, second)
	}
	// Only more is ergomcp's doing: fewer are earlier tests' nodes still
	// winding down in this process.
	if now := settledGoroutines(t); now.n > withApp.n {
		t.Errorf("goroutines changed while idle: %d → %d; new stacks:\n%s", withApp.n, now.n, strings.Join(now.newSince(withApp), "\n\n"))
	}
}

// startPlainNode starts a node without ergomcp, stopped at the end of t.
func startPlainNode(t *testing.T) gen.Node {
	t.Helper()
	node, err := newNode(t, ergomcp.Options{}, func(no *gen.NodeOptions) { no.Applications = nil })
	if err != nil {
		t.Fatal(err)
	}
	return node
}

// ergomcpCounters maps each process of the ergomcp application (and the
// workers and samplers it spawned, whose application is inherited) to
// its MessagesIn.
func ergomcpCounters(t *testing.T, node gen.Node) map[string]uint64 {
	t.Helper()
	out := map[string]uint64{}
	page, err := node.ProcessListShortInfo(1000, 100000)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range page {
		if p.Application == ergomcp.AppName {
			out[fmt.Sprintf("%s %s (%s)", p.PID, p.Name, p.Behavior)] = p.MessagesIn
		}
	}
	return out
}

// goroutineSnapshot is the goroutine count and the stacks (grouped, as
// pprof debug=1 prints them) at one moment.
type goroutineSnapshot struct {
	n      int
	stacks map[string]int
}

// newSince lists the stack groups that have more goroutines than in old.
func (s goroutineSnapshot) newSince(old goroutineSnapshot) []string {
	var out []string
	for st, n := range s.stacks {
		if n > old.stacks[st] {
			for range n - old.stacks[st] {
				out = append(out, st)
			}
		}
	}
	return out
}

// settledGoroutines waits until the goroutine count holds still for a
// moment (goroutines of stopped nodes, HTTP connections and timers end
// asynchronously), then takes a snapshot.
func settledGoroutines(t testing.TB) goroutineSnapshot {
	t.Helper()
	last, still := -1, 0
	for deadline := time.Now().Add(10 * time.Second); still < 5; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			break
		}
		n := runtime.NumGoroutine()
		if n == last {
			still++
		} else {
			last, still = n, 0
		}
	}
	var buf bytes.Buffer
	if err := pprof.Lookup("goroutine").WriteTo(&buf, 1); err != nil {
		t.Fatal(err)
	}
	snap := goroutineSnapshot{n: runtime.NumGoroutine(), stacks: map[string]int{}}
	for _, block := range strings.Split(buf.String(), "\n\n")[1:] {
		var n int
		if _, err := fmt.Sscanf(block, "%d @", &n); err != nil {
			continue
		}
		// Drop the PC list line: keep the symbolised frames, which are
		// stable across goroutines of the same kind.
		_, frames, _ := strings.Cut(block, "\n")
		if !strings.Contains(frames, "settledGoroutines") { // this very goroutine
			snap.stacks[frames] += n
		}
	}
	return snap
}

// TestManySessions runs 100 MCP sessions, each its own go-sdk client,
// calling at once: every call succeeds, and once the sessions are closed
// the goroutines and the heap are back where they were. The count of calls
// is sized for the race detector in the normal suite;
// BenchmarkManySessions runs 100 × 1000.
func TestManySessions(t *testing.T) {
	manySessions(t, 20)
}

// BenchmarkManySessions is TestManySessions at full size (100 sessions ×
// 1000 calls, b.N times); run it with
// go test -run='^$' -bench=ManySessions -benchtime=1x .
func BenchmarkManySessions(b *testing.B) {
	for b.Loop() {
		manySessions(b, 1000)
	}
}

func manySessions(tb testing.TB, calls int) {
	node, url := benchApp(tb, ergomcp.Options{})
	target := spawnIdle(tb, node)
	args := map[string]any{"pid": target.String()}
	// Warm up what the go-sdk and net/http set up once per process.
	func() {
		s := benchSession(tb, url)
		benchCall(tb, s, args)
		s.Close()
		benchTransport().CloseIdleConnections()
	}()
	goroutinesBefore := settledGoroutines(tb).n
	heapBefore := heapAfterGC()

	sessions := make([]*mcp.ClientSession, benchSessions)
	for i := range sessions {
		sessions[i] = benchSession(tb, url)
	}
	var wg sync.WaitGroup
	var failed atomic.Int64
	for _, s := range sessions {
		wg.Go(func() {
			for range calls {
				res, err := s.CallTool(context.Background(), &mcp.CallToolParams{Name: "process_state", Arguments: args})
				if err != nil || res.IsError {
					if failed.Add(1) <= 3 {
						tb.Errorf("call failed: %v %v", err, res)
					}
				}
			}
		})
	}
	wg.Wait()
	if n := failed.Load(); n > 0 {
		tb.Fatalf("%d of %d calls failed", n, benchSessions*calls)
	}
	for _, s := range sessions {
		s.Close()
	}
	benchTransport().CloseIdleConnections()

	// Sessions end on the server when their DELETE arrives; connections
	// and their goroutines when both sides have closed them.
	var after goroutineSnapshot
	deadline := time.Now().Add(10 * time.Second)
	for {
		after = settledGoroutines(tb)
		if after.n <= goroutinesBefore+3 || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if after.n > goroutinesBefore+3 {
		tb.Fatalf("goroutines: %d before the sessions, %d after they closed", goroutinesBefore, after.n)
	}
	if grown := int64(heapAfterGC()) - int64(heapBefore); grown > 8<<20 {
		tb.Fatalf("heap grew by %d KiB over %d calls", grown>>10, benchSessions*calls)
	}
	if n := workerCount(node); n != ergomcp.DefaultPoolSize {
		tb.Fatalf("%d workers after the load, want %d", n, ergomcp.DefaultPoolSize)
	}
}

// heapAfterGC is the live heap right after a collection.
func heapAfterGC() uint64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
