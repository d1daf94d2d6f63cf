package ergomcp_test

import (
	"testing"

	"ergo.services/ergo/gen"

	"github.com/ergomcp/ergomcp"
	"github.com/ergomcp/ergomcp/internal/testnode"
)

// startNetNode starts a node with networking on loopback: its own acceptor
// port, this binary's registrar and cookie. prefix names it uniquely.
func startNetNode(t testing.TB, prefix string, opts ergomcp.Options) gen.Node {
	t.Helper()
	node, err := startNetNodeWith(t, prefix, opts, func(*gen.NodeOptions) {})
	if err != nil {
		t.Fatal(err)
	}
	return node
}

// startNetNodeWith is startNetNode with the node options adjusted by edit;
// it returns the start error instead of failing.
func startNetNodeWith(t testing.TB, prefix string, opts ergomcp.Options, edit func(*gen.NodeOptions)) (gen.Node, error) {
	t.Helper()
	return testnode.StartLoopback(t, prefix, []gen.ApplicationBehavior{ergomcp.CreateApp(opts)}, edit)
}
