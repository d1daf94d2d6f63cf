package ergomcp_test

import (
	"context"
	"encoding/json"
	"fmt"

	"ergo.services/ergo"
	"ergo.services/ergo/gen"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/ergomcp/ergomcp"
)

// The one-line embed: ergomcp runs as an application of the node and serves
// MCP at http://localhost:<Port>/mcp; any MCP client can then call its tools.
func ExampleCreateApp() {
	node, err := ergo.StartNode("shop@localhost", gen.NodeOptions{
		Applications: []gen.ApplicationBehavior{
			ergomcp.CreateApp(ergomcp.Options{Port: 19922}),
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

	fmt.Println(exampleNodeName("http://localhost:19922/mcp"))
	// Output: shop@localhost
}

// exampleNodeName asks the node ergomcp runs in for its name, as an MCP
// client would.
func exampleNodeName(url string) string {
	ctx := context.Background()
	client := mcp.NewClient(&mcp.Implementation{Name: "example", Version: "1"}, nil)
	session, err := client.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: url}, nil)
	if err != nil {
		return err.Error()
	}
	defer session.Close()
	res, err := session.CallTool(ctx, &mcp.CallToolParams{Name: "node_info"})
	if err != nil {
		return err.Error()
	}
	var info struct{ Name string }
	if err := json.Unmarshal([]byte(res.Content[0].(*mcp.TextContent).Text), &info); err != nil {
		return err.Error()
	}
	return info.Name
}
