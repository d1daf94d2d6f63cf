package tools

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"ergo.services/ergo/gen"

	"github.com/ergomcp/ergomcp/internal/catalog"
	"github.com/ergomcp/ergomcp/internal/remote"
)

// maxProbed bounds how many peers one call asks whether they run ergomcp.
const maxProbed = 64

// probeTimeout is what one peer gets to answer the probe; a healthy peer
// answers in milliseconds.
const probeTimeout = time.Second

type clusterNodesArgs struct {
	catalog.Common
}

// clusterNode is one node as cluster_nodes sees it.
type clusterNode struct {
	Name      string
	Self      bool
	Connected bool
	// Discovered: the registrar knows the node.
	Discovered bool
	// Ergomcp is "yes", "no", or "unknown" with Why.
	Ergomcp string
	Why     string `json:",omitempty"`
	// RoundTripMs of the probe, when the peer runs ergomcp.
	RoundTripMs float64 `json:",omitempty"`
	// Seen is what ergomcp saw of the node since it started watching
	// (connected since, gone since, reconnects, unanswered pings).
	Seen string `json:",omitempty"`
}

type clusterNodesResult struct {
	Self      string
	Network   string
	Discovery string `json:",omitempty"`
	Nodes     []clusterNode
	Truncated bool
}

func init() {
	register(catalog.Tool{
		Name:  "cluster_nodes",
		Title: "Cluster overview",
		Description: "This node, its connected peers, the nodes seen connected since ergomcp started (Seen: connected or gone " +
			"since when, reconnects, unanswered pings) and the registrar's nodes, each with whether it runs ergomcp (so " +
			"node=<name> works there). Probes up to 64 peers at once, 1 s each.",
		OpenWorld: true,
		// Probes wait on peers: run them off the worker pool.
		Long: true,
	}, clusterNodes)
}

func clusterNodes(env *Env, args *clusterNodesArgs) (any, error) {
	node := env.Node()
	net := node.Network()
	res := clusterNodesResult{Self: string(node.Name()), Network: net.Mode().String()}
	res.Nodes = append(res.Nodes, clusterNode{Name: string(node.Name()), Self: true, Connected: true, Ergomcp: "yes"})
	if net.Mode() != gen.NetworkModeEnabled {
		return res, nil
	}
	connected := net.Nodes()
	var discovered []gen.Atom
	if reg, err := net.Registrar(); err != nil {
		res.Discovery = "no registrar: " + err.Error()
	} else if discovered, err = reg.Nodes(); err != nil {
		res.Discovery = "the registrar does not list nodes: " + err.Error()
	}
	env.Server.Observe(node)
	var remembered []gen.Atom
	for _, n := range env.Server.Peers.Names() {
		remembered = append(remembered, gen.Atom(n))
	}
	names := slices.Concat(connected, discovered, remembered)
	slices.Sort(names)
	names = slices.Compact(names)
	var wg sync.WaitGroup
	for _, name := range names {
		if name == node.Name() {
			continue
		}
		if len(res.Nodes) > maxProbed {
			res.Truncated = true
			break
		}
		res.Nodes = append(res.Nodes, clusterNode{Name: string(name), Connected: slices.Contains(connected, name), Discovered: slices.Contains(discovered, name)})
	}
	now := time.Now()
	for i := range res.Nodes[1:] {
		n := &res.Nodes[i+1]
		if seen, ok := env.Server.Peers.Get(n.Name); ok {
			n.Seen = seen.Story(now)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			env.probeErgomcp(n, gen.Atom(n.Name))
		}()
	}
	wg.Wait()
	return res, nil
}

// probeErgomcp pings the ergomcp of node name, within the call's deadline.
func (e *Env) probeErgomcp(n *clusterNode, name gen.Atom) {
	deadline, _ := e.Ctx.Deadline()
	if d := time.Now().Add(probeTimeout); d.Before(deadline) {
		deadline = d
	}
	req, err := remote.NewRequest("", "", e.Call.Caller, deadline, time.Now())
	if err != nil {
		n.Ergomcp, n.Why = "unknown", "the call's deadline left no time to probe"
		return
	}
	start := time.Now()
	ctx, cancel := context.WithDeadline(e.Ctx, deadline)
	defer cancel()
	_, err = e.Server.callPeer(ctx, e.Node(), name, req, 0)
	switch {
	case err == nil:
		n.Ergomcp, n.RoundTripMs = "yes", float64(time.Since(start).Microseconds())/1000
	case e.Ctx.Err() != nil:
		n.Ergomcp, n.Why = "unknown", "the call's deadline passed"
	case errors.Is(err, gen.ErrProcessUnknown):
		n.Ergomcp = "no"
	default:
		n.Ergomcp, n.Why = "unknown", err.Error()
	}
}
