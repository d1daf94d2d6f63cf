package ergomcp_test

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"ergo.services/ergo/gen"

	"github.com/ergomcp/ergomcp"
	"github.com/ergomcp/ergomcp/internal/mcptest"
)

// netNode is a networked test node and the port of its acceptor.
type netNode struct {
	gen.Node
	port uint16
}

// netStarter returns a start function for openSession that starts a
// networked node named with prefix and records it in *got.
func netStarter(prefix string, got *netNode) func(*testing.T, ergomcp.Options) (gen.Node, error) {
	return func(t *testing.T, opts ergomcp.Options) (gen.Node, error) {
		node, err := startNetNodeWith(t, prefix, opts, func(no *gen.NodeOptions) { got.port = no.Network.Acceptors[0].Port })
		got.Node = node
		return node, err
	}
}

// startPeer starts a networked node without ergomcp's listener.
func startPeer(t *testing.T, prefix string) netNode {
	t.Helper()
	var n netNode
	if _, err := netStarter(prefix, &n)(t, ergomcp.Options{}); err != nil {
		t.Fatal(err)
	}
	return n
}

type peerInfo struct {
	Node             string
	Uptime           int64
	ConnectionUptime int64
	MessagesOut      uint64
	BytesOut         uint64
	PoolDSN          []string
	AlreadyConnected bool
	Disconnected     bool
	Route            struct {
		Host         string
		Port         int
		TLS          bool
		CustomCookie bool
	}
}

type peerList struct {
	Total     int
	Returned  int
	Truncated bool
	Nodes     []peerInfo
}

func (l peerList) names() []string {
	var n []string
	for _, p := range l.Nodes {
		n = append(n, p.Node)
	}
	return n
}

func TestNetworkTools(t *testing.T) {
	var a netNode
	_, s := openSession(t, ergomcp.Options{EnableActions: true}, netStarter("nta", &a))
	b, c := startPeer(t, "ntb"), startPeer(t, "ntc")
	cookie := a.Network().Cookie()
	const wrongCookie = "wrong-cookie-7f3a9"
	bName, cName := string(b.Name()), string(c.Name())

	// Nothing connected yet.
	var list peerList
	s.ok("network_nodes", nil, &list)
	if list.Total != 0 {
		t.Fatalf("peers before any connection: %+v", list)
	}

	// Connect to B through the registrar; a second call finds it connected.
	var p peerInfo
	s.ok("network_connect", map[string]any{"name": bName}, &p)
	if p.Node != bName || p.AlreadyConnected {
		t.Fatalf("network_connect: %+v", p)
	}
	s.ok("network_connect", map[string]any{"name": bName}, &p)
	if !p.AlreadyConnected {
		t.Errorf("second network_connect: %+v", p)
	}
	s.fail("network_connect", map[string]any{"name": string(a.Name())}, "is this node")
	s.fail("network_connect", map[string]any{"name": "nobody@localhost"}, "no route to nobody@localhost", "network_connect_route")

	// Connect to C by its acceptor's address with the cookie.
	route := map[string]any{"name": cName, "host": "localhost", "port": int(c.port), "cookie": cookie}
	s.ok("network_connect_route", route, &p)
	if p.Node != cName || p.AlreadyConnected || p.Route.Port != int(c.port) || !p.Route.CustomCookie || p.Route.Host != "localhost" {
		t.Fatalf("network_connect_route: %+v", p)
	}

	// Traffic to B only, so that the byte filters and sorts tell them apart.
	if _, err := b.SpawnRegister("ntb_sink", idleFactory, gen.ProcessOptions{}); err != nil {
		t.Fatal(err)
	}
	payload := strings.Repeat("x", 4096)
	for range 5 {
		if err := a.Send(gen.ProcessID{Name: "ntb_sink", Node: b.Name()}, payload); err != nil {
			t.Fatal(err)
		}
	}
	mcptest.WaitFor(t, func() bool {
		rn, err := a.Network().Node(b.Name())
		return err == nil && rn.Info().BytesOut >= 5*4096
	})

	s.ok("network_nodes", nil, &list)
	if list.Total != 2 || !slices.Equal(list.names(), []string{bName, cName}) {
		t.Fatalf("peers by name: %+v", list)
	}
	s.ok("network_nodes", map[string]any{"sort_by": "bytes_out", "limit": 1}, &list)
	if list.Total != 2 || list.Returned != 1 || !list.Truncated || list.Nodes[0].Node != bName || list.Nodes[0].BytesOut < 5*4096 {
		t.Fatalf("top peer by bytes_out: %+v", list)
	}
	s.ok("network_nodes", map[string]any{"min_bytes_out": 5 * 4096}, &list)
	if !slices.Equal(list.names(), []string{bName}) {
		t.Errorf("min_bytes_out: %+v", list)
	}
	s.ok("network_nodes", map[string]any{"name": "ntc"}, &list)
	if !slices.Equal(list.names(), []string{cName}) {
		t.Errorf("name filter: %+v", list)
	}
	s.ok("network_nodes", map[string]any{"min_connection_uptime": 3600}, &list)
	if list.Total != 0 {
		t.Errorf("min_connection_uptime: %+v", list)
	}
	s.fail("network_nodes", map[string]any{"sort_by": "latency"}, `sort_by "latency" is not valid`, "bytes_out")
	s.fail("network_nodes", map[string]any{"min_bytes_in": -1}, "min_bytes_in must not be negative")
	s.fail("network_nodes", map[string]any{"limit": 10001}, "limit must be between 1 and 10000")

	s.ok("network_node_info", map[string]any{"name": bName}, &p)
	if p.Node != bName || p.MessagesOut < 5 || len(p.PoolDSN) == 0 {
		t.Errorf("network_node_info: %+v", p)
	}
	s.fail("network_node_info", map[string]any{"name": "nobody@localhost"}, "not connected", bName, cName)
	s.fail("network_node_info", nil, "name is required")
	s.fail("network_node_info", map[string]any{"name": "nohost"}, "not a node name")

	// The network as a whole: the acceptor's port, peers and their traffic.
	var ni struct {
		Mode       string
		Acceptors  []struct{ Interface string }
		NodesTotal int
		Nodes      []string
		PeerTotals struct {
			Peers    int
			BytesOut uint64
		}
		Registrar struct{ Version string }
	}
	s.ok("network_info", nil, &ni)
	suffix := fmt.Sprintf(":%d", a.port)
	if ni.Mode != "enabled" || len(ni.Acceptors) != 1 || !strings.HasSuffix(ni.Acceptors[0].Interface, suffix) ||
		ni.NodesTotal != 2 || ni.PeerTotals.Peers != 2 || ni.PeerTotals.BytesOut < 5*4096 || ni.Registrar.Version == "" {
		t.Errorf("network_info: %+v", ni)
	}
	var acc struct {
		Total     int
		Acceptors []struct {
			Interface string
			TLS       bool
		}
	}
	s.ok("network_acceptors", nil, &acc)
	if acc.Total != 1 || !strings.HasSuffix(acc.Acceptors[0].Interface, suffix) || acc.Acceptors[0].TLS {
		t.Errorf("network_acceptors: %+v", acc)
	}

	// Registrar: info, B's routes, and the features the embedded one lacks.
	var ri struct {
		Version          string
		NodesUnavailable string
		NodesTotal       int
	}
	s.ok("registrar_info", nil, &ri)
	if ri.Version == "" || (ri.NodesUnavailable == "" && ri.NodesTotal < 3) {
		t.Errorf("registrar_info: %+v", ri)
	}
	var routes struct {
		Name   string
		Total  int
		Routes []struct {
			Host string
			Port uint16
		}
	}
	s.ok("registrar_resolve", map[string]any{"name": bName}, &routes)
	if routes.Name != bName || routes.Total != 1 || routes.Routes[0].Port != b.port {
		t.Errorf("registrar_resolve: %+v (B listens on %d)", routes, b.port)
	}
	s.fail("registrar_resolve", map[string]any{"name": "nobody@localhost"}, "knows no node", "nobody@localhost")
	s.fail("registrar_resolve_proxy", map[string]any{"name": bName}, "does not support", "registrar_resolve")
	// ergo's embedded registrar keeps no application routes on any version
	// tested here; a registrar that does would list ergomcp on every node.
	var apps struct {
		Total             int
		ApplicationRoutes []struct{ Node, Name string }
	}
	if res := mcptest.Call(t, s.s, "registrar_resolve_app", map[string]any{"name": "ergomcp"}, nil); res.IsError {
		if msg := mcptest.ErrorText(t, s.record(res)); !strings.Contains(msg, "does not support") {
			t.Errorf("registrar_resolve_app: %s", msg)
		}
	} else {
		s.ok("registrar_resolve_app", map[string]any{"name": "ergomcp"}, &apps)
		if apps.Total == 0 {
			t.Errorf("registrar_resolve_app lists no node running ergomcp: %+v", apps)
		}
	}
	s.fail("registrar_resolve_app", nil, "name is required")

	// Disconnect C; the peer is gone from the list and a second call says so.
	s.ok("network_disconnect", map[string]any{"name": cName}, &p)
	if p.Node != cName || !p.Disconnected {
		t.Fatalf("network_disconnect: %+v", p)
	}
	mcptest.WaitFor(t, func() bool {
		s.ok("network_nodes", nil, &list)
		return slices.Equal(list.names(), []string{bName}) && !slices.Contains(c.Network().Nodes(), a.Name())
	})
	s.fail("network_disconnect", map[string]any{"name": cName}, "not connected", bName)

	// A wrong cookie is refused by C without either cookie in the error.
	route["cookie"] = wrongCookie
	msg := s.fail("network_connect_route", route, cName, "handshake failed", "cookie")
	if strings.Contains(msg, wrongCookie) || strings.Contains(msg, cookie) {
		t.Errorf("error reveals a cookie: %s", msg)
	}
	route["cookie"] = cookie
	s.ok("network_connect_route", route, &p)
	if p.Node != cName || p.AlreadyConnected {
		t.Errorf("reconnect by route: %+v", p)
	}

	// Nothing listens on a fresh free port: a clear dial error.
	s.fail("network_connect_route", map[string]any{"name": "nobody@localhost", "port": int(mcptest.FreePort(t))}, "nobody@localhost", "refused")

	// Bad route arguments.
	s.fail("network_connect_route", map[string]any{"name": cName, "port": 70000}, "port must be between 1 and 65535", "got 70000")
	s.fail("network_connect_route", map[string]any{"name": cName}, "port is required")
	s.fail("network_connect_route", map[string]any{"port": 1}, "name is required")

	s.neverShowed(cookie)
	s.neverShowed(wrongCookie)
}

func TestNetworkToolsWithoutNetworkOrActions(t *testing.T) {
	_, s := openSession(t, ergomcp.Options{}, startNode)
	var ni struct{ Mode, Note string }
	s.ok("network_info", nil, &ni)
	if ni.Mode != "disabled" || !strings.Contains(ni.Note, "disabled") {
		t.Errorf("network_info without network: %+v", ni)
	}
	for _, tool := range []string{"network_nodes", "network_acceptors", "registrar_info"} {
		s.fail(tool, nil, "networking is disabled")
	}
	s.fail("network_node_info", map[string]any{"name": "b@localhost"}, "networking is disabled")
	s.fail("registrar_resolve", map[string]any{"name": "b@localhost"}, "networking is disabled")
	// Mutating tools are refused before anything else happens.
	for tool, args := range map[string]map[string]any{
		"network_connect":       {"name": "b@localhost"},
		"network_connect_route": {"name": "b@localhost", "port": 1, "cookie": "c-" + fmt.Sprint(os.Getpid())},
		"network_disconnect":    {"name": "b@localhost"},
	} {
		s.fail(tool, args, "Options.EnableActions")
	}
}
