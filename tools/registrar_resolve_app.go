package tools

import (
	"encoding/json"

	"ergo.services/ergo/gen"

	"github.com/ergomcp/ergomcp/internal/catalog"
	"github.com/ergomcp/ergomcp/internal/record"
)

type registrarResolveAppArgs struct {
	catalog.Common
	Name string `json:"name,omitempty" arg:"required" jsonschema:"app_list shows this node's"`
}

func init() {
	register(catalog.Tool{
		Name:        "registrar_resolve_app",
		Title:       "Locate an application in the cluster",
		Description: "Where application name runs, per the registrar (the embedded registrar cannot say; app_list node=<peer> can).",
		OpenWorld:   true,
	}, registrarResolveApp)
}

func registrarResolveApp(env *Env, args *registrarResolveAppArgs) (any, error) {
	return env.resolveOn("application", args.Name, "ApplicationRoutes", "resolving application routes",
		"run app_list on each node instead (node=<peer>)", func(r gen.Resolver) (any, int, error) {
			routes, err := r.ResolveApplication(gen.Atom(args.Name))
			if err != nil {
				return nil, 0, err
			}
			// The result's type changed in ergo 3.3 (ApplicationRoutes):
			// ranging over it and encoding each element by reflection
			// compiles and works on every version.
			var items []json.RawMessage
			for _, route := range routes {
				item, err := record.Append(nil, route, nil)
				if err != nil {
					return nil, 0, err
				}
				items = append(items, item)
			}
			return items, len(items), nil
		})
}

// Validate requires the application name.
func (a *registrarResolveAppArgs) Validate() error {
	return requireText(&a.Name, "name is required: the application to locate in the cluster (app_list shows this node's)")
}
