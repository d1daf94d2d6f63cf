//go:build !ergo33

package ergomcp_test

import (
	"fmt"

	"ergo.services/ergo"
	"ergo.services/ergo/gen"

	"github.com/ergomcp/ergomcp"
)

// shop is a service's own application (ergo 3.1/3.2 shape; on 3.3 it embeds
// app.Application and Load takes no node) with ergomcp among its members.
type shop struct{}

func (shop) Load(gen.Node, ...any) (gen.ApplicationSpec, error) {
	return gen.ApplicationSpec{
		Name: "shop",
		Group: []gen.ApplicationMemberSpec{
			// ... the service's own members, then:
			ergomcp.Member(ergomcp.Options{Port: 19923}),
		},
	}, nil
}
func (shop) Start(gen.ApplicationMode) {}
func (shop) Terminate(error)           {}

// Member places ergomcp's supervisor inside an application of your own, on
// any ergo version, instead of running it as an application of its own.
func ExampleMember() {
	node, err := ergo.StartNode("shop_member@localhost", gen.NodeOptions{
		Applications: []gen.ApplicationBehavior{shop{}},
		Network:      gen.NetworkOptions{Mode: gen.NetworkModeDisabled},
		Log:          gen.LogOptions{DefaultLogger: gen.DefaultLoggerOptions{Disable: true}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer node.Stop()

	fmt.Println(exampleNodeName("http://localhost:19923/mcp"))
	// Output: shop_member@localhost
}
