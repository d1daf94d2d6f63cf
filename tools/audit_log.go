package tools

import (
	"encoding/json"

	"github.com/ergomcp/ergomcp/internal/record"
	"github.com/ergomcp/ergomcp/internal/result"
	"github.com/ergomcp/ergomcp/tools/catalog"
)

type auditLogArgs struct {
	catalog.Common
	catalog.Page
	Limit int `json:"limit,omitempty" arg:"min=1,max=1000,default=20" jsonschema:"most recent calls to show, newest first"`
}

func init() {
	register(catalog.Tool{
		Name:  "audit_log",
		Title: "Recent tool calls",
		Description: "The node's most recent ergomcp tool calls, newest first: time, caller (token subject, anonymous, or " +
			"'<caller> via <node>' for calls from other nodes), tool, target node, outcome (ok, error, timeout, cancelled, " +
			"refused), error text and duration. Argument values are never recorded. The node keeps the last 1000 calls; " +
			"total counts every call since start. Every call is also a line in the node's log.",
	}, auditLogTool)
}

func auditLogTool(env *Env, args *auditLogArgs) (any, error) {
	records, total := env.RT.Audit.Recent(env.gather(args.Limit))
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
