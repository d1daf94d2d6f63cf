package tools

import (
	"github.com/ergomcp/ergomcp/internal/catalog"
	"github.com/ergomcp/ergomcp/internal/record"
)

type networkDisconnectArgs struct {
	catalog.Common
	PeerArg
}

func init() {
	register(catalog.Tool{
		Name:  "network_disconnect",
		Title: "Disconnect from a node",
		Kind:  catalog.Mutating,
		// A second call finds nothing to disconnect and says so.
		Idempotent: true,
		OpenWorld:  true,
		Description: "Closes this node's connection to peer name. Processes linked to or monitoring processes on " +
			"that node get exit/down messages, and the next message to it reconnects through routes or the registrar. " +
			"Returns the peer's gen.RemoteNodeInfo as it was just before (final traffic counters) with Disconnected. " +
			"A node that is not connected is an error that lists the connected ones. Mutating: refused unless the " +
			"operator set Options.EnableActions.",
	}, networkDisconnect)
}

func networkDisconnect(env *Env, args *networkDisconnectArgs) (any, error) {
	net, err := env.peerNetwork(args.Name)
	if err != nil {
		return nil, err
	}
	rn, err := connectedPeer(net, args.Name)
	if err != nil {
		return nil, err
	}
	last := rn.Info()
	rn.Disconnect()
	return peerRecord(last, record.Field{Name: "Disconnected", Value: true})
}
