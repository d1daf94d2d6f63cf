package ergomcp_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"ergo.services/ergo/gen"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/ergomcp/ergomcp"
)

// BenchmarkLocalCallHungPeer measures a local node_info on the entry
// (default pool of 8 workers) while 8, 10 or 50 calls wait on a peer stopped
// with SIGSTOP, against the same call with none waiting, measured first
// in the same run: x_floor is the ratio (1 = unaffected).
func BenchmarkLocalCallHungPeer(b *testing.B) {
	port := freePort(b)
	entry := startNetNode(b, "benchentry", ergomcp.Options{Port: port})
	s := connect(b, fmt.Sprintf("http://localhost:%d/mcp", port), "")
	hung := startChild(b, "benchhung", entry)
	waitFor(b, func() bool { _, err := entry.Network().Node(gen.Atom(hung.name)); return err == nil })
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
	floor := func() time.Duration {
		const n = 200
		start := time.Now()
		for range n {
			if local() {
				b.Fatal("a local call failed with no call waiting on the peer")
			}
		}
		return time.Since(start) / n
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
					s.CallTool(ctx, &mcp.CallToolParams{Name: "node_info", Arguments: map[string]any{"node": hung.name, "timeout": 10}})
				}()
			}
			time.Sleep(300 * time.Millisecond) // the calls reach their hops
			b.ResetTimer()
			start := time.Now()
			failed := 0
			for b.Loop() {
				if local() {
					failed++
				}
			}
			per := time.Since(start) / time.Duration(b.N)
			b.StopTimer()
			cancel()
			wg.Wait()
			b.ReportMetric(float64(base.Microseconds()), "floor-µs/op")
			b.ReportMetric(float64(per)/float64(base), "x_floor")
			b.ReportMetric(float64(failed)/float64(b.N), "failed/op")
		})
	}
}

