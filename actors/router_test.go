package actors

import (
	"context"
	"strings"
	"testing"

	"ergo.services/ergo/gen"

	"github.com/ergomcp/ergomcp/internal/catalog"
	"github.com/ergomcp/ergomcp/tools"
)

// namedNode is a node that only has a name: the router's decisions read
// nothing else, and any other use (a Send) panics the test.
type namedNode struct {
	gen.Node
	name gen.Atom
}

func (n namedNode) Name() gen.Atom { return n.name }

type routeArgs struct{ catalog.Common }

var (
	quickTool = catalog.Define[routeArgs](catalog.Tool{Name: "quick", Description: "Runs on a worker."})
	longTool  = catalog.Define[routeArgs](catalog.Tool{Name: "long", Description: "Runs on the caller's goroutine.", Long: true})
	setTool   = catalog.Define[routeArgs](catalog.Tool{Name: "set", Description: "Changes something.", Kind: catalog.Mutating})
)

func callFor(tool *catalog.Tool, node string) *catalog.Call {
	args, err := tool.Decode(nil)
	if err != nil {
		panic(err)
	}
	catalog.CommonOf(args).Node = node
	return &catalog.Call{Tool: tool, Args: args}
}

func TestRouteOf(t *testing.T) {
	r := &Router{Node: namedNode{name: "a@h"}}
	for _, tc := range []struct {
		tool *catalog.Tool
		node string
		want route
	}{
		{quickTool, "", routePool},
		{quickTool, "a@h", routePool},
		{longTool, "", routeDirect},
		{longTool, "a@h", routeDirect},
		{quickTool, "b@h", routeRemote},
		{longTool, "b", routeRemote}, // a short name is another node's until resolved
		{quickTool, "*", routeFanOut},
		{longTool, "*", routeFanOut},
	} {
		if got := r.routeOf(callFor(tc.tool, tc.node)); got != tc.want {
			t.Errorf("%s node=%q: route %d, want %d", tc.tool.Name, tc.node, got, tc.want)
		}
	}
}

// TestInvokeRefusesBeforeRouting: the entry node's policy refuses a call on
// every route before anything is sent (the node would panic on a Send),
// marked Refused and naming the entry node.
func TestInvokeRefusesBeforeRouting(t *testing.T) {
	r := &Router{Node: namedNode{name: "a@h"}, Server: &tools.Server{Policy: catalog.Policy{Deny: []string{"quick"}}}}
	for _, c := range []*catalog.Call{callFor(setTool, ""), callFor(setTool, "b@h"), callFor(setTool, "*"), callFor(quickTool, "b@h")} {
		res := r.Invoke(context.Background(), c)
		if !res.IsError || !res.Refused || !strings.Contains(res.Text, entryNode) {
			t.Errorf("%s node=%q: %+v, want a refusal by %s", c.Tool.Name, catalog.CommonOf(c.Args).Node, res, entryNode)
		}
	}
}
