package tools

import (
	"ergo.services/ergo/gen"

	"github.com/ergomcp/ergomcp/internal/catalog"
)

type registrarResolveProxyArgs struct {
	catalog.Common
	PeerArg
}

func init() {
	register(catalog.Tool{
		Name:        "registrar_resolve_proxy",
		Title:       "Resolve a node's proxy routes",
		Description: "Which nodes can proxy to node name, per the registrar (the embedded registrar cannot say).",
		OpenWorld:   true,
	}, registrarResolveProxy)
}

func registrarResolveProxy(env *Env, args *registrarResolveProxyArgs) (any, error) {
	return env.resolveOn("node", args.Name, "ProxyRoutes", "resolving proxy routes",
		"registrar_resolve gives direct routes", func(r gen.Resolver) (any, int, error) {
			routes, err := r.ResolveProxy(gen.Atom(args.Name))
			return routes, len(routes), err
		})
}
