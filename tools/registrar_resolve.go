package tools

import (
	"errors"

	"ergo.services/ergo/gen"

	"github.com/ergomcp/ergomcp/internal/catalog"
	"github.com/ergomcp/ergomcp/internal/record"
)

type registrarResolveArgs struct {
	catalog.Common
	PeerArg
}

func init() {
	register(catalog.Tool{
		Name:        "registrar_resolve",
		Title:       "Resolve a node's routes",
		Description: "The routes the registrar gives for node name (host, port, TLS, versions): for network_connect failures.",
		OpenWorld:   true,
	}, registrarResolve)
}

func registrarResolve(env *Env, args *registrarResolveArgs) (any, error) {
	return env.resolveOn("node", args.Name, "Routes", "resolving node routes",
		"use network_connect_route with the peer's host and port", func(r gen.Resolver) (any, int, error) {
			routes, err := r.Resolve(gen.Atom(args.Name))
			return routes, len(routes), err
		})
}

// resolveOn asks the registrar's resolver about name, a kind ("node",
// "application"), and returns {Name, Registrar, Total, <key>: items}.
// feature names the question for errors; instead is what to try when the
// registrar cannot answer it. resolve returns the items and their count.
func (e *Env) resolveOn(kind, name, key, feature, instead string, resolve func(gen.Resolver) (any, int, error)) (any, error) {
	reg, err := e.registrar()
	if err != nil {
		return nil, err
	}
	resolver := reg.Resolver()
	if resolver == nil {
		return nil, catalog.Errorf("the registrar of this node (%s) has no resolver", registrarName(reg))
	}
	type answer struct {
		items any
		n     int
	}
	a, err := awaitNet(e.Ctx, feature+" of "+name, func() (answer, error) {
		items, n, err := resolve(resolver)
		return answer{items, n}, err
	})
	var ce *catalog.Error
	switch {
	case errors.As(err, &ce):
		return nil, ce
	case errors.Is(err, gen.ErrUnknown):
		return nil, catalog.Errorf("the registrar (%s) knows no %s named %q (%v): it is not running, not registered, "+
			"or the name differs (names are case-sensitive)", registrarName(reg), kind, name, err)
	case err != nil:
		return nil, registrarError(reg, err, feature+" of "+name, instead)
	}
	return record.Append(nil, nil, nil,
		record.Field{Name: "Name", Value: name},
		record.Field{Name: "Registrar", Value: registrarName(reg)},
		record.Field{Name: "Total", Value: a.n},
		record.Field{Name: key, Value: a.items},
	)
}
