package ergomcp_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"ergo.services/ergo/gen"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/ergomcp/ergomcp"
	"github.com/ergomcp/ergomcp/internal/mcptest"
)

// BenchmarkLocalCallHungPeer measures a local node_info on the entry
// (default pool of 8 workers) while 8, 10 or 50 calls wait on a peer stopped
// with SIGSTOP, against the same call with none waiting, measured first
// in the same run: x_floor_p50 is the ratio of the medians (1 =
// unaffected), failed/op the share of local calls that failed.
func BenchmarkLocalCallHungPeer(b *testing.B) {
	port := mcptest.FreePort(b)
	entry := startNetNode(b, "benchentry", ergomcp.Options{Port: port})
	url := mcptest.URL(port)
	// The local calls and the calls waiting on the peer come from
	// different clients, as from different agents.
	s, waiter := mcptest.Connect(b, url, ""), mcptest.Connect(b, url, "")
	hung := startChild(b, "benchhung", entry)
	mcptest.WaitFor(b, func() bool { _, err := entry.Network().Node(gen.Atom(hung.name)); return err == nil })
	hung.hang()
	b.Cleanup(hung.cont)
	// local reports whether the call failed: before remote hops left the
	// workers, calls waiting on the peer held them all and local calls
	// failed at their deadline.
	local := func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		res, err := s.CallTool(ctx, &mcp.CallToolParams{Name: "node_info", Arguments: map[string]any{"timeout": 5}})
		return err != nil || res.IsError
	}
	// floor is the median of local calls with none waiting on the peer:
	// medians, not means, so that the other engineers' load on a shared
	// machine weighs less.
	floor := func() time.Duration {
		took := make([]time.Duration, 200)
		for i := range took {
			start := time.Now()
			if local() {
				b.Fatal("a local call failed with no call waiting on the peer")
			}
			took[i] = time.Since(start)
		}
		return median(took)
	}
	for _, waiting := range []int{8, 10, 50} {
		b.Run(fmt.Sprintf("waiting=%d", waiting), func(b *testing.B) {
			base := floor()
			ctx, cancel := context.WithCancel(context.Background())
			var wg sync.WaitGroup
			for range waiting {
				wg.Add(1)
				go func() {
					defer wg.Done()
					waiter.CallTool(ctx, &mcp.CallToolParams{Name: "node_info", Arguments: map[string]any{"node": hung.name, "timeout": 10}})
				}()
			}
			time.Sleep(300 * time.Millisecond) // the calls reach their hops
			b.ResetTimer()
			failed := 0
			var took []time.Duration
			for b.Loop() {
				start := time.Now()
				if local() {
					failed++
				}
				took = append(took, time.Since(start))
			}
			per := median(took)
			b.StopTimer()
			cancel()
			wg.Wait()
			b.ReportMetric(float64(base.Microseconds()), "floor-p50-µs")
			b.ReportMetric(float64(per.Microseconds()), "p50-µs")
			b.ReportMetric(float64(per)/float64(base), "x_floor_p50")
			b.ReportMetric(float64(failed)/float64(b.N), "failed/op")
		})
	}
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}
