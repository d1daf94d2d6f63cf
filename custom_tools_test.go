package ergomcp_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"ergo.services/ergo/act"
	"ergo.services/ergo/gen"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/ergomcp/ergomcp"
	"github.com/ergomcp/ergomcp/internal/mcptest"
	"github.com/ergomcp/ergomcp/internal/testnode"
)

// shelf is a service actor the custom tools ask: it answers a call with
// its items whose name starts with the prefix it is sent.
type shelf struct {
	act.Actor
	items []shelfItem
}

type shelfItem struct {
	Name  string
	Stock int
}

func (s *shelf) Init(args ...any) error {
	for i := range 200 {
		s.items = append(s.items, shelfItem{Name: fmt.Sprintf("item-%03d", i), Stock: i})
	}
	return nil
}

func (s *shelf) HandleCall(from gen.PID, ref gen.Ref, request any) (any, error) {
	prefix, _ := request.(string)
	var out []shelfItem
	for _, it := range s.items {
		if strings.HasPrefix(it.Name, prefix) {
			out = append(out, it)
		}
	}
	return out, nil
}

type stockArgs struct {
	ergomcp.CommonArgs
	Prefix string `json:"prefix,omitempty" arg:"required" jsonschema:"item name prefix"`
	Limit  int    `json:"limit,omitempty" arg:"min=1,max=500,default=10"`
}

// stockTool reads the shelf through the dispatcher worker it runs in.
func stockTool() ergomcp.Tool {
	return ergomcp.NewTool("shop_stock", "Items on the shelf whose name starts with prefix, with their stock.",
		func(ctx context.Context, p gen.Process, args *stockArgs) (any, error) {
			v, err := p.Call(gen.Atom("shop_shelf"), args.Prefix)
			if err != nil {
				return nil, fmt.Errorf("asking the shelf: %w", err)
			}
			items := v.([]shelfItem)
			return items[:min(args.Limit, len(items))], nil
		})
}

type nodeNameArgs struct{ ergomcp.CommonArgs }

// whereTool answers which node ran it; it accepts node="*".
func whereTool() ergomcp.Tool {
	t := ergomcp.NewTool("shop_where", "The node that ran this tool.",
		func(ctx context.Context, p gen.Process, args *nodeNameArgs) (any, error) {
			return map[string]string{"Node": string(p.Node().Name())}, nil
		})
	t.FanOut = true
	return t
}

type restockArgs struct {
	ergomcp.CommonArgs
	Name string `json:"name,omitempty" arg:"required"`
}

// restockTool is an action: refused unless EnableActions.
func restockTool(ran *int) ergomcp.Tool {
	t := ergomcp.NewTool("shop_restock", "Restocks an item.", func(ctx context.Context, p gen.Process, args *restockArgs) (any, error) {
		*ran++
		return "restocked", nil
	})
	t.Kind = ergomcp.ActionTool
	return t
}

func withShelf(no *gen.NodeOptions) {
	no.Applications = append(no.Applications, specApp(gen.ApplicationSpec{
		Name:  "shop",
		Group: []gen.ApplicationMemberSpec{{Name: "shop_shelf", Factory: func() gen.ProcessBehavior { return &shelf{} }}},
	}))
}

// TestCustomTools: tools of the service's own, added through Options.Tools,
// are listed with their schema, run in a worker that can call the service,
// and go through the policy, the response budget, the audit log and the
// cluster like ergomcp's own.
func TestCustomTools(t *testing.T) {
	port := mcptest.FreePort(t)
	restocked := 0
	entry, err := startNetNodeWith(t, "ctentry", ergomcp.Options{
		Port:           port,
		Tools:          []ergomcp.Tool{stockTool(), whereTool(), restockTool(&restocked)},
		ResponseBudget: 2048,
		DenyTools:      []string{"shop_secret*"},
	}, withShelf)
	if err != nil {
		t.Fatal(err)
	}
	// peer registered the same tools; bare did not.
	peer, err := startNetNodeWith(t, "ctpeer", ergomcp.Options{Tools: []ergomcp.Tool{stockTool(), whereTool()}}, withShelf)
	if err != nil {
		t.Fatal(err)
	}
	bare := startNetNode(t, "ctbare", ergomcp.Options{})
	for _, n := range []gen.Atom{peer.Name(), bare.Name()} {
		if _, err := entry.Network().GetNode(n); err != nil {
			t.Fatalf("connect %s: %v", n, err)
		}
	}
	s := mcptest.Connect(t, mcptest.URL(port), "")

	// Listed with the schema its arg tags declare; the action is hidden
	// while actions are off.
	list, err := s.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var stock *mcp.Tool
	for _, tool := range list.Tools {
		switch tool.Name {
		case "shop_stock":
			stock = tool
		case "shop_restock":
			t.Errorf("shop_restock is listed although actions are off")
		}
	}
	if stock == nil {
		t.Fatalf("shop_stock is not in tools/list")
	}
	schema, _ := stock.InputSchema.(map[string]any)
	props, _ := schema["properties"].(map[string]any)
	limit, _ := props["limit"].(map[string]any)
	if fmt.Sprint(schema["required"]) != "[prefix]" || limit["minimum"] != 1.0 || limit["maximum"] != 500.0 || limit["default"] != 10.0 ||
		!stock.Annotations.ReadOnlyHint {
		t.Errorf("shop_stock schema %v, annotations %+v", schema, stock.Annotations)
	}

	// Callable: the handler asked the service's actor.
	var items struct {
		Total int
		Items []shelfItem
	}
	mcptest.Call(t, s, "shop_stock", map[string]any{"prefix": "item-01", "limit": 3}, &items)
	if items.Total != 3 || len(items.Items) != 3 || items.Items[2] != (shelfItem{"item-012", 12}) {
		t.Fatalf("shop_stock: %+v", items)
	}
	// The declared bounds are enforced before the handler runs.
	if msg := mcptest.ErrorText(t, mcptest.Call(t, s, "shop_stock", map[string]any{"prefix": "item", "limit": 501}, nil)); !strings.Contains(msg, "limit must be between 1 and 500 (default 10), got 501") {
		t.Errorf("limit over its maximum: %s", msg)
	}
	if msg := mcptest.ErrorText(t, mcptest.Call(t, s, "shop_stock", nil, nil)); !strings.Contains(msg, "prefix is required: item name prefix") {
		t.Errorf("required prefix: %s", msg)
	}

	// The response budget cuts a long answer and says so.
	var cut struct {
		Total, Returned int
		Truncated       bool
		TruncatedBy     string `json:"truncated_by"`
	}
	mcptest.Call(t, s, "shop_stock", map[string]any{"prefix": "item", "limit": 200}, &cut)
	if cut.Total != 200 || !cut.Truncated || cut.TruncatedBy != "response_budget" || cut.Returned == 0 || cut.Returned >= 200 {
		t.Errorf("200 items in 2048 bytes: %+v", cut)
	}

	// The policy: an action is refused without EnableActions.
	if msg := mcptest.ErrorText(t, mcptest.Call(t, s, "shop_restock", map[string]any{"name": "item-001"}, nil)); !strings.Contains(msg, "Options.EnableActions") || restocked != 0 {
		t.Errorf("shop_restock without actions (ran %d times): %s", restocked, msg)
	}

	// On another node: run there where that node registered the tool,
	// refused with the reason where it did not.
	var where struct{ Node string }
	mcptest.Call(t, s, "shop_where", map[string]any{"node": string(peer.Name())}, &where)
	if where.Node != string(peer.Name()) {
		t.Errorf("shop_where on the peer ran on %q", where.Node)
	}
	msg := mcptest.ErrorText(t, mcptest.Call(t, s, "shop_where", map[string]any{"node": string(bare.Name())}, nil))
	if !strings.Contains(msg, `unknown tool "shop_where" on node `+string(bare.Name())) || !strings.Contains(msg, "only if that node registered it too") {
		t.Errorf("shop_where on a node without it: %s", msg)
	}
	var all fanOutResult
	mcptest.Call(t, s, "shop_where", map[string]any{"node": "*"}, &all)
	status := all.byNode()
	if all.Nodes != 3 || all.OK != 2 || status[string(entry.Name())] != "ok" || status[string(peer.Name())] != "ok" || status[string(bare.Name())] != "error" {
		t.Errorf("shop_where node=*: %+v", all)
	}

	// Audited like any call.
	type entryRec struct{ Tool, Node, Outcome string }
	var audit struct{ Calls []entryRec }
	mcptest.Call(t, s, "audit_log", map[string]any{"limit": 9}, &audit)
	want := []entryRec{
		{"shop_where", "*", "ok"},
		{"shop_where", string(bare.Name()), "error"},
		{"shop_where", string(peer.Name()), "ok"},
		{"shop_restock", "", "refused"},
		{"shop_stock", "", "ok"},
		{"shop_stock", "", "error"},
		{"shop_stock", "", "error"},
		{"shop_stock", "", "ok"},
	}
	if len(audit.Calls) < len(want) {
		t.Fatalf("audit: %+v", audit)
	}
	for i, w := range want {
		if audit.Calls[i] != w {
			t.Errorf("audit call %d: %+v, want %+v", i, audit.Calls[i], w)
		}
	}
}

// TestCustomToolsBudgetRefusesObjects: an object over the budget cannot be
// cut without misleading, so it is refused with the reason.
func TestCustomToolsBudgetRefusesObjects(t *testing.T) {
	big := ergomcp.NewTool("shop_report", "A report too large for the budget.",
		func(ctx context.Context, p gen.Process, args *nodeNameArgs) (any, error) {
			return map[string]string{"Report": strings.Repeat("x", 4096)}, nil
		})
	_, s := openSession(t, ergomcp.Options{Tools: []ergomcp.Tool{big}, ResponseBudget: 2048}, startNode)
	s.fail("shop_report", nil, "over the response budget of 2048 bytes")
}

// TestCustomToolsRefusedAtStart: a declaration that cannot be served stops
// the node from starting, saying which tool and why.
func TestCustomToolsRefusedAtStart(t *testing.T) {
	type noCommon struct{ Prefix string }
	type badTag struct {
		ergomcp.CommonArgs
		Limit int `json:"limit" arg:"max=lots"`
	}
	noop := func(ctx context.Context, p gen.Process, args *nodeNameArgs) (any, error) { return nil, nil }
	fan := ergomcp.NewTool("shop_fan", "x", noop)
	fan.FanOut, fan.Kind = true, ergomcp.MutatingTool
	for _, c := range []struct {
		name  string
		tools []ergomcp.Tool
		want  string
	}{
		{"built-in name", []ergomcp.Tool{ergomcp.NewTool("node_info", "x", noop)}, `Options.Tools: tool "node_info" is one of ergomcp's own tools`},
		{"twice", []ergomcp.Tool{stockTool(), stockTool()}, `tool "shop_stock" is declared twice`},
		{"no CommonArgs", []ergomcp.Tool{ergomcp.NewTool("shop_x", "x", func(ctx context.Context, p gen.Process, args *noCommon) (any, error) { return nil, nil })}, "does not embed catalog.Common"},
		{"bad tag", []ergomcp.Tool{stockTool(), ergomcp.NewTool("shop_x", "x", func(ctx context.Context, p gen.Process, args *badTag) (any, error) { return nil, nil })}, `Options.Tools[1]: catalog: shop_x: argument limit: max="lots" is not a number`},
		{"bad name", []ergomcp.Tool{ergomcp.NewTool("shop x", "x", noop)}, `bad tool name "shop x"`},
		{"not from NewTool", []ergomcp.Tool{{Name: "shop_x"}}, `tool "shop_x" was not built with ergomcp.NewTool`},
		{"nil handler", []ergomcp.Tool{ergomcp.NewTool[nodeNameArgs]("shop_x", "x", nil)}, `tool "shop_x": the handler is nil`},
		{"fan-out action", []ergomcp.Tool{fan}, "FanOut is for read-only tools only"},
	} {
		_, err := testnode.Start(t, "ctbad", []gen.ApplicationBehavior{ergomcp.CreateApp(ergomcp.Options{Tools: c.tools})})
		if err == nil {
			t.Errorf("%s: the node started", c.name)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
}
