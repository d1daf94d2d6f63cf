package ergomcp_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"ergo.services/ergo/act"
	"ergo.services/ergo/gen"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/ergomcp/ergomcp"
)

type topIdle struct{ act.Actor }

// BenchmarkTopRefresh measures what one refresh of `ergomcp top` costs
// the node at 10k and 100k processes: the calls cmd/ergomcp/top_client.go
// makes each --interval (runtime_stats, then process_top with the sort
// key, a screen's worth of rows and a window below the interval) plus
// node_info once every infoEvery/interval = 15 refreshes. The floor is a
// bare process_list of the same rows (one walk of the process table; a
// window needs two). The metric is CPU time (user+system, the whole test
// process: node, server and the client's decoding) per refresh and the
// share of one core that makes at the default 2 s interval; ns/op is wall
// time and includes process_top's 100 ms window, which costs no CPU.
func BenchmarkTopRefresh(b *testing.B) {
	const (
		rows     = 84 // limit on a 50-line terminal: twice the rows shown
		interval = 2 * time.Second
	)
	for _, n := range []int{10_000, 100_000} {
		node, url := benchApp(b, ergomcp.Options{})
		for range n {
			if _, err := node.Spawn(func() gen.ProcessBehavior { return &topIdle{} }, gen.ProcessOptions{}); err != nil {
				b.Fatal(err)
			}
		}
		s := benchSession(b, url)
		calls := map[string]func(i int){
			"floor_process_list": func(int) {
				topCall(b, s, "process_list", map[string]any{"limit": rows, "sort_by": "mailbox"})
			},
			"refresh": func(i int) {
				topCall(b, s, "runtime_stats", nil)
				if i%15 == 0 {
					topCall(b, s, "node_info", nil)
				}
				topCall(b, s, "process_top", map[string]any{"sort_by": "cpu", "limit": rows, "window_ms": 100})
			},
		}
		for _, name := range []string{"floor_process_list", "refresh"} {
			b.Run(fmt.Sprintf("%s/%d", name, n), func(b *testing.B) {
				call := calls[name]
				call(0) // warm the session
				b.ReportAllocs()
				i, start := 0, processCPU()
				for b.Loop() {
					call(i)
					i++
				}
				cpu := processCPU() - start
				perOp := float64(cpu) / float64(i)
				b.ReportMetric(perOp/1e6, "cpu-ms/op")
				b.ReportMetric(100*perOp/float64(interval), "core%@2s")
			})
		}
		node.Stop()
	}
}

func topCall(b *testing.B, s *mcp.ClientSession, tool string, args map[string]any) {
	res, err := s.CallTool(context.Background(), &mcp.CallToolParams{Name: tool, Arguments: args})
	if err != nil {
		b.Fatalf("%s: %v", tool, err)
	}
	if res.IsError {
		b.Fatalf("%s: %s", tool, res.Content[0].(*mcp.TextContent).Text)
	}
}
