package tools

import (
	"encoding/json"
	"slices"

	"ergo.services/ergo/gen"

	"github.com/ergomcp/ergomcp/internal/netq"
	"github.com/ergomcp/ergomcp/internal/result"
	"github.com/ergomcp/ergomcp/tools/catalog"
)

type networkNodesArgs struct {
	catalog.Common
	catalog.Page
	netq.Args
}

func init() {
	register(catalog.Tool{
		Name:  "network_nodes",
		Title: "List connected peers",
		Description: "Connected peers (gen.RemoteNodeInfo) with traffic over the current connection; sort_by for the busiest. " +
			"ConnectionUptime well below Uptime: the link was re-established.",
		Enums: map[string][]any{"sort_by": netq.SortKeys()},
	}, networkNodes)
}

// peerEntry is one connected peer: what the filters read, and the record.
type peerEntry struct {
	peer netq.Peer
	info gen.RemoteNodeInfo
}

func networkNodes(env *Env, args *networkNodesArgs) (any, error) {
	net, err := env.network()
	if err != nil {
		return nil, err
	}
	var matched []peerEntry
	for _, name := range net.Nodes() {
		rn, err := net.Node(name)
		if err != nil {
			continue // disconnected since Nodes listed it
		}
		ri := rn.Info()
		e := peerEntry{info: ri, peer: netq.Peer{
			Name: string(ri.Node), Uptime: ri.Uptime, ConnectionUptime: ri.ConnectionUptime,
			MessagesIn: ri.MessagesIn, MessagesOut: ri.MessagesOut, BytesIn: ri.BytesIn, BytesOut: ri.BytesOut,
		}}
		if args.Match(&e.peer) {
			matched = append(matched, e)
		}
	}
	order := args.Order()
	slices.SortFunc(matched, func(x, y peerEntry) int { return order(&x.peer, &y.peer) })
	kept := matched[:min(len(matched), env.gather(args.Limit))]
	list := &result.List{Total: len(matched), Truncated: len(kept) < len(matched), ItemsKey: "nodes"}
	for i := range kept {
		item, err := peerRecord(kept[i].info)
		if err != nil {
			return nil, err
		}
		list.Items = append(list.Items, json.RawMessage(item))
	}
	return list, nil
}
