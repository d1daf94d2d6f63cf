package tools

import (
	"context"
	"sort"
	"strings"
	"time"

	"ergo.services/ergo/gen"

	"github.com/ergomcp/ergomcp/internal/fanout"
	"github.com/ergomcp/ergomcp/tools/catalog"
)

// FanOut reports whether call asks for every node (node="*").
func FanOut(call *catalog.Call) bool {
	return catalog.CommonOf(call.Args).Node == fanout.All
}

// RunFanOut runs call, which asks for node="*", once per node: this node,
// every connected node and every node seen connected within the last hour
// (so one that stopped shows up as an error rather than vanishing). invoke
// runs one call for one node, as the dispatcher does for any call, at most
// parallel at a time: each remote hop holds a dispatcher worker.
func (rt *Runtime) RunFanOut(ctx context.Context, node gen.Node, call *catalog.Call, parallel int, invoke catalog.InvokerFunc) catalog.Result {
	if !call.Tool.FanOut {
		return errorResult(catalog.Errorf("tool %s does not accept node=\"*\"; these do: %s", call.Tool.Name, strings.Join(fanOutTools(), ", ")))
	}
	if err := rt.Policy.Check(call.Tool); err != nil {
		return errorResult(err)
	}
	local := string(node.Name())
	var connected []string
	if node.Network().Mode() == gen.NetworkModeEnabled {
		for _, n := range node.Network().Nodes() {
			connected = append(connected, string(n))
		}
	}
	targets, skipped := rt.peers.Targets(local, connected, time.Now())
	if call.Progress != nil {
		call.Progress(0, float64(len(targets)), "asking "+strings.Join(targets, ", "))
	}
	parts := fanout.Run(ctx, targets, parallel, func(ctx context.Context, n string) fanout.Answer {
		sub := *call
		sub.Args = withNode(call.Args, n)
		sub.Progress = nil // progress of several nodes at once would read as one
		res := invoke(ctx, &sub)
		return fanout.Answer{Text: res.Text, IsError: res.IsError, Timeout: res.Timeout}
	})
	text, err := fanout.Merge(call.Tool.Name, parts, skipped, rt.Budget)
	if err != nil {
		return errorResult(catalog.Errorf("%v", err))
	}
	return catalog.Result{Text: text}
}

// withNode copies decoded arguments with their node set to n.
func withNode(args any, n string) any {
	out := catalog.CopyArgs(args)
	catalog.CommonOf(out).Node = n
	return out
}

func fanOutTools() []string {
	var names []string
	for _, t := range Registry.Tools() {
		if t.FanOut {
			names = append(names, t.Name)
		}
	}
	sort.Strings(names)
	return names
}
