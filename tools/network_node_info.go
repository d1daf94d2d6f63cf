package tools

import (
	"time"

	"github.com/ergomcp/ergomcp/internal/catalog"
	"github.com/ergomcp/ergomcp/internal/record"
)

type networkNodeInfoArgs struct {
	catalog.Common
	PeerArg
}

func init() {
	register(catalog.Tool{
		Name:  "network_node_info",
		Title: "One connected peer",
		Description: "One connected peer (gen.RemoteNodeInfo): uptimes, versions, flags, pool, message and byte counters, and Seen: " +
			"what ergomcp saw of it (Healthy, reconnects, last disconnect, last ping). Never connects.",
	}, networkNodeInfo)
}

func networkNodeInfo(env *Env, args *networkNodeInfoArgs) (any, error) {
	net, err := env.network()
	if err != nil {
		return nil, err
	}
	rn, err := connectedPeer(net, args.Name)
	if err != nil {
		if _, ok := env.Server.Peers.Get(args.Name); ok {
			return nil, catalog.Errorf("%v; %s", err, env.Server.seen(env.Node(), args.Name))
		}
		return nil, err
	}
	env.Server.Observe(env.Node())
	return peerRecord(rn.Info(), record.Field{Name: "Seen", Value: seenOf(env.Server, args.Name, time.Now())})
}
