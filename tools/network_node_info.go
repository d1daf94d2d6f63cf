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
		Description: "gen.RemoteNodeInfo of one connected peer (every field this ergo has): peer Uptime and " +
			"ConnectionUptime in seconds, Version, handshake and proto versions, NetworkFlags, connection pool " +
			"(PoolSize, PoolDSN), MaxMessageSize, MessagesIn/Out, BytesIn/Out and proxy transit bytes. A node that " +
			"is not connected is an error that lists the connected ones; this tool never connects (network_connect does).",
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
