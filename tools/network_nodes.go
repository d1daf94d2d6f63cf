package tools

import (
	"encoding/json"
	"time"

	"ergo.services/ergo/gen"

	"github.com/ergomcp/ergomcp/internal/catalog"
	"github.com/ergomcp/ergomcp/internal/netq"
	"github.com/ergomcp/ergomcp/internal/record"
	"github.com/ergomcp/ergomcp/internal/result"
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
			"ConnectionUptime well below Uptime: the link was re-established. Seen: what ergomcp saw since it started " +
			"(Healthy false = connected but pings unanswered, i.e. hung; Reconnects, LastDisconnect, last ping).",
		Enums: map[string][]any{"sort_by": netq.SortKeys()},
	}, networkNodes)
}

func networkNodes(env *Env, args *networkNodesArgs) (any, error) {
	net, err := env.network()
	if err != nil {
		return nil, err
	}
	env.Server.Observe(env.Node())
	now := time.Now()
	top := netq.NewTop[gen.RemoteNodeInfo](&args.Args, env.gather(args.Limit))
	for _, name := range net.Nodes() {
		rn, err := net.Node(name)
		if err != nil {
			continue // disconnected since Nodes listed it
		}
		ri := rn.Info()
		peer := netq.Peer{
			Name: string(ri.Node), Uptime: ri.Uptime, ConnectionUptime: ri.ConnectionUptime,
			MessagesIn: ri.MessagesIn, MessagesOut: ri.MessagesOut, BytesIn: ri.BytesIn, BytesOut: ri.BytesOut,
		}
		top.Offer(&peer, func() gen.RemoteNodeInfo { return ri })
	}
	kept := top.Result()
	list := &result.List{Total: top.Matched(), Truncated: len(kept) < top.Matched(), ItemsKey: "nodes"}
	for i := range kept {
		item, err := peerRecord(kept[i], record.Field{Name: "Seen", Value: seenOf(env.Server, string(kept[i].Node), now)})
		if err != nil {
			return nil, err
		}
		list.Items = append(list.Items, json.RawMessage(item))
	}
	return list, nil
}

// peerSeen is what ergomcp saw of a connected peer, beside ergo's record:
// ergo forgets a connection when it ends and cannot tell a peer that
// stopped answering from a healthy one.
type peerSeen struct {
	Healthy bool
	// Why says what is wrong when not Healthy.
	Why                     string `json:",omitempty"`
	FirstSeen               string `json:",omitempty"`
	ConnectedSince          string `json:",omitempty"`
	Reconnects, Disconnects int
	LastDisconnect          string  `json:",omitempty"`
	LastPingAt              string  `json:",omitempty"`
	LastPingMs              float64 `json:",omitempty"`
	LastPingError           string  `json:",omitempty"`
	UnansweredPings         int     `json:",omitempty"`
}

func seenOf(rt *Server, name string, now time.Time) peerSeen {
	n, ok := rt.Peers.Get(name)
	if !ok {
		return peerSeen{Healthy: true}
	}
	s := peerSeen{Healthy: !n.Hung(now), FirstSeen: rfc3339(n.FirstSeen), ConnectedSince: rfc3339(n.Since),
		Reconnects: n.Reconnects, Disconnects: n.Disconnects, LastDisconnect: rfc3339(n.LastDisconnect),
		LastPingAt: rfc3339(n.LastPing.At), LastPingError: n.LastPing.Err, UnansweredPings: n.Unanswered}
	if n.LastPing.OK {
		s.LastPingMs = float64(n.LastPing.RTT.Microseconds()) / 1000
	}
	if !s.Healthy {
		s.Why = n.Story(now)
	}
	return s
}

func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
