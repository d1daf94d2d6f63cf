package ergomcp_test

import (
	"fmt"
	"net"
	"os"
	"sync"
	"testing"

	"ergo.services/ergo"
	"ergo.services/ergo/gen"
	"ergo.services/ergo/net/registrar"

	"github.com/ergomcp/ergomcp"
)

// registrarPort is this test binary's own registrar: nodes of other test
// processes running at the same time (go test runs packages in parallel)
// never see each other.
var registrarPort = sync.OnceValue(func() uint16 {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(fmt.Sprintf("no free port for the test registrar: %v", err))
	}
	defer l.Close()
	return uint16(l.Addr().(*net.TCPAddr).Port)
})

// startNetNode starts a node with networking on loopback: its own acceptor
// port, this binary's registrar and cookie. prefix names it uniquely.
func startNetNode(t testing.TB, prefix string, opts ergomcp.Options) gen.Node {
	t.Helper()
	node, err := startNetNodeWith(t, prefix, opts, func(*gen.NodeOptions) {})
	if err != nil {
		t.Fatal(err)
	}
	return node
}

// startNetNodeWith is startNetNode with the node options adjusted by edit;
// it returns the start error instead of failing.
func startNetNodeWith(t testing.TB, prefix string, opts ergomcp.Options, edit func(*gen.NodeOptions)) (gen.Node, error) {
	t.Helper()
	var no gen.NodeOptions
	no.Network.Mode = gen.NetworkModeEnabled
	no.Network.Cookie = fmt.Sprintf("cookie-%d", os.Getpid())
	no.Network.Registrar = registrar.Create(registrar.Options{Port: registrarPort()})
	no.Network.Acceptors = []gen.AcceptorOptions{{Host: "localhost", Port: freePort(t)}}
	no.Log.DefaultLogger.Disable = true
	no.Applications = []gen.ApplicationBehavior{ergomcp.CreateApp(opts)}
	edit(&no)
	name := gen.Atom(fmt.Sprintf("%s%d_%d@localhost", prefix, os.Getpid(), nodeSeq.Add(1)))
	node, err := ergo.StartNode(name, no)
	if err == nil {
		t.Cleanup(func() { stopNode(t, node) })
	}
	return node, err
}
