package tools

import (
	"bytes"
	"context"
	"fmt"
	"runtime/pprof"
	"strings"
	"sync"
	"testing"

	"ergo.services/ergo/gen"

	"github.com/ergomcp/ergomcp/internal/catalog"
	"github.com/ergomcp/ergomcp/internal/ident"
	"github.com/ergomcp/ergomcp/internal/profiles"
	"github.com/ergomcp/ergomcp/internal/result"
)

// labelledGoroutines parks n goroutines, each under its own pprof label
// pid=<node hash.0.ID> as ergo built with -tags=pprof (≥ 3.2) labels a
// running actor's goroutine (pprof.Do with "pid" = PID.String()). The
// goroutine of target carries target's label. The returned func ends them.
func labelledGoroutines(b *testing.B, node gen.Node, target gen.PID, n int) (end func()) {
	b.Helper()
	hash := ident.NodeHash(string(node.Name()))
	stop := make(chan struct{})
	var started, ended sync.WaitGroup
	for i := range n {
		label := fmt.Sprintf("<%s.0.%d>", hash, 2_000_000+i)
		if i == 0 {
			label = target.String()
		}
		started.Add(1)
		ended.Go(func() {
			pprof.Do(context.Background(), pprof.Labels("pid", label), func(context.Context) {
				started.Done()
				<-stop
			})
		})
	}
	started.Wait()
	return func() {
		close(stop)
		ended.Wait()
	}
}

// BenchmarkPprofGoroutines compares pprof_goroutines pid=<pid> over 10k
// and 100k labelled goroutines with its floor: capturing the goroutine
// profile (runtime/pprof "goroutine", debug=0, the labelled form) and
// parsing it, which the tool must do before it can filter by label.
// "all" is the same tool without pid: every goroutine grouped and the top
// 50 groups rendered.
func BenchmarkPprofGoroutines(b *testing.B) {
	node := benchNode(b, 1)
	page, err := node.ProcessListShortInfo(1000, 2000)
	if err != nil {
		b.Fatal(err)
	}
	target := page[len(page)-1].PID // the idle actor benchNode spawned
	for _, n := range []int{10_000, 100_000} {
		end := labelledGoroutines(b, node, target, n)

		b.Run(fmt.Sprintf("capture_and_parse/%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				p, err := profiles.Goroutines()
				if err != nil || len(p.Sample) < n {
					b.Fatalf("%d samples: %v", len(p.Sample), err)
				}
			}
		})
		b.Run(fmt.Sprintf("capture_only/%d", n), func(b *testing.B) {
			var buf bytes.Buffer
			b.ReportAllocs()
			for b.Loop() {
				buf.Reset()
				if err := pprof.Lookup("goroutine").WriteTo(&buf, 0); err != nil {
					b.Fatal(err)
				}
			}
		})
		rt := NewServer(node, Builtins(), catalog.Policy{}, result.DefaultBudget)
		env := &Env{Ctx: context.Background(), Process: nodeProcess{node: node}, Server: rt}
		b.Run(fmt.Sprintf("tool_pid/%d", n), func(b *testing.B) {
			args := &pprofGoroutinesArgs{PID: target.String()}
			if err := args.Validate(); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				v, err := toolPprofGoroutines(env, args)
				if err != nil {
					b.Fatal(err)
				}
				if r := v.(profiles.GoroutineReport); r.Matched != 1 || r.Total < n || !strings.Contains(r.Text, target.String()) {
					b.Fatalf("matched %d of %d", r.Matched, r.Total)
				}
			}
		})
		b.Run(fmt.Sprintf("tool_all/%d", n), func(b *testing.B) {
			args := &pprofGoroutinesArgs{}
			if err := args.Validate(); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := toolPprofGoroutines(env, args); err != nil {
					b.Fatal(err)
				}
			}
		})
		end()
	}
}
