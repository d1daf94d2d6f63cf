// Package testnode starts real ergo nodes for tests: networking disabled,
// or on loopback with this test binary's own registrar and cookie; the
// default logger off; the applications under test in them; and each one
// stopped at the end of its test the way that leaves neither ergo's stop
// race nor its processes behind.
//
// It takes the applications as values, so the packages ergomcp itself
// imports (tools/) can start nodes in their tests without an import cycle;
// the MCP client side is internal/mcptest, which imports no ergo.
package testnode

import (
	"fmt"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"testing"

	"ergo.services/ergo"
	"ergo.services/ergo/gen"
	"ergo.services/ergo/net/registrar"

	"github.com/ergomcp/ergomcp/internal/mcptest"
)

var seq atomic.Int64

// Name is a node name no other node of this machine has: prefix, the
// test binary's process id and a sequence number.
func Name(prefix string) gen.Atom {
	return gen.Atom(fmt.Sprintf("%s%d_%d@localhost", prefix, os.Getpid(), seq.Add(1)))
}

// Start starts a node named for prefix (Name) with networking disabled and
// the default logger off, running apps; edits adjust the options last.
// The node is stopped (Stop) at the end of tb.
func Start(tb testing.TB, prefix string, apps []gen.ApplicationBehavior, edits ...func(*gen.NodeOptions)) (gen.Node, error) {
	tb.Helper()
	var no gen.NodeOptions
	no.Network.Mode = gen.NetworkModeDisabled
	no.Log.DefaultLogger.Disable = true
	no.Applications = apps
	for _, edit := range edits {
		edit(&no)
	}
	node, err := ergo.StartNode(Name(prefix), no)
	if err == nil {
		tb.Cleanup(func() { Stop(tb, node) })
	}
	return node, err
}

// MustStart is Start that fails the test when the node does not start.
func MustStart(tb testing.TB, prefix string, apps []gen.ApplicationBehavior, edits ...func(*gen.NodeOptions)) gen.Node {
	tb.Helper()
	node, err := Start(tb, prefix, apps, edits...)
	if err != nil {
		tb.Fatalf("starting node %s: %v", prefix, err)
	}
	return node
}

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

// RegistrarPort is the port of this test binary's registrar, which the
// first loopback node serves and the others (child processes too) use.
func RegistrarPort() uint16 { return registrarPort() }

// Cookie is the network cookie of this test binary's nodes.
func Cookie() string { return fmt.Sprintf("cookie-%d", os.Getpid()) }

// Loopback sets node options for networking on loopback: an acceptor on
// a free port, this binary's registrar and cookie.
func Loopback(no *gen.NodeOptions, port uint16) {
	no.Network.Mode = gen.NetworkModeEnabled
	no.Network.Cookie = Cookie()
	no.Network.Registrar = registrar.Create(registrar.Options{Port: RegistrarPort()})
	no.Network.Acceptors = []gen.AcceptorOptions{{Host: "localhost", Port: port}}
}

// StartLoopback is Start with networking on loopback (Loopback).
func StartLoopback(tb testing.TB, prefix string, apps []gen.ApplicationBehavior, edits ...func(*gen.NodeOptions)) (gen.Node, error) {
	tb.Helper()
	port := mcptest.FreePort(tb)
	loopback := func(no *gen.NodeOptions) { Loopback(no, port) }
	return Start(tb, prefix, apps, append([]func(*gen.NodeOptions){loopback}, edits...)...)
}

// Stop stops the node's applications from the inside before stopping
// the node. ergo 3.1/3.2's Node.Stop writes an application's stop reason
// after signalling its members and the last member reads it as it exits
// (node/application.go): a data race in ergo that the race detector would
// pin on whichever test stops a node. Ending each application's members
// first takes the path where the reason is set by the exiting member alone.
func Stop(tb testing.TB, node gen.Node) {
	tb.Helper()
	for _, app := range node.ApplicationsRunning() {
		info, err := node.ApplicationInfo(app)
		if err != nil {
			continue
		}
		for _, pid := range info.Group {
			node.SendExit(pid, gen.TerminateReasonShutdown)
		}
	}
	mcptest.Eventually(tb, mcptest.Wait, "the node's applications stopped", func() bool { return len(node.ApplicationsRunning()) == 0 })
	node.Stop()
}
