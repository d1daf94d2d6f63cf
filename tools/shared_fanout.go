package tools

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"ergo.services/ergo/gen"

	"github.com/ergomcp/ergomcp/internal/catalog"
	"github.com/ergomcp/ergomcp/internal/fanout"
	"github.com/ergomcp/ergomcp/internal/peers"
)

// registrarListWait bounds the wait for the registrar's node list in a
// fan-out: a registrar that is slow must not eat the nodes' time.
const registrarListWait = time.Second

// lasting is implemented by arguments whose call takes at least a known
// time wherever it runs (a window): the fan-out plans its rounds with it.
type lasting interface {
	Lasts() time.Duration
}

// RunFanOut runs call, which asks for node="*", once per node: this node,
// every connected node, every node seen connected since ergomcp started
// (within peers.Keep, so one that stopped shows up as gone rather than
// vanishing) and the nodes the registrar lists where it can. invoke runs
// one call for one node, as the dispatcher does for any call, at most
// parallel at a time; remote calls wait in hops, not workers, so parallel
// may be as large as the fan-out. The entry node's policy was checked
// before (actors.Router), each target checks its own.
func (rt *Server) RunFanOut(ctx context.Context, node gen.Node, call *catalog.Call, parallel int, invoke catalog.InvokerFunc) catalog.Result {
	if !call.Tool.FanOut {
		return errorResult(catalog.Errorf("tool %s does not accept node=\"*\"; these do: %s", call.Tool.Name, strings.Join(rt.fanOutTools(), ", ")))
	}
	local := string(node.Name())
	others, note := rt.clusterNodes(ctx, node)
	targets, skipped := fanout.Targets(local, others)
	var lasts time.Duration
	if l, ok := call.Args.(lasting); ok {
		lasts = l.Lasts()
	}
	left := time.Duration(catalog.DefaultTimeout) * time.Second
	if d, ok := ctx.Deadline(); ok {
		left = time.Until(d)
	}
	if _, err := fanout.Plan(len(targets), parallel, lasts, left); err != nil {
		return errorResult(catalog.Errorf("%s on node=\"*\": %v", call.Tool.Name, err))
	}
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
	rt.markGone(node, parts)
	text, err := fanout.Merge(call.Tool.Name, parts, skipped, note, rt.Budget)
	if err != nil {
		return errorResult(catalog.Wrap(err))
	}
	return catalog.Result{Text: text}
}

// clusterNodes lists the nodes besides this one a fan-out asks, and a note
// on those it cannot know.
func (rt *Server) clusterNodes(ctx context.Context, node gen.Node) (names []string, note string) {
	rt.Observe(node)
	names = rt.Peers.Names()
	net := node.Network()
	if net.Mode() != gen.NetworkModeEnabled {
		return names, ""
	}
	for _, n := range net.Nodes() {
		names = append(names, string(n))
	}
	since := "since ergomcp started watching"
	if start := rt.Peers.Started(); !start.IsZero() {
		since += " at " + start.UTC().Format(time.RFC3339)
	}
	reg, err := net.Registrar()
	if err != nil || reg == nil {
		return names, "this node has no registrar: nodes never seen connected " + since + " cannot be listed"
	}
	wctx, cancel := context.WithTimeout(ctx, registrarListWait)
	defer cancel()
	listed, err := awaitNet(wctx, "registrar node list", reg.Nodes)
	if err != nil {
		why := "cannot list nodes"
		if errors.Is(err, gen.ErrUnsupported) {
			why = "does not list nodes (ergo's embedded registrar lists them from 3.3)"
		}
		return names, fmt.Sprintf("the registrar (%s) %s: nodes never seen connected %s cannot be listed and are not in this answer", registrarName(reg), why, since)
	}
	for _, n := range listed {
		names = append(names, string(n))
	}
	return names, ""
}

// markGone turns the failed parts of nodes that are remembered but not
// connected into "gone since T".
func (rt *Server) markGone(node gen.Node, parts []fanout.Part) {
	rt.Observe(node)
	for i := range parts {
		p := &parts[i]
		if p.Status == fanout.StatusOK {
			continue
		}
		if n, ok := rt.Peers.Get(p.Node); ok && !n.Connected {
			p.Status, p.GoneSince = fanout.StatusGone, n.LastDisconnect.UTC().Format(time.RFC3339)
			p.Error = "gone since " + n.LastDisconnect.UTC().Format(time.RFC3339) + ": " + p.Error
		}
	}
}

// Observe takes a look at the connected nodes for the peer memory; the
// dispatcher's watch calls it every second, tools before they read it.
func (rt *Server) Observe(node gen.Node) {
	net := node.Network()
	if net == nil || net.Mode() != gen.NetworkModeEnabled {
		return
	}
	var conns []peers.Conn
	for _, name := range net.Nodes() {
		rn, err := net.Node(name)
		if err != nil {
			continue // gone since Nodes listed it
		}
		ri := rn.Info()
		conns = append(conns, peers.Conn{Name: string(name), ConnectionUptime: ri.ConnectionUptime, Uptime: ri.Uptime})
	}
	rt.Peers.Observe(time.Now(), conns)
}

// withNode copies decoded arguments with their node set to n.
func withNode(args any, n string) any {
	out := catalog.CopyArgs(args)
	catalog.CommonOf(out).Node = n
	return out
}

func (rt *Server) fanOutTools() []string {
	var names []string
	for _, t := range rt.Tools.Tools() {
		if t.FanOut {
			names = append(names, t.Name)
		}
	}
	sort.Strings(names)
	return names
}
