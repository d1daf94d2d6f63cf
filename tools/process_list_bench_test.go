package tools

import (
	"context"
	"fmt"
	"testing"

	"ergo.services/ergo/act"
	"ergo.services/ergo/gen"

	"github.com/ergomcp/ergomcp/internal/catalog"
	"github.com/ergomcp/ergomcp/internal/result"
	"github.com/ergomcp/ergomcp/internal/testnode"
)

// nodeProcess is the part of a worker process that process_list uses.
type nodeProcess struct {
	gen.Process
	node gen.Node
}

func (p nodeProcess) Node() gen.Node { return p.node }

type idle struct{ act.Actor }

func benchNode(b *testing.B, n int) gen.Node {
	b.Helper()
	node := testnode.MustStart(b, "bench", nil)
	for range n {
		if _, err := node.Spawn(func() gen.ProcessBehavior { return &idle{} }, gen.ProcessOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	return node
}

// BenchmarkProcessList compares process_list's top-10 by mailbox with the
// floor: ergo's raw paged listing of the same table, which any listing
// must do. The ratio of the two is what matters.
func BenchmarkProcessList(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		node := benchNode(b, n)
		b.Run(fmt.Sprintf("raw_listing/%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				count := 0
				err := walkProcesses(node, func(page []gen.ProcessShortInfo) bool {
					count += len(page)
					return true
				})
				if err != nil || count < n {
					b.Fatalf("listed %d: %v", count, err)
				}
			}
		})
		b.Run(fmt.Sprintf("top10_by_mailbox/%d", n), func(b *testing.B) {
			rt := NewServer(node, Builtins(), catalog.Policy{}, result.DefaultBudget)
			env := &Env{Ctx: context.Background(), Process: nodeProcess{node: node}, Server: rt}
			args := &processListArgs{}
			args.Limit, args.SortBy = 10, "mailbox"
			b.ReportAllocs()
			for b.Loop() {
				v, err := processList(env, args)
				if err != nil {
					b.Fatal(err)
				}
				if l := v.(*result.List); l.Total < n || len(l.Items) != 10 {
					b.Fatalf("total %d, items %d", l.Total, len(l.Items))
				}
			}
		})
	}
}
