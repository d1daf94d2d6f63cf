package tools

import (
	"errors"
	"slices"

	"ergo.services/ergo/gen"

	"github.com/ergomcp/ergomcp/internal/catalog"
	"github.com/ergomcp/ergomcp/internal/record"
)

type registrarInfoArgs struct {
	catalog.Common
}

// maxRegistrarNodes bounds the registered nodes registrar_info lists.
const maxRegistrarNodes = 1000

func init() {
	register(catalog.Tool{
		Name:  "registrar_info",
		Title: "Registrar summary",
		Description: "The registrar (gen.RegistrarInfo): server, embedded or not, supported features, version and the nodes " +
			"registered there when it can list them.",
		OpenWorld: true,
	}, registrarInfo)
}

func registrarInfo(env *Env, args *registrarInfoArgs) (any, error) {
	reg, err := env.registrar()
	if err != nil {
		return nil, err
	}
	nodes, err := awaitNet(env.Ctx, "listing the registrar's nodes", reg.Nodes)
	var fields []record.Field
	switch {
	case errors.Is(err, gen.ErrUnsupported):
		fields = []record.Field{{Name: "NodesUnavailable", Value: "this registrar does not list registered nodes (ergo's embedded registrar does from 3.3 on)"}}
	case err != nil:
		fields = []record.Field{{Name: "NodesUnavailable", Value: err.Error()}}
	default:
		slices.Sort(nodes)
		shown := nodes[:min(len(nodes), maxRegistrarNodes)]
		fields = []record.Field{
			{Name: "NodesTotal", Value: len(nodes)},
			{Name: "NodesTruncated", Value: len(shown) < len(nodes)},
			{Name: "Nodes", Value: shown},
		}
	}
	return record.Append(nil, reg.Info(), nil, fields...)
}
