package tools

import (
	"encoding/json"

	"github.com/ergomcp/ergomcp/internal/catalog"
	"github.com/ergomcp/ergomcp/internal/record"
	"github.com/ergomcp/ergomcp/internal/result"
)

type auditLogArgs struct {
	catalog.Common
	catalog.Page
	Limit int `json:"limit,omitempty" arg:"min=1,max=1000,default=20"`
}

func init() {
	register(catalog.Tool{
		Name:  "audit_log",
		Title: "Recent tool calls",
		Description: "Recent ergomcp tool calls, newest first: time, caller, tool, target node, outcome, error and duration; never " +
			"argument values. Keeps the last 1000.",
	}, auditLogTool)
}

func auditLogTool(env *Env, args *auditLogArgs) (any, error) {
	records, total := env.Server.Audit.Recent(env.gather(args.Limit))
	list := &result.List{Total: int(total), Truncated: int(total) > len(records), ItemsKey: "calls", Items: make([]json.RawMessage, 0, len(records))}
	for _, r := range records {
		item, err := record.Append(nil, r, nil)
		if err != nil {
			return nil, err
		}
		list.Items = append(list.Items, item)
	}
	return list, nil
}
