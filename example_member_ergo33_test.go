//go:build ergo33

package ergomcp_test

import (
	"fmt"

	"ergo.services/ergo"
	"ergo.services/ergo/app"
	"ergo.services/ergo/gen"

	"github.com/ergomcp/ergomcp"
)

// shop is a service's own application in ergo 3.3's shape (it embeds
// app.Application) with ergomcp among its members.
type shop struct{ app.Application }

func (*shop) Load(...any) (gen.ApplicationSpec, error) {
	return gen.ApplicationSpec{
		Name: "shop",
		Group: []gen.ApplicationMemberSpec{
			// ... the service's own members, then:
			ergomcp.Member(ergomcp.Options{Port: 19923}),
		},
	}, nil
}

// Member places ergomcp's supervisor inside an application of your own, on
// any ergo version, instead of running it as an application of its own.
func ExampleMember() {
	node, err := ergo.StartNode("shop_member@localhost", gen.NodeOptions{
		Applications: []gen.ApplicationBehavior{&shop{}},
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
