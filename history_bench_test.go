//go:build unix

package ergomcp_test

import (
	"context"
	"encoding/json"
	"fmt"
	"syscall"
	"testing"
	"time"

	"ergo.services/ergo/gen"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/ergomcp/ergomcp"
	"github.com/ergomcp/ergomcp/internal/testnode"
)

// BenchmarkHistoryCost measures the history's cost at the default 10 s
// interval on a node of 1k, 10k and 100k idle processes, two ways:
//
//   - steady_%core: the collector's own measure (node_history CostShare):
//     the wall time of each of its reads (an upper bound of their CPU) at
//     the cadence it chose for it. The goal is ≤ 0.1% at 10k.
//   - on_%core and off_%core: the whole process's CPU (getrusage) over the
//     same window, with the history on and, on a fresh node of the same
//     size, off. Their difference is the history plus noise; over a window
//     of a few points it also holds no, one or two full table reads,
//     whose cadence at 100k is minutes, so steady_%core is the figure.
//
// Slow (about a minute per size): run it alone, e.g.
// go test -run '^$' -bench HistoryCost -benchtime 1x .
func BenchmarkHistoryCost(b *testing.B) {
	const window = 20 * time.Second
	for _, n := range []int{1000, 10000, 100000} {
		b.Run(fmt.Sprintf("procs=%d", n), func(b *testing.B) {
			for range b.N {
				on, steady, cost := historyCPU(b, n, false, window)
				off, _, _ := historyCPU(b, n, true, window)
				b.ReportMetric(steady*100, "steady_%core")
				b.ReportMetric(on*100, "on_%core")
				b.ReportMetric(off*100, "off_%core")
				b.ReportMetric(cost.TableReadMs, "table_ms")
				b.ReportMetric(cost.TableEveryS, "table_every_s")
				b.ReportMetric(cost.CountMs, "count_ms")
				b.ReportMetric(cost.PointMs, "point_ms")
			}
		})
	}
}

// historyCPU starts a node of n idle processes, lets the history take its
// first points, and measures the process's CPU share over window; with
// the history on it also returns the collector's steady-state share and
// its parts.
func historyCPU(b *testing.B, n int, disable bool, window time.Duration) (share, steady float64, cost costParts) {
	b.Helper()
	node, url := benchApp(b, ergomcp.Options{DisableHistory: disable})
	for range n {
		if _, err := node.Spawn(func() gen.ProcessBehavior { return &idler{} }, gen.ProcessOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	time.Sleep(11 * time.Second) // the first point reads the whole table
	before := cpuTime(b)
	start := time.Now()
	time.Sleep(window)
	share = float64(cpuTime(b)-before) / float64(time.Since(start))
	if !disable {
		var r struct{ Cost costParts }
		s := benchSession(b, url)
		res, err := s.CallTool(context.Background(), &mcp.CallToolParams{Name: "node_history",
			Arguments: map[string]any{"minutes": 1, "series": []string{"processes"}}})
		if err != nil || res.IsError {
			b.Fatalf("node_history: %v %v", err, res)
		}
		if err := json.Unmarshal([]byte(res.Content[0].(*mcp.TextContent).Text), &r); err != nil {
			b.Fatal(err)
		}
		steady, cost = r.Cost.ShareOfCore, r.Cost
	}
	testnode.Stop(b, node)
	return share, steady, cost
}

type costParts struct {
	PointMs, TableReadMs, TableEveryS, CountMs, CountEveryS, ShareOfCore float64
}

func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
