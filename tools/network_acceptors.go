package tools

import (
	"encoding/json"

	"ergo.services/ergo/gen"

	"github.com/ergomcp/ergomcp/internal/catalog"
	"github.com/ergomcp/ergomcp/internal/record"
	"github.com/ergomcp/ergomcp/internal/result"
)

type networkAcceptorsArgs struct {
	catalog.Common
	catalog.Page
}

func init() {
	register(catalog.Tool{
		Name:  "network_acceptors",
		Title: "List acceptors",
		Description: "The node's acceptors (gen.AcceptorInfo): interface, TLS, flags, max message size, versions. Cookies never " +
			"shown.",
	}, networkAcceptors)
}

func networkAcceptors(env *Env, args *networkAcceptorsArgs) (any, error) {
	net, err := env.network()
	if err != nil {
		return nil, err
	}
	acceptors, err := net.Acceptors()
	if err != nil {
		return nil, catalog.Errorf("acceptors of %s: %v", env.Node().Name(), err)
	}
	list := &result.List{Total: len(acceptors), ItemsKey: "acceptors"}
	if net.Mode() == gen.NetworkModeHidden {
		list.Extra = []record.Field{{Name: "note", Value: "hidden mode: the node accepts no connections"}}
	}
	for _, a := range acceptors {
		// Info, not the Acceptor itself: its methods include Cookie.
		item, err := record.Append(nil, a.Info(), nil)
		if err != nil {
			return nil, err
		}
		list.Items = append(list.Items, json.RawMessage(item))
	}
	return list, nil
}
