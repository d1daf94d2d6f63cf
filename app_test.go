package ergomcp_test

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"

	"ergo.services/ergo/act"
	"ergo.services/ergo/gen"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/ergomcp/ergomcp"
	"github.com/ergomcp/ergomcp/internal/mcptest"
	"github.com/ergomcp/ergomcp/internal/testnode"
)

// startNode starts a real node with networking off and ergomcp in it.
func startNode(t *testing.T, opts ergomcp.Options) (gen.Node, error) {
	t.Helper()
	return newNode(t, opts)
}

// startNodeWith is startNode with the node options adjusted by edit.
func startNodeWith(edit func(*gen.NodeOptions)) func(*testing.T, ergomcp.Options) (gen.Node, error) {
	return func(t *testing.T, opts ergomcp.Options) (gen.Node, error) {
		t.Helper()
		return newNode(t, opts, edit)
	}
}

// newNode starts a real node with networking off and ergomcp in it (unless
// an edit takes it out), stopped at the end of tb; tests and benchmarks alike.
func newNode(tb testing.TB, opts ergomcp.Options, edits ...func(*gen.NodeOptions)) (gen.Node, error) {
	tb.Helper()
	return testnode.Start(tb, "test", []gen.ApplicationBehavior{ergomcp.CreateApp(opts)}, edits...)
}

// blocker handles its first message by waiting until release closes, so
// every later message stays in its mailbox: a known mailbox depth.
type blocker struct {
	act.Actor
	release chan struct{}
}

func (b *blocker) Init(args ...any) error {
	b.release = args[0].(chan struct{})
	return nil
}

func (b *blocker) HandleMessage(from gen.PID, message any) error {
	<-b.release
	return nil
}

func TestAppServesFirstTools(t *testing.T) {
	port := mcptest.FreePort(t)
	node, err := startNode(t, ergomcp.Options{Port: port})
	if err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	defer close(release)
	pid, err := node.SpawnRegister("test_blocker", func() gen.ProcessBehavior { return &blocker{} }, gen.ProcessOptions{}, release)
	if err != nil {
		t.Fatal(err)
	}
	const sent = 25
	for i := range sent {
		if err := node.Send(pid, i); err != nil {
			t.Fatal(err)
		}
	}
	// The first message is being handled (blocked); the rest wait.
	mcptest.WaitFor(t, func() bool {
		info, err := node.ProcessInfo(pid)
		return err == nil && info.MailboxQueues.Main == sent-1 && info.State == gen.ProcessStateRunning
	})

	s := mcptest.Connect(t, mcptest.URL(port), "")

	tools, err := s.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]*mcp.Tool{}
	for _, tl := range tools.Tools {
		listed[tl.Name] = tl
	}
	for _, name := range []string{"node_info", "process_list", "process_info", "runtime_stats"} {
		tl, ok := listed[name]
		if !ok {
			t.Fatalf("tools/list lacks %s", name)
		}
		if tl.Annotations == nil || !tl.Annotations.ReadOnlyHint || (tl.Annotations.DestructiveHint != nil && *tl.Annotations.DestructiveHint) {
			t.Errorf("%s annotations: %+v", name, tl.Annotations)
		}
	}

	var list struct {
		Total     int
		Returned  int
		Truncated bool
		Processes []struct {
			PID             string
			Name            string
			MessagesMailbox uint64
			State           string
			Utilization     *float64
		}
		Unavailable map[string]string
	}
	mcptest.Call(t, s, "process_list", map[string]any{"sort_by": "mailbox", "limit": 3}, &list)
	if list.Returned != 3 || len(list.Processes) != 3 || !list.Truncated || list.Total <= 3 {
		t.Fatalf("envelope: total %d returned %d truncated %v", list.Total, list.Returned, list.Truncated)
	}
	top := list.Processes[0]
	if top.Name != "test_blocker" || top.PID != pid.String() || top.MessagesMailbox != sent-1 || top.State != "running" {
		t.Fatalf("top by mailbox: %+v, want test_blocker %s with %d queued", top, pid, sent-1)
	}
	if _, ok := list.Unavailable["Wakeups"]; ok == ergo33 {
		t.Errorf("Wakeups listed unavailable %v on a node where ergo33=%v: %v", ok, ergo33, list.Unavailable)
	}

	// Filters: a name substring and a mailbox floor select exactly the blocker.
	mcptest.Call(t, s, "process_list", map[string]any{"name": "blocker", "min_mailbox": 10, "state": "running"}, &list)
	if list.Total != 1 || list.Processes[0].PID != pid.String() {
		t.Fatalf("filtered list: %+v", list)
	}
	// A 3.3-only sort is refused with the reason before 3.3, and served on it.
	if ergo33 {
		mcptest.Call(t, s, "process_list", map[string]any{"sort_by": "wakeups", "limit": 1}, &list)
		if list.Returned != 1 {
			t.Errorf("wakeups sort on 3.3: %+v", list)
		}
	} else if msg := mcptest.ErrorText(t, mcptest.Call(t, s, "process_list", map[string]any{"sort_by": "wakeups"}, nil)); !strings.Contains(msg, "3.3") {
		t.Errorf("wakeups sort error: %s", msg)
	}

	var info struct {
		PID           string
		Name          string
		MailboxQueues struct{ Main int64 }
		State         string
	}
	mcptest.Call(t, s, "process_info", map[string]any{"name": "test_blocker"}, &info)
	if info.PID != pid.String() || info.MailboxQueues.Main != sent-1 || info.State != "running" {
		t.Fatalf("process_info by name: %+v", info)
	}
	mcptest.Call(t, s, "process_info", map[string]any{"pid": pid.String()}, &info)
	if info.Name != "test_blocker" {
		t.Fatalf("process_info by pid: %+v", info)
	}
	foreign := strings.Replace(pid.String(), pid.String()[1:9], "00000000", 1)
	if msg := mcptest.ErrorText(t, mcptest.Call(t, s, "process_info", map[string]any{"pid": foreign}, nil)); !strings.Contains(msg, "another node") {
		t.Errorf("foreign PID: %s", msg)
	}

	var ni struct {
		Name           string
		ProcessesTotal int64
		GoVersion      string
		Capabilities   struct {
			MailboxLatency bool
			Unavailable    map[string]string
		}
	}
	mcptest.Call(t, s, "node_info", nil, &ni)
	if ni.Name != string(node.Name()) || ni.ProcessesTotal < 5 || !strings.HasPrefix(ni.GoVersion, "go") {
		t.Fatalf("node_info: %+v", ni)
	}
	if ni.Capabilities.MailboxLatency != ergo33 || (ni.Capabilities.Unavailable["MailboxLatency"] == "") != ergo33 {
		t.Errorf("capabilities (ergo33=%v): %+v", ergo33, ni.Capabilities)
	}

	var rs struct {
		Goroutines    int64
		HeapLiveBytes uint64
		GCCycles      uint64
		GoVersion     string
	}
	mcptest.Call(t, s, "runtime_stats", nil, &rs)
	if rs.Goroutines < 10 || rs.GoVersion == "" {
		t.Fatalf("runtime_stats: %+v", rs)
	}
}

// registered reports whether a process with that name runs on node.
func registered(node gen.Node, name gen.Atom) bool {
	page, _ := node.ProcessListShortInfo(1000, 10000)
	for _, p := range page {
		if p.Name == name {
			return true
		}
	}
	return false
}

func TestAgentModeStartsNoListener(t *testing.T) {
	node, err := startNode(t, ergomcp.Options{})
	if err != nil {
		t.Fatal(err)
	}
	mcptest.WaitFor(t, func() bool { return registered(node, "ergomcp_dispatcher") })
	if registered(node, "ergomcp_listener") {
		t.Fatal("agent mode runs a listener")
	}
	if !registered(node, "ergomcp_samplers") || !registered(node, "ergomcp_sup") {
		t.Fatal("supervisor tree incomplete")
	}
}

func TestRefusesRemoteBindWithoutToken(t *testing.T) {
	_, err := startNode(t, ergomcp.Options{Host: "0.0.0.0", Port: mcptest.FreePort(t)})
	if err == nil || !strings.Contains(err.Error(), "Token") {
		t.Fatalf("non-loopback without token: %v", err)
	}
	// With a token the same bind is accepted.
	if _, err := startNode(t, ergomcp.Options{Host: "0.0.0.0", Port: mcptest.FreePort(t), Token: "s3cr3t-token"}); err != nil {
		t.Fatalf("with token: %v", err)
	}
}

func TestPortInUse(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_, err = startNode(t, ergomcp.Options{Host: "127.0.0.1", Port: uint16(l.Addr().(*net.TCPAddr).Port)})
	if err == nil || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("port in use: %v", err)
	}
}

func TestTokenRequired(t *testing.T) {
	port := mcptest.FreePort(t)
	if _, err := startNode(t, ergomcp.Options{Port: port, Token: "s3cr3t-token"}); err != nil {
		t.Fatal(err)
	}
	url := mcptest.URL(port)
	resp, err := http.Post(url, "application/json", strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"ping"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("no token: HTTP %d", resp.StatusCode)
	}
	var ni struct{ Name string }
	mcptest.Call(t, mcptest.Connect(t, url, "s3cr3t-token"), "node_info", nil, &ni)
	if ni.Name == "" {
		t.Fatal("node_info with token")
	}
}

// hostApp places ergomcp's supervisor inside an application of its own.
func hostApp(member gen.ApplicationMemberSpec) gen.ApplicationBehavior {
	return specApp(gen.ApplicationSpec{Name: "host", Group: []gen.ApplicationMemberSpec{member}})
}

func TestMemberInHostApplication(t *testing.T) {
	port := mcptest.FreePort(t)
	if _, err := testnode.Start(t, "host", []gen.ApplicationBehavior{hostApp(ergomcp.Member(ergomcp.Options{Port: port}))}); err != nil {
		t.Fatal(err)
	}
	var list struct {
		Processes []struct{ Name, Application string }
	}
	mcptest.Call(t, mcptest.Connect(t, mcptest.URL(port), ""), "process_list",
		map[string]any{"application": "host", "name": "ergomcp_listener"}, &list)
	if len(list.Processes) != 1 || list.Processes[0].Application != "host" {
		t.Fatalf("ergomcp inside host app: %+v", list)
	}
	// Invalid options surface as a start error of the host application.
	if _, err := testnode.Start(t, "hostbad", []gen.ApplicationBehavior{hostApp(ergomcp.Member(ergomcp.Options{Port: port, PoolSize: -1}))}); err == nil {
		t.Fatal("invalid PoolSize accepted")
	} else if !strings.Contains(err.Error(), "PoolSize") {
		t.Fatalf("invalid PoolSize: %v", err)
	}
}
