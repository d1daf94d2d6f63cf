package tools

import (
	"slices"

	"ergo.services/ergo/gen"

	"github.com/ergomcp/ergomcp/internal/catalog"
	"github.com/ergomcp/ergomcp/internal/record"
)

type networkInfoArgs struct {
	catalog.Common
}

// maxInfoNodes bounds the connected peers network_info names; network_nodes
// pages through them with their traffic.
const maxInfoNodes = 100

// peerTotals sums the traffic counters of the connected peers: ergo 3.1/3.2
// keep counters per connection only, and a node-wide figure is the first
// thing an operator looks for.
type peerTotals struct {
	Peers       int
	MessagesIn  uint64
	MessagesOut uint64
	BytesIn     uint64
	BytesOut    uint64
}

func init() {
	register(catalog.Tool{
		Name:  "network_info",
		Title: "Network summary",
		Description: "The node's network (gen.NetworkInfo): mode, registrar, acceptors, routes, flags, the first 100 connected peers " +
			"and their summed traffic.",
	}, networkInfo)
}

func networkInfo(env *Env, args *networkInfoArgs) (any, error) {
	node := env.Node()
	net := node.Network()
	if net == nil || net.Mode() == gen.NetworkModeDisabled {
		// Not an error: "no network" is the answer to the question asked.
		return struct {
			Mode gen.NetworkMode
			Note string
		}{gen.NetworkModeDisabled, "networking is disabled on this node (gen.NetworkOptions.Mode): it has no peers, acceptors or registrar"}, nil
	}
	info, err := net.Info()
	if err != nil {
		return nil, catalog.Errorf("network info of %s: %v", node.Name(), err)
	}
	nodes := slices.Clone(info.Nodes)
	slices.Sort(nodes)
	shown := nodes[:min(len(nodes), maxInfoNodes)]
	return record.Append(nil, info, []string{"Nodes"},
		record.Field{Name: "NodesTotal", Value: len(nodes)},
		record.Field{Name: "NodesTruncated", Value: len(shown) < len(nodes)},
		record.Field{Name: "Nodes", Value: shown},
		record.Field{Name: "PeerTotals", Value: sumPeers(net, nodes)},
	)
}

// sumPeers adds up the counters of the peers still connected.
func sumPeers(net gen.Network, nodes []gen.Atom) peerTotals {
	var t peerTotals
	for _, name := range nodes {
		rn, err := net.Node(name)
		if err != nil {
			continue // disconnected since Info listed it
		}
		ri := rn.Info()
		t.Peers++
		t.MessagesIn += ri.MessagesIn
		t.MessagesOut += ri.MessagesOut
		t.BytesIn += ri.BytesIn
		t.BytesOut += ri.BytesOut
	}
	return t
}
