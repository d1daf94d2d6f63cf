package tools

import (
	"github.com/ergomcp/ergomcp/tools/catalog"
)

type networkNodeInfoArgs struct {
	catalog.Common
	PeerArg
}

func init() {
	register(catalog.Tool{
		Name:  "network_node_info",
		Title: "One connected peer",
		Description: "One connected peer (gen.RemoteNodeInfo): uptimes, versions, flags, pool, message and byte counters. Never " +
			"connects.",
	}, networkNodeInfo)
}

func networkNodeInfo(env *Env, args *networkNodeInfoArgs) (any, error) {
	net, err := env.network()
	if err != nil {
		return nil, err
	}
	rn, err := connectedPeer(net, args.Name)
	if err != nil {
		return nil, err
	}
	return peerRecord(rn.Info())
}
