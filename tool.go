package ergomcp

import (
	"context"
	"fmt"
	"reflect"

	"ergo.services/ergo/gen"

	"github.com/ergomcp/ergomcp/internal/catalog"
	"github.com/ergomcp/ergomcp/internal/record"
	"github.com/ergomcp/ergomcp/internal/result"
	"github.com/ergomcp/ergomcp/tools"
)

// CommonArgs are the arguments every tool takes: node (run the tool on
// that cluster node) and timeout (seconds for the whole call). Embed it in
// the argument struct of a tool of your own; ergomcp reads it, the handler
// need not.
type CommonArgs = catalog.Common

// ToolKind says what a tool of your own may do to the node, and so which
// policy applies to it.
type ToolKind int

const (
	// ReadOnlyTool only observes; it runs unless AllowTools or DenyTools
	// say otherwise. The zero value.
	ReadOnlyTool ToolKind = iota
	// MutatingTool changes the node's or the service's configuration; it
	// is refused unless Options.EnableActions.
	MutatingTool
	// ActionTool acts on the application (sends, restarts, evicts); it is
	// refused unless Options.EnableActions.
	ActionTool
)

// Tool is a tool of the service's own, served beside ergomcp's tools
// (Options.Tools). Build it with NewTool, then set the optional fields.
type Tool struct {
	// Name is the tool's name in tools/list: unique among ergomcp's tools
	// and your own, without spaces.
	Name string
	// Title is the human-readable title; optional.
	Title string
	// Description tells the agent what the tool answers and when to call it.
	Description string
	// Kind is ReadOnlyTool by default.
	Kind ToolKind
	// Idempotent: calling twice with the same arguments has no extra
	// effect (a hint for mutating and action tools).
	Idempotent bool
	// FanOut lets a read-only tool take node="*": it runs on every node
	// running ergomcp and the answers are merged. A node that does not
	// serve the tool answers with an error saying so.
	FanOut bool

	declare func(catalog.Tool) (*tools.Tool, error)
}

// NewTool declares a tool of your own whose arguments are Args and whose
// handler is handler.
//
// Args is a struct that embeds CommonArgs; its fields are the tool's
// arguments, named by their json tags, described by their jsonschema tags
// and bounded by their arg tags, which the schema in tools/list states
// and the decoder enforces before handler runs:
//
//	type cacheArgs struct {
//		ergomcp.CommonArgs
//		Prefix string `json:"prefix,omitempty" arg:"required" jsonschema:"key prefix"`
//		Limit  int    `json:"limit,omitempty" arg:"min=1,max=1000,default=20"`
//		Order  string `json:"order,omitempty" arg:"enum=size|age,default=size"`
//	}
//
// handler runs in one of ergomcp's dispatcher workers, a process of the
// node, so it may call the service's processes with p (p.Call, p.Node());
// ctx ends at the call's deadline or when the caller goes away, and the
// handler should return then. Its value is sent as compact JSON: a slice
// of structs or maps becomes a list cut to the response budget and marked
// truncated, anything else larger than the budget is refused with an error
// that says so; a string is sent as is. An error becomes a tool error
// whose text the agent reads.
//
// A tool of your own goes through the same policy (AllowTools, DenyTools,
// EnableActions for Kind other than ReadOnlyTool), response budget and
// audit log as ergomcp's tools; called with node set to another node, it
// runs there only if that node's Options.Tools has it too. Mistakes in the
// declaration (a bad name or arg tag, Args without CommonArgs, a name that
// is taken) stop ergomcp from starting, with an error saying which.
func NewTool[Args any](name, description string, handler func(ctx context.Context, p gen.Process, args *Args) (any, error)) Tool {
	return Tool{
		Name:        name,
		Description: description,
		declare: func(t catalog.Tool) (*tools.Tool, error) {
			if handler == nil {
				return nil, fmt.Errorf("tool %q: the handler is nil", name)
			}
			return tools.New(t, func(env *tools.Env, args *Args) (any, error) {
				v, err := handler(env.Ctx, env.Process, args)
				if err != nil {
					return nil, err
				}
				return asList(v)
			})
		},
	}
}

// tool is t as ergomcp serves it.
func (t Tool) tool() (*tools.Tool, error) {
	if t.declare == nil {
		return nil, fmt.Errorf("tool %q was not built with ergomcp.NewTool", t.Name)
	}
	kind := catalog.ReadOnly
	switch t.Kind {
	case ReadOnlyTool:
	case MutatingTool:
		kind = catalog.Mutating
	case ActionTool:
		kind = catalog.Action
	default:
		return nil, fmt.Errorf("tool %q: unknown Kind %d", t.Name, t.Kind)
	}
	if t.FanOut && kind != catalog.ReadOnly {
		return nil, fmt.Errorf("tool %q: FanOut is for read-only tools only", t.Name)
	}
	return t.declare(catalog.Tool{
		Name: t.Name, Title: t.Title, Description: t.Description,
		Kind: kind, Idempotent: t.Idempotent, FanOut: t.FanOut,
		// What a service's tool reaches is unknown to ergomcp.
		OpenWorld: true,
	})
}

// registry is the node's tools: ergomcp's own and o.Tools.
func (o Options) registry() (*tools.Registry, error) {
	own := make([]*tools.Tool, 0, len(o.Tools))
	for i, t := range o.Tools {
		tool, err := t.tool()
		if err != nil {
			return nil, fmt.Errorf("ergomcp: Options.Tools[%d]: %w", i, err)
		}
		own = append(own, tool)
	}
	reg, err := tools.NewRegistry(own...)
	if err != nil {
		return nil, fmt.Errorf("ergomcp: Options.Tools: %w", err)
	}
	return reg, nil
}

// asList turns a slice of objects into a list, so that the response
// budget cuts it and says so instead of refusing the whole answer.
func asList(v any) (any, error) {
	rv := reflect.ValueOf(v)
	if !rv.IsValid() || (rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array) || rv.Type().Elem().Kind() == reflect.Uint8 {
		return v, nil
	}
	list := &result.List{Total: rv.Len()}
	for i := range rv.Len() {
		b, err := record.AppendValue(nil, rv.Index(i).Interface())
		if err != nil {
			return nil, fmt.Errorf("encoding item %d of the result: %w", i, err)
		}
		if len(b) == 0 || b[0] != '{' {
			return v, nil // not objects: a list's rows must be
		}
		list.Items = append(list.Items, b)
	}
	return list, nil
}
