package ergomcp_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"ergo.services/ergo/act"
	"ergo.services/ergo/gen"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/ergomcp/ergomcp"
	"github.com/ergomcp/ergomcp/internal/mcptest"
	"github.com/ergomcp/ergomcp/internal/result"
)

// bytesPerToken is how many bytes of ergomcp's JSON make one token for
// Claude's tokenizer, the low end of what BENCHMARKS.md measured (lists in
// the table form 2.0, records 2.9, tools/list 4.0): dividing by it
// over-counts, so a bound checked with it holds for the real count.
const bytesPerToken = 2.0

// toolsListBytesPerToken is the same for tools/list, whose prose and
// schema keywords tokenize better than results' numbers and PIDs.
const toolsListBytesPerToken = 4.0

func tokens(n int, perToken float64) int { return int(float64(n)/perToken + 0.5) }

// Token bounds of the issue: tools/list for the default tool set, every
// default answer, and the ceiling no answer passes.
const (
	maxToolsListTokens = 8000
	maxDefaultTokens   = 16000
	maxCeilingTokens   = 24000
)

// sizedWorker is one of the many processes of TestAnswerSizes: names,
// behaviours and counters differ as they do on a real node.
type sizedWorker struct{ act.Actor }

func (w *sizedWorker) HandleMessage(from gen.PID, message any) error { return nil }

type sizedCache struct{ act.Actor }

func (w *sizedCache) HandleMessage(from gen.PID, message any) error { return nil }

// fill spawns n processes of two behaviours, a third of them registered,
// each sent a different number of messages.
func fill(t *testing.T, node gen.Node, n int) {
	t.Helper()
	for i := range n {
		factory := func() gen.ProcessBehavior { return &sizedWorker{} }
		if i%3 == 1 {
			factory = func() gen.ProcessBehavior { return &sizedCache{} }
		}
		var pid gen.PID
		var err error
		if i%3 == 0 {
			pid, err = node.SpawnRegister(gen.Atom(fmt.Sprintf("worker_%d", i)), factory, gen.ProcessOptions{})
		} else {
			pid, err = node.Spawn(factory, gen.ProcessOptions{})
		}
		if err != nil {
			t.Fatal(err)
		}
		for range i % 7 {
			node.Send(pid, i)
		}
	}
	for i := range 40 {
		if _, err := node.RegisterEvent(gen.Atom(fmt.Sprintf("sized_event_%d", i)), gen.EventOptions{}); err != nil {
			t.Fatal(err)
		}
	}
}

// defaultCalls are the calls an agent makes first, with the arguments
// the tools require and nothing else.
func defaultCalls(app string) map[string]map[string]any {
	return map[string]map[string]any{
		"node_info": nil, "runtime_stats": nil, "process_list": nil, "process_top": {"window_ms": 200},
		"app_list": nil, "app_info": {"name": app}, "app_processes": {"name": app}, "event_list": nil,
		"network_info": nil, "network_nodes": nil, "network_acceptors": nil, "cluster_nodes": nil,
		"registrar_info": nil, "cron_info": nil, "cron_schedule": nil, "loggers_list": nil,
		"log_level_get": {"target": "node"}, "pprof_goroutines": nil, "pprof_heap": nil, "pprof_cpu": {"duration": 1},
		"sample_list": nil, "audit_log": nil, "diagnose": {"budget_ms": 500}, "node_env": nil, "node_history": nil,
		"process_list sort_by=mailbox": {"sort_by": "mailbox"}, "process_info": {"name": "worker_0"},
		"process_children": {"parent": "worker_0"}, "process_inspect": {"name": "worker_0"}, "process_lookup": {"name": "worker_0"},
		"process_state": {"name": "worker_0"}, "event_info": {"name": "sized_event_0"},
		"sample_listen": {"log_levels": "error"}, "sample_start": {"tool": "runtime_stats", "count": 1},
	}
}

// mayFail are answers that are errors on the test node by its nature
// (networking disabled, no cron jobs or meta processes, no sampler id to
// pass): their size is still bounded.
var mayFail = []string{"networking is disabled", "cron", "alias", "sampler_id", "meta", "is required", "no event"}

// pidSeq is the process number of a PID as ergo prints it (<90A29F11.0.1017>).
func pidSeq(t *testing.T, v any) int {
	t.Helper()
	s, _ := v.(string)
	var node string
	var a, b int
	if _, err := fmt.Sscanf(strings.NewReplacer("<", "", ">", "", ".", " ").Replace(s), "%s %d %d", &node, &a, &b); err != nil {
		t.Fatalf("PID %v: %v", v, err)
	}
	return b
}

// On a node with 5,000 processes: tools/list for the default tool set
// stays within 8k tokens, every default answer within 16k, and asking for
// everything stops at the ceiling with the call that reads on.
// ERGOMCP_SIZES_DIR, when set, receives each answer (and tools/list) for
// counting with the real tokenizer (see BENCHMARKS.md).
func TestAnswerSizes(t *testing.T) {
	if testing.Short() {
		t.Skip("starts 5,000 processes")
	}
	dump := os.Getenv("ERGOMCP_SIZES_DIR")
	save := func(name, text string) {
		if dump != "" {
			if err := os.WriteFile(filepath.Join(dump, strings.ReplaceAll(name, " ", "_")+".json"), []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	port := mcptest.FreePort(t)
	node, err := startNode(t, ergomcp.Options{Port: port})
	if err != nil {
		t.Fatal(err)
	}
	fill(t, node, 5000)
	s := mcptest.Connect(t, mcptest.URL(port), "")
	ctx := context.Background()

	list, err := s.ListTools(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(list)
	save("tools_list", string(raw))
	if n := tokens(len(raw), toolsListBytesPerToken); n > maxToolsListTokens || len(list.Tools) < 40 {
		t.Errorf("tools/list: %d tools, %d bytes ≈ %d tokens, over %d", len(list.Tools), len(raw), n, maxToolsListTokens)
	}
	init := s.InitializeResult()
	if init != nil {
		save("instructions", init.Instructions)
	}
	if init == nil || !strings.Contains(init.Instructions, "diagnose") || !strings.Contains(init.Instructions, string(node.Name())) ||
		!strings.Contains(init.Instructions, "timeout") || !strings.Contains(init.Instructions, "next") {
		t.Errorf("instructions: %+v", init)
	}

	calls := defaultCalls("ergomcp")
	// Every listed tool answers within the bound, also those added later
	// (called without arguments when the table does not know them).
	for _, tl := range list.Tools {
		if _, ok := calls[tl.Name]; !ok {
			calls[tl.Name] = nil
		}
	}
	for name, args := range calls {
		tool, _, _ := strings.Cut(name, " ")
		res, err := s.CallTool(ctx, &mcp.CallToolParams{Name: tool, Arguments: args})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		text := res.Content[0].(*mcp.TextContent).Text
		save(name, text)
		if res.IsError {
			if !slices.ContainsFunc(mayFail, func(m string) bool { return strings.Contains(text, m) }) {
				t.Errorf("%s(%v): %s", name, args, text)
			}
			continue
		}
		if n := tokens(len(text), bytesPerToken); n > maxDefaultTokens {
			t.Errorf("%s: %d bytes ≈ %d tokens, over %d", name, len(text), n, maxDefaultTokens)
		}
	}

	// The same rows in both encodings, for BENCHMARKS.md's token counts.
	if dump != "" {
		for _, tool := range []string{"process_list", "process_top", "app_processes", "event_list"} {
			for _, format := range []string{"compact", "records"} {
				args := map[string]any{"format": format, "limit": 20}
				switch tool {
				case "process_top":
					args["window_ms"] = 200
				case "app_processes":
					args["name"] = "ergomcp"
				}
				res, err := s.CallTool(ctx, &mcp.CallToolParams{Name: tool, Arguments: args})
				if err != nil || res.IsError {
					t.Fatalf("%s %s: %v %+v", tool, format, err, res)
				}
				save("equal_"+tool+"_"+format, res.Content[0].(*mcp.TextContent).Text)
			}
		}
	}

	// Everything at once: the answer stops at the budget, says so, and
	// names the call that returns the next rows, which does.
	var all struct {
		Total, Returned int
		TruncatedBy     string `json:"truncated_by"`
		Next            struct {
			Tool      string
			Arguments map[string]any
		}
		Processes []map[string]any
	}
	// PID order: live counters (the ergomcp workers' own) cannot move rows
	// between the two pages.
	res := mcptest.Call(t, s, "process_list", map[string]any{"limit": 10000, "name": "worker"}, &all)
	text := res.Content[0].(*mcp.TextContent).Text
	save("process_list_limit_10000", text)
	if len(text) > result.DefaultBudget || all.TruncatedBy != result.ByBudget || all.Total != 1667 || all.Returned != len(all.Processes) ||
		all.Next.Tool != "process_list" || all.Next.Arguments["offset"] != float64(all.Returned) || all.Next.Arguments["name"] != "worker" {
		t.Fatalf("limit=10000: %d bytes, total %d returned %d by %q next %+v", len(text), all.Total, all.Returned, all.TruncatedBy, all.Next)
	}
	var more struct {
		Offset    int
		Processes []map[string]any
	}
	mcptest.Call(t, s, "process_list", all.Next.Arguments, &more)
	if more.Offset != all.Returned || len(more.Processes) == 0 {
		t.Fatalf("next call: offset %d, %d rows", more.Offset, len(more.Processes))
	}
	// The rows continue the order: the next page starts right after the
	// previous page's last PID.
	if a, b := pidSeq(t, all.Processes[len(all.Processes)-1]["PID"]), pidSeq(t, more.Processes[0]["PID"]); b <= a {
		t.Fatalf("next page starts at PID %d after %d", b, a)
	}
	if tokens(result.MaxBudget, bytesPerToken) > maxCeilingTokens {
		t.Fatalf("MaxBudget %d bytes ≈ %d tokens", result.MaxBudget, tokens(result.MaxBudget, bytesPerToken))
	}
	if _, err := startNode(t, ergomcp.Options{ResponseBudget: result.MaxBudget + 1}); err == nil || !strings.Contains(err.Error(), "ResponseBudget") {
		t.Fatalf("a budget over the ceiling accepted: %v", err)
	}
}
