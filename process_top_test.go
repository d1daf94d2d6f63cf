package ergomcp_test

import (
	"context"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"ergo.services/ergo/act"
	"ergo.services/ergo/gen"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/ergomcp/ergomcp"
	"github.com/ergomcp/ergomcp/internal/mcptest"
)

// cpuHog spins the CPU for 15 ms of every 20 ms tick and then returns with
// an empty mailbox, so every ergo version records its running time.
type cpuHog struct{ act.Actor }

type hogTick struct{}

func (b *cpuHog) Init(...any) error {
	b.Send(b.PID(), hogTick{})
	return nil
}

func (b *cpuHog) HandleMessage(gen.PID, any) error {
	for start := time.Now(); time.Since(start) < 15*time.Millisecond; {
	}
	b.SendAfter(b.PID(), hogTick{}, 5*time.Millisecond)
	return nil
}

// flooded is a slow consumer: 20 ms a message.
type flooded struct{ act.Actor }

func (f *flooded) HandleMessage(gen.PID, any) error {
	time.Sleep(20 * time.Millisecond)
	return nil
}

type topResult struct {
	Total, Returned int
	WindowMs        int64  `json:"window_ms"`
	SortBy          string `json:"sort_by"`
	Processes       []struct {
		PID, Name                              string
		CPU, MessagesInRate, MailboxGrowthRate float64
		ProcessingRate                         float64
		Mailbox                                uint64
		EstLatencyMs, TimeToDrainS             any
		New, Reset, Stalled, CPUStale          bool
	}
}

func TestProcessTop(t *testing.T) {
	port := mcptest.FreePort(t)
	node, err := startNode(t, ergomcp.Options{Port: port})
	if err != nil {
		t.Fatal(err)
	}
	hot, err := node.SpawnRegister("top_burner", func() gen.ProcessBehavior { return &cpuHog{} }, gen.ProcessOptions{})
	if err != nil {
		t.Fatal(err)
	}
	slow, err := node.SpawnRegister("top_flooded", func() gen.ProcessBehavior { return &flooded{} }, gen.ProcessOptions{})
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // 100 messages a second into a consumer that handles 50
		defer wg.Done()
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				node.Send(slow, "job")
			}
		}
	}()
	defer func() { close(stop); wg.Wait() }()

	s := mcptest.Connect(t, mcptest.URL(port), "")
	var top topResult
	mcptest.Call(t, s, "process_top", map[string]any{"window_ms": 1500, "limit": 3}, &top)
	if top.SortBy != "cpu" || top.WindowMs < 1500 || top.Returned != 3 || top.Total < 10 {
		t.Fatalf("envelope: %+v", top)
	}
	first := top.Processes[0]
	if first.PID != hot.String() {
		t.Fatalf("cpu: first is %s (%s, cpu %.3f), want the cpuHog %s; all: %+v", first.Name, first.PID, first.CPU, hot, top.Processes)
	}
	if first.CPU < 0.3 || first.CPU > 1.2 {
		t.Errorf("cpuHog CPU share %.3f, want about 0.75", first.CPU)
	}

	mcptest.Call(t, s, "process_top", map[string]any{"window_ms": 1000, "limit": 1, "sort_by": "mailbox_growth"}, &top)
	f := top.Processes[0]
	// The sender's ticker slows on a loaded machine: judge the rates by how
	// they relate (what came in = what was handled + what queued), not by
	// the 100/s the sender aims at.
	if f.PID != slow.String() || f.MailboxGrowthRate < 5 || f.ProcessingRate < 10 || f.ProcessingRate > 80 ||
		math.Abs(f.MessagesInRate-f.ProcessingRate-f.MailboxGrowthRate) > 0.1*f.MessagesInRate+1 {
		t.Fatalf("mailbox_growth: %+v", f)
	}
	// Little's law from the same numbers the tool printed.
	if est, ok := f.EstLatencyMs.(float64); !ok || est < 0.5*float64(f.Mailbox)/f.ProcessingRate*1e3 || est > 2*float64(f.Mailbox)/f.ProcessingRate*1e3 {
		t.Errorf("EstLatencyMs %v for mailbox %d at %.1f/s", f.EstLatencyMs, f.Mailbox, f.ProcessingRate)
	}
	if f.TimeToDrainS != "never" {
		t.Errorf("a growing mailbox never drains, got %v", f.TimeToDrainS)
	}

	// Filters from process_list apply; bad input changes nothing.
	mcptest.Call(t, s, "process_top", map[string]any{"window_ms": 100, "name": "top_", "sort_by": "messages_in_rate"}, &top)
	if top.Total != 2 || top.Processes[0].PID != slow.String() {
		t.Fatalf("name filter: %+v", top)
	}
	for args, want := range map[string]map[string]any{
		"window_ms must be between 100 and 30000": {"window_ms": 30001},
		`sort_by "mailbox" is not valid`:          {"sort_by": "mailbox"},
		"state \"lazy\" is not valid":             {"state": "lazy"},
	} {
		if msg := mcptest.ErrorText(t, mcptest.Call(t, s, "process_top", want, nil)); !strings.Contains(msg, args) {
			t.Errorf("%v: %s", want, msg)
		}
	}
}

// TestProcessTopProgressAndCancel: a window reports progress while it runs
// and a cancelled call ends at once.
func TestProcessTopProgressAndCancel(t *testing.T) {
	port := mcptest.FreePort(t)
	_, err := startNode(t, ergomcp.Options{Port: port})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var notes []string
	s := mcptest.Client{Options: &mcp.ClientOptions{
		ProgressNotificationHandler: func(_ context.Context, r *mcp.ProgressNotificationClientRequest) {
			mu.Lock()
			notes = append(notes, r.Params.Message)
			mu.Unlock()
		},
	}}.Connect(t, mcptest.URL(port))
	params := &mcp.CallToolParams{Name: "process_top", Arguments: map[string]any{"window_ms": 1200}}
	params.SetProgressToken("top-1")
	res, err := s.CallTool(context.Background(), params)
	if err != nil || res.IsError {
		t.Fatalf("process_top: %v %+v", err, res)
	}
	mu.Lock()
	got := len(notes)
	mu.Unlock()
	if got < 3 {
		t.Fatalf("%d progress notifications over a 1.2 s window: %q", got, notes)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = s.CallTool(ctx, &mcp.CallToolParams{Name: "process_top", Arguments: map[string]any{"window_ms": 30000}})
	if err == nil || time.Since(start) > 5*time.Second {
		t.Fatalf("cancelled window: err %v after %s", err, time.Since(start))
	}
	// The node serves the next call at once.
	var top topResult
	mcptest.Call(t, s, "process_top", map[string]any{"window_ms": 100, "limit": 1}, &top)
}
