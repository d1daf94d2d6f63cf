package tools

import (
	"ergo.services/ergo/gen"

	"github.com/ergomcp/ergomcp/internal/catalog"
	"github.com/ergomcp/ergomcp/internal/record"
	"github.com/ergomcp/ergomcp/internal/redact"
)

type appInfoArgs struct {
	catalog.Common
	Name string `json:"name" arg:"required" jsonschema:"as app_list shows it"`
}

// Validate requires the name.
func (a *appInfoArgs) Validate() error { return requireAppName(a.Name) }

func init() {
	register(catalog.Tool{
		Name:  "app_info",
		Title: "Application details",
		Description: "One application's gen.ApplicationInfo: description, version, mode, state, dependencies, uptime and Group (its " +
			"top-level PIDs). Env only with Security.ExposeEnvInfo, secrets redacted. Unknown name: the error lists the " +
			"known ones.",
	}, appInfo)
}

func appInfo(env *Env, args *appInfoArgs) (any, error) {
	info, err := env.appInfo(args.Name)
	if err != nil {
		return nil, err
	}
	// ergo already empties Env unless ExposeEnvInfo; redaction still hides
	// the secrets of a node that exposes its env.
	return record.Append(nil, info, []string{"Env"},
		record.Field{Name: "Env", Value: redact.Map(info.Env, func(k gen.Env) string { return k.String() })})
}
