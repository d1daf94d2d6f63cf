package ergomcp_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"ergo.services/ergo/act"
	"ergo.services/ergo/gen"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/ergomcp/ergomcp"
	"github.com/ergomcp/ergomcp/internal/mcptest"
)

type burnTick struct{}

// burner keeps one core busy in burnInTestActor, 20 ms per message, and
// keeps sending itself messages until stop closes.
type burner struct {
	act.Actor
	stop chan struct{}
}

func (b *burner) Init(args ...any) error {
	b.stop = args[0].(chan struct{})
	return nil
}

func (b *burner) HandleMessage(from gen.PID, message any) error {
	select {
	case <-b.stop:
		return nil
	default:
	}
	burnInTestActor(20 * time.Millisecond)
	return b.Send(b.PID(), burnTick{})
}

var burnSink atomic.Uint64

//go:noinline
func burnInTestActor(d time.Duration) {
	x := burnSink.Load()
	for end := time.Now().Add(d); time.Now().Before(end); {
		for range 1000 {
			x = x*6364136223846793005 + 1442695040888963407
		}
	}
	burnSink.Store(x)
}

func TestPprofCPU(t *testing.T) {
	port := mcptest.FreePort(t)
	node, err := startNode(t, ergomcp.Options{Port: port})
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	defer close(stop)
	pid, err := node.Spawn(func() gen.ProcessBehavior { return &burner{} }, gen.ProcessOptions{}, stop)
	if err != nil {
		t.Fatal(err)
	}
	if err := node.Send(pid, burnTick{}); err != nil {
		t.Fatal(err)
	}
	url := mcptest.URL(port)
	var progress atomic.Int64
	s := mcptest.Client{Options: &mcp.ClientOptions{
		ProgressNotificationHandler: func(context.Context, *mcp.ProgressNotificationClientRequest) { progress.Add(1) },
	}}.Connect(t, url)

	type top struct {
		Total   int64
		Entries []struct {
			Name      string
			FlatShare float64
		}
	}
	// A second profile while the first runs is refused with when it ends.
	second := make(chan *mcp.CallToolResult, 1)
	go func() {
		for progress.Load() == 0 {
			time.Sleep(20 * time.Millisecond)
		}
		res, _ := mcptest.Connect(t, url, "").CallTool(context.Background(), &mcp.CallToolParams{Name: "pprof_cpu", Arguments: map[string]any{"duration": 1}})
		second <- res
	}()
	params := &mcp.CallToolParams{Name: "pprof_cpu", Arguments: map[string]any{"duration": 3, "limit": 5}}
	params.SetProgressToken("cpu-1")
	res, err := s.CallTool(context.Background(), params)
	if err != nil {
		t.Fatal(err)
	}
	var report top
	mcptest.DecodeResult(t, "pprof_cpu", res, &report)
	found := false
	for _, e := range report.Entries {
		found = found || strings.Contains(e.Name, "burnInTestActor") && e.FlatShare > 0.2
	}
	if !found || report.Total == 0 {
		t.Fatalf("the burning actor's function is not among the top 5 with a real share: %+v", report)
	}
	if progress.Load() < 1 {
		t.Fatal("no progress notification arrived")
	}
	if msg := mcptest.ErrorText(t, <-second); !strings.Contains(msg, "already running") {
		t.Fatalf("second profile: %s", msg)
	}

	// Cancelling stops the profile: the next one starts at once.
	ctx, cancel := context.WithCancel(context.Background())
	start := time.Now()
	time.AfterFunc(500*time.Millisecond, cancel)
	_, err = s.CallTool(ctx, &mcp.CallToolParams{Name: "pprof_cpu", Arguments: map[string]any{"duration": 20, "timeout": 60}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled call returned %v", err)
	}
	mcptest.WaitFor(t, func() bool {
		res, err := s.CallTool(context.Background(), &mcp.CallToolParams{Name: "pprof_cpu", Arguments: map[string]any{"duration": 1}})
		return err == nil && !res.IsError
	})
	if time.Since(start) > 10*time.Second {
		t.Fatalf("the cancelled 20 s profile held the profiler for %s", time.Since(start))
	}

	// Bad input changes nothing and says what is valid.
	for want, args := range map[string]map[string]any{
		"must be between 1 and 30":  {"duration": 31},
		"shorter than timeout":      {"duration": 10, "timeout": 5},
		`use one of: function, pid`: {"group_by": "node"},
		"needs goroutines labelled": {"group_by": "pid", "duration": 1},
	} {
		if msg := mcptest.ErrorText(t, mcptest.Call(t, s, "pprof_cpu", args, nil)); !strings.Contains(msg, want) {
			t.Errorf("%v: %s", args, msg)
		}
	}
}

// heapHolder keeps what allocInTestActor allocated alive.
var heapHolder [][]byte

//go:noinline
func allocInTestActor() {
	for range 64 {
		heapHolder = append(heapHolder, make([]byte, 256<<10))
	}
}

func TestPprofGoroutinesAndHeap(t *testing.T) {
	port := mcptest.FreePort(t)
	node, err := startNode(t, ergomcp.Options{Port: port})
	if err != nil {
		t.Fatal(err)
	}
	allocInTestActor()
	defer func() { heapHolder = nil }()
	release := make(chan struct{})
	defer close(release)
	pid, err := node.Spawn(func() gen.ProcessBehavior { return &blocker{} }, gen.ProcessOptions{}, release)
	if err != nil {
		t.Fatal(err)
	}
	node.Send(pid, "wake")
	s := mcptest.Connect(t, mcptest.URL(port), "")

	var g struct {
		Total, Matched, Shown int
		Text                  string
	}
	mcptest.Call(t, s, "pprof_goroutines", map[string]any{"filter": "toolPprof"}, &g)
	if g.Matched < 1 || !strings.HasPrefix(g.Text, fmt.Sprintf("total %d, matched %d, showing %d", g.Total, g.Matched, g.Shown)) {
		t.Fatalf("own goroutine not found by toolPprof: %+v", g)
	}
	mcptest.Call(t, s, "pprof_goroutines", map[string]any{"exclude": "toolPprof", "filter": "blocker", "debug": 2}, &g)
	if g.Matched != 1 || strings.Contains(g.Text, "toolPprof") || !strings.Contains(g.Text, "HandleMessage") {
		t.Fatalf("blocked actor: %+v", g)
	}
	// ergo 3.1 and the v320 branch do not label goroutines with their pid.
	if msg := mcptest.ErrorText(t, mcptest.Call(t, s, "pprof_goroutines", map[string]any{"pid": pid.String()}, nil)); !strings.Contains(msg, "-tags=pprof") {
		t.Fatalf("pid filter without labels: %s", msg)
	}
	if msg := mcptest.ErrorText(t, mcptest.Call(t, s, "pprof_goroutines", map[string]any{"debug": 3}, nil)); !strings.Contains(msg, "debug") {
		t.Fatalf("bad debug: %s", msg)
	}

	var heap struct {
		SampleType string
		Entries    []struct {
			Name string
			Flat int64
		}
	}
	mcptest.Call(t, s, "pprof_heap", map[string]any{"filter": "allocInTestActor", "sample": "inuse_space", "gc": true}, &heap)
	if len(heap.Entries) == 0 || heap.Entries[0].Flat < 8<<20 {
		t.Fatalf("16 MiB held by allocInTestActor not found: %+v", heap)
	}
	if msg := mcptest.ErrorText(t, mcptest.Call(t, s, "pprof_heap", map[string]any{"sample": "bogus"}, nil)); !strings.Contains(msg, "alloc_objects") {
		t.Fatalf("bad sample: %s", msg)
	}
}
