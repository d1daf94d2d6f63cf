package ergomcp_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"ergo.services/ergo"
	"ergo.services/ergo/act"
	"ergo.services/ergo/gen"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/ergomcp/ergomcp"
	"github.com/ergomcp/ergomcp/internal/result"
)

var nodeSeq atomic.Int64

// startNode starts a real node with networking off and ergomcp in it.
func startNode(t *testing.T, opts ergomcp.Options) (gen.Node, error) {
	t.Helper()
	return startNodeWith(func(*gen.NodeOptions) {})(t, opts)
}

// startNodeWith is startNode with the node options adjusted by edit.
func startNodeWith(edit func(*gen.NodeOptions)) func(*testing.T, ergomcp.Options) (gen.Node, error) {
	return func(t *testing.T, opts ergomcp.Options) (gen.Node, error) {
		t.Helper()
		return newNode(t, opts, edit)
	}
}

// newNode starts a real node with networking off and ergomcp in it (unless
// edit takes it out), stopped at the end of tb; tests and benchmarks alike.
func newNode(tb testing.TB, opts ergomcp.Options, edit func(*gen.NodeOptions)) (gen.Node, error) {
	tb.Helper()
	var no gen.NodeOptions
	no.Network.Mode = gen.NetworkModeDisabled
	no.Log.DefaultLogger.Disable = true
	no.Applications = []gen.ApplicationBehavior{ergomcp.CreateApp(opts)}
	edit(&no)
	node, err := ergo.StartNode(gen.Atom(fmt.Sprintf("test%d_%d@localhost", os.Getpid(), nodeSeq.Add(1))), no)
	if err == nil {
		tb.Cleanup(func() { stopNode(tb, node) })
	}
	return node, err
}

// stopNode stops the node's applications from the inside before stopping
// the node. ergo 3.1/3.2's Node.Stop writes an application's stop reason
// after signalling its members and the last member reads it as it exits
// (node/application.go): a data race in ergo that the race detector would
// pin on whichever test stops a node. Ending each application's members
// first takes the path where the reason is set by the exiting member alone.
func stopNode(t testing.TB, node gen.Node) {
	t.Helper()
	for _, app := range node.ApplicationsRunning() {
		info, err := node.ApplicationInfo(app)
		if err != nil {
			continue
		}
		for _, pid := range info.Group {
			node.SendExit(pid, gen.TerminateReasonShutdown)
		}
	}
	waitFor(t, func() bool { return len(node.ApplicationsRunning()) == 0 })
	node.Stop()
}

// freePort asks the kernel for a port that is free right now.
func freePort(t testing.TB) uint16 {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return uint16(l.Addr().(*net.TCPAddr).Port)
}

// connect opens a go-sdk client session over HTTP.
func connect(t testing.TB, url string, token string) *mcp.ClientSession {
	t.Helper()
	httpClient := &http.Client{Transport: bearer{token}}
	client := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "1"}, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := client.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: url, HTTPClient: httpClient}, nil)
	if err != nil {
		t.Fatalf("connect %s: %v", url, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

type bearer struct{ token string }

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	if b.token != "" {
		r = r.Clone(r.Context())
		r.Header.Set("Authorization", "Bearer "+b.token)
	}
	return http.DefaultTransport.RoundTrip(r)
}

// call runs a tool and decodes its JSON text into out; isError results fail
// the test unless wantErr.
func call(t *testing.T, s *mcp.ClientSession, tool string, args map[string]any, out any) *mcp.CallToolResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := s.CallTool(ctx, &mcp.CallToolParams{Name: tool, Arguments: args})
	if err != nil {
		t.Fatalf("%s: %v", tool, err)
	}
	text := res.Content[0].(*mcp.TextContent).Text
	if out != nil {
		if res.IsError {
			t.Fatalf("%s(%v): isError: %s", tool, args, text)
		}
		if err := decodeAnswer(text, out); err != nil {
			t.Fatalf("%s: result is not JSON: %v\n%s", tool, err, text)
		}
	}
	return res
}

// decodeAnswer decodes a tool's JSON answer into out, with every list in
// it (the default table form or format=records) read as one object per
// row: the one decoding every test in this package goes through.
func decodeAnswer(text string, out any) error {
	expanded, err := result.Expand([]byte(text))
	if err != nil {
		return err
	}
	return json.Unmarshal(expanded, out)
}

func errorText(t *testing.T, res *mcp.CallToolResult) string {
	t.Helper()
	if !res.IsError {
		t.Fatalf("expected isError, got %s", res.Content[0].(*mcp.TextContent).Text)
	}
	return res.Content[0].(*mcp.TextContent).Text
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
	port := freePort(t)
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
	waitFor(t, func() bool {
		info, err := node.ProcessInfo(pid)
		return err == nil && info.MailboxQueues.Main == sent-1 && info.State == gen.ProcessStateRunning
	})

	s := connect(t, fmt.Sprintf("http://localhost:%d/mcp", port), "")

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
	call(t, s, "process_list", map[string]any{"sort_by": "mailbox", "limit": 3}, &list)
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
	call(t, s, "process_list", map[string]any{"name": "blocker", "min_mailbox": 10, "state": "running"}, &list)
	if list.Total != 1 || list.Processes[0].PID != pid.String() {
		t.Fatalf("filtered list: %+v", list)
	}
	// A 3.3-only sort is refused with the reason before 3.3, and served on it.
	if ergo33 {
		call(t, s, "process_list", map[string]any{"sort_by": "wakeups", "limit": 1}, &list)
		if list.Returned != 1 {
			t.Errorf("wakeups sort on 3.3: %+v", list)
		}
	} else if msg := errorText(t, call(t, s, "process_list", map[string]any{"sort_by": "wakeups"}, nil)); !strings.Contains(msg, "3.3") {
		t.Errorf("wakeups sort error: %s", msg)
	}

	var info struct {
		PID           string
		Name          string
		MailboxQueues struct{ Main int64 }
		State         string
	}
	call(t, s, "process_info", map[string]any{"name": "test_blocker"}, &info)
	if info.PID != pid.String() || info.MailboxQueues.Main != sent-1 || info.State != "running" {
		t.Fatalf("process_info by name: %+v", info)
	}
	call(t, s, "process_info", map[string]any{"pid": pid.String()}, &info)
	if info.Name != "test_blocker" {
		t.Fatalf("process_info by pid: %+v", info)
	}
	foreign := strings.Replace(pid.String(), pid.String()[1:9], "00000000", 1)
	if msg := errorText(t, call(t, s, "process_info", map[string]any{"pid": foreign}, nil)); !strings.Contains(msg, "another node") {
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
	call(t, s, "node_info", nil, &ni)
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
	call(t, s, "runtime_stats", nil, &rs)
	if rs.Goroutines < 10 || rs.GoVersion == "" {
		t.Fatalf("runtime_stats: %+v", rs)
	}
}

func waitFor(t testing.TB, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached in 5s")
		}
		time.Sleep(10 * time.Millisecond)
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
	waitFor(t, func() bool { return registered(node, "ergomcp_dispatcher") })
	if registered(node, "ergomcp_listener") {
		t.Fatal("agent mode runs a listener")
	}
	if !registered(node, "ergomcp_samplers") || !registered(node, "ergomcp_sup") {
		t.Fatal("supervisor tree incomplete")
	}
}

func TestRefusesRemoteBindWithoutToken(t *testing.T) {
	_, err := startNode(t, ergomcp.Options{Host: "0.0.0.0", Port: freePort(t)})
	if err == nil || !strings.Contains(err.Error(), "Token") {
		t.Fatalf("non-loopback without token: %v", err)
	}
	// With a token the same bind is accepted.
	if _, err := startNode(t, ergomcp.Options{Host: "0.0.0.0", Port: freePort(t), Token: "s3cr3t-token"}); err != nil {
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
	port := freePort(t)
	if _, err := startNode(t, ergomcp.Options{Port: port, Token: "s3cr3t-token"}); err != nil {
		t.Fatal(err)
	}
	url := fmt.Sprintf("http://localhost:%d/mcp", port)
	resp, err := http.Post(url, "application/json", strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"ping"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("no token: HTTP %d", resp.StatusCode)
	}
	var ni struct{ Name string }
	call(t, connect(t, url, "s3cr3t-token"), "node_info", nil, &ni)
	if ni.Name == "" {
		t.Fatal("node_info with token")
	}
}

// hostApp places ergomcp's supervisor inside an application of its own.
func hostApp(member gen.ApplicationMemberSpec) gen.ApplicationBehavior {
	return specApp(gen.ApplicationSpec{Name: "host", Group: []gen.ApplicationMemberSpec{member}})
}

func TestMemberInHostApplication(t *testing.T) {
	port := freePort(t)
	var no gen.NodeOptions
	no.Network.Mode = gen.NetworkModeDisabled
	no.Log.DefaultLogger.Disable = true
	no.Applications = []gen.ApplicationBehavior{hostApp(ergomcp.Member(ergomcp.Options{Port: port}))}
	node, err := ergo.StartNode(gen.Atom(fmt.Sprintf("host%d@localhost", os.Getpid())), no)
	if err != nil {
		t.Fatal(err)
	}
	defer stopNode(t, node)
	var list struct {
		Processes []struct{ Name, Application string }
	}
	call(t, connect(t, fmt.Sprintf("http://localhost:%d/mcp", port), ""), "process_list",
		map[string]any{"application": "host", "name": "ergomcp_listener"}, &list)
	if len(list.Processes) != 1 || list.Processes[0].Application != "host" {
		t.Fatalf("ergomcp inside host app: %+v", list)
	}
	// Invalid options surface as a start error of the host application.
	no.Applications = []gen.ApplicationBehavior{hostApp(ergomcp.Member(ergomcp.Options{Port: port, PoolSize: -1}))}
	if bad, err := ergo.StartNode(gen.Atom(fmt.Sprintf("hostbad%d@localhost", os.Getpid())), no); err == nil {
		stopNode(t, bad)
		t.Fatal("invalid PoolSize accepted")
	} else if !strings.Contains(err.Error(), "PoolSize") {
		t.Fatalf("invalid PoolSize: %v", err)
	}
}
