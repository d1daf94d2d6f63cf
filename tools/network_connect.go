package tools

import (
	"errors"

	"ergo.services/ergo/gen"

	"github.com/ergomcp/ergomcp/internal/catalog"
	"github.com/ergomcp/ergomcp/internal/record"
)

type networkConnectArgs struct {
	catalog.Common
	PeerArg
}

func init() {
	register(catalog.Tool{
		Name:  "network_connect",
		Title: "Connect to a node",
		Kind:  catalog.Mutating,
		// Connecting twice leaves one connection.
		Idempotent: true,
		OpenWorld:  true,
		Description: "Connects this node to node name the way ergo does on first use: static routes first, then " +
			"the registrar, then proxy routes; returns the peer's gen.RemoteNodeInfo with AlreadyConnected (true " +
			"when a connection existed and nothing was done). A node no route leads to is an error: check the name " +
			"with registrar_resolve, or give the address with network_connect_route. Mutating: refused unless the " +
			"operator set Options.EnableActions.",
	}, networkConnect)
}

func networkConnect(env *Env, args *networkConnectArgs) (any, error) {
	return env.connectPeer(args.Name, "", func(net gen.Network) (gen.RemoteNode, error) {
		return net.GetNode(gen.Atom(args.Name))
	}, func(err error) error {
		if errors.Is(err, gen.ErrNoRoute) {
			return catalog.Errorf("no route to %s: no static route matches it and the registrar has no routes for it "+
				"(%v); check the name with registrar_resolve, or connect with network_connect_route (host, port)", args.Name, err)
		}
		return catalogError(err, "connecting to %s", args.Name)
	})
}

// connectPeer connects to peer name with dial unless a connection exists,
// and returns the peer's record with AlreadyConnected and extra. how says
// how it connects, for the deadline message; explain turns dial's error
// into the caller's.
func (e *Env) connectPeer(name, how string, dial func(gen.Network) (gen.RemoteNode, error), explain func(error) error, extra ...record.Field) (any, error) {
	net, err := e.peerNetwork(name)
	if err != nil {
		return nil, err
	}
	already := true
	rn, err := net.Node(gen.Atom(name))
	if err != nil {
		already = false
		rn, err = awaitNet(e.Ctx, "connecting to "+name+how, func() (gen.RemoteNode, error) { return dial(net) })
		if err != nil {
			return nil, explain(err)
		}
	}
	return peerRecord(rn.Info(), append([]record.Field{{Name: "AlreadyConnected", Value: already}}, extra...)...)
}

// catalogError keeps a catalog error (already written for the caller) as
// is and prefixes any other with what was being done.
func catalogError(err error, format string, args ...any) error {
	var ce *catalog.Error
	if errors.As(err, &ce) {
		return ce
	}
	return catalog.Errorf(format+": %w", append(args, err)...)
}
