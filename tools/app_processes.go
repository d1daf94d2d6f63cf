package tools

import (
	"github.com/ergomcp/ergomcp/internal/catalog"
	"github.com/ergomcp/ergomcp/internal/query"
	"github.com/ergomcp/ergomcp/internal/record"
)

type appProcessesArgs struct {
	catalog.Common
	catalog.Page
	Name   string `json:"name" arg:"required" jsonschema:"as app_list shows it"`
	Limit  int    `json:"limit,omitempty" arg:"rule=list_limit"`
	SortBy string `json:"sort_by,omitempty" jsonschema:"largest first; pid (default) ascending"`
}

// Validate requires the name and checks limit and sort_by as process_list
// does, filling the default limit.
func (a *appProcessesArgs) Validate() error {
	if err := requireAppName(a.Name); err != nil {
		return err
	}
	pa := a.processArgs()
	if err := pa.Validate(); err != nil {
		return err
	}
	a.Limit = pa.Limit
	return nil
}

// processArgs is the process_list query these arguments stand for.
func (a *appProcessesArgs) processArgs() query.ProcessArgs {
	return query.ProcessArgs{Application: a.Name, Limit: a.Limit, SortBy: a.SortBy}
}

func init() {
	register(catalog.Tool{
		Name:  "app_processes",
		Title: "Processes of an application",
		Description: "Every process of one application as process_list records (same columns and sort_by). sort_by=mailbox finds the " +
			"application's slowest consumer.",
		Enums: map[string][]any{"sort_by": query.Enums()["sort_by"]},
	}, appProcesses)
}

func appProcesses(env *Env, args *appProcessesArgs) (any, error) {
	if _, err := env.appInfo(args.Name); err != nil {
		return nil, err
	}
	pa := args.processArgs()
	list, err := env.topProcesses("app_processes", &pa, record.Field{Name: "application", Value: args.Name})
	if err != nil {
		return nil, err
	}
	return list, nil
}
