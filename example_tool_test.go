package ergomcp_test

import (
	"context"
	"fmt"
	"strings"

	"ergo.services/ergo"
	"ergo.services/ergo/gen"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/ergomcp/ergomcp"
)

// queueArgs are the arguments of the example's tool: every tool takes
// CommonArgs (node, timeout); its own arguments are declared, with their
// bounds and defaults, once in their tags.
type queueArgs struct {
	ergomcp.CommonArgs
	Queue string `json:"queue,omitempty" arg:"required" jsonschema:"the queue's name"`
	Top   int    `json:"top,omitempty" arg:"min=1,max=100,default=5" jsonschema:"how many waiting jobs to show"`
}

// A tool of the service's own: it is listed and called like ergomcp's
// tools, under the same policy, response budget and audit log.
func ExampleNewTool() {
	depth := ergomcp.NewTool("queue_depth", "Jobs waiting in one of the service's queues.",
		func(ctx context.Context, p gen.Process, args *queueArgs) (any, error) {
			// A real handler would ask the queue's actor: p.Call(...).
			return map[string]any{"Queue": args.Queue, "Waiting": 42, "Shown": args.Top}, nil
		})
	node, err := ergo.StartNode("queues@localhost", gen.NodeOptions{
		Applications: []gen.ApplicationBehavior{
			ergomcp.CreateApp(ergomcp.Options{Port: 19923, Tools: []ergomcp.Tool{depth}}),
		},
		// Only to keep the example self-contained and quiet.
		Network: gen.NetworkOptions{Mode: gen.NetworkModeDisabled},
		Log:     gen.LogOptions{DefaultLogger: gen.DefaultLoggerOptions{Disable: true}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer node.Stop()

	ctx := context.Background()
	client := mcp.NewClient(&mcp.Implementation{Name: "example", Version: "1"}, nil)
	session, err := client.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: "http://localhost:19923/mcp"}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer session.Close()
	for _, args := range []map[string]any{{"queue": "orders"}, {"queue": "orders", "top": 500}} {
		res, err := session.CallTool(ctx, &mcp.CallToolParams{Name: "queue_depth", Arguments: args})
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(res.IsError, strings.TrimSpace(res.Content[0].(*mcp.TextContent).Text))
	}
	// Output:
	// false {"Queue":"orders","Shown":5,"Waiting":42}
	// true top must be between 1 and 100 (default 5), got 500
}
