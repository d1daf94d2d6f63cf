package ergomcp_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"ergo.services/ergo/gen"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/ergomcp/ergomcp"
	"github.com/ergomcp/ergomcp/internal/mcptest"
)

// workerCount is how many dispatcher workers (current and retired) run.
func workerCount(node gen.Node) int {
	page, _ := node.ProcessListShortInfo(1000, 100000)
	n := 0
	for _, p := range page {
		if strings.HasSuffix(p.Behavior, ".worker") && p.Application == ergomcp.AppName {
			n++
		}
	}
	return n
}

// TestCancelledCallFreesWorker cancels a call that ergo cannot interrupt
// (call_process of a process stuck in a callback waits its call_timeout)
// on a pool of one worker: the worker is released at once (callUntilDone)
// and takes the next calls; no worker needs replacing.
func TestCancelledCallFreesWorker(t *testing.T) {
	node, s := openSession(t, ergomcp.Options{PoolSize: 1, EnableActions: true}, startNode)
	release := make(chan struct{})
	stuck := spawnBlocked(t, node, "fault_stuck", release, 2)
	var once sync.Once
	free := func() { once.Do(func() { close(release) }) }
	defer free()

	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, err := s.s.CallTool(ctx, &mcp.CallToolParams{Name: "call_process", Arguments: map[string]any{
			"to": stuck.String(), "request": "hello", "call_timeout": 30, "timeout": 40}})
		errc <- err
	}()
	// The call's request waits in the stuck process's main queue.
	mcptest.WaitFor(t, func() bool {
		info, err := node.ProcessInfo(stuck)
		return err == nil && info.MailboxQueues.Main == 2
	})
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled call returned %v", err)
	}
	start := time.Now()
	var st struct{ State string }
	s.ok("process_state", map[string]any{"pid": stuck.String()}, &st)
	if took := time.Since(start); took > 2*time.Second || st.State != "running" {
		t.Fatalf("the next call took %s (state %q): it waited for the abandoned call", took, st.State)
	}
	// The dispatcher may still have replaced the worker if it saw the
	// caller leave before the worker was released; the old one then ends
	// with its released call, and one worker is left either way.
	mcptest.WaitFor(t, func() bool { return workerCount(node) == 1 })
	s.ok("node_info", nil, &struct{}{})
}

// rawSession is an MCP session driven over plain HTTP, to see exactly what
// the server writes and when.
type rawSession struct {
	t   *testing.T
	url string
	id  string
}

func openRaw(t *testing.T, url string) *rawSession {
	t.Helper()
	r := &rawSession{t: t, url: url}
	resp := r.post(context.Background(), `{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}`)
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	r.id = resp.Header.Get("Mcp-Session-Id")
	if r.id == "" {
		t.Fatalf("initialize: no session id (HTTP %d)", resp.StatusCode)
	}
	resp = r.post(context.Background(), `{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	t.Cleanup(func() {
		req, _ := http.NewRequest(http.MethodDelete, url, nil)
		req.Header.Set("Mcp-Session-Id", r.id)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	})
	return r
}

func (r *rawSession) post(ctx context.Context, body string) *http.Response {
	r.t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.url, strings.NewReader(body))
	if err != nil {
		r.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("MCP-Protocol-Version", "2025-06-18")
	if r.id != "" {
		req.Header.Set("Mcp-Session-Id", r.id)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	return resp
}

// TestDeadlineNeverWritesLate gives a call that cannot finish in time a
// 1 s deadline: the client gets the timeout at about 1 s as the only
// message of the response, which then ends; the tool's result, produced
// later, is written nowhere, and the audit log holds the call once, as a
// timeout.
func TestDeadlineNeverWritesLate(t *testing.T) {
	port := mcptest.FreePort(t)
	node, err := startNode(t, ergomcp.Options{Port: port, PoolSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	url := mcptest.URL(port)
	release := make(chan struct{})
	stuck := spawnBlocked(t, node, "late_stuck", release, 2)
	r := openRaw(t, url)

	start := time.Now()
	resp := r.post(context.Background(), fmt.Sprintf(
		`{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"process_inspect","arguments":{"pid":%q,"timeout":1}}}`, stuck))
	body, err := io.ReadAll(resp.Body) // to the end of the response stream
	resp.Body.Close()
	took := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	close(release) // the inspect is answered now; its result has nobody to go to
	text := string(body)
	if took < time.Second || took > 3*time.Second {
		t.Fatalf("response ended after %s, want about 1 s:\n%s", took, text)
	}
	var messages []string
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
			messages = append(messages, data)
		}
	}
	if len(messages) != 1 || !strings.Contains(messages[0], `"id":7`) || !strings.Contains(messages[0], `"isError":true`) ||
		!strings.Contains(messages[0], "timed out after 1s") {
		t.Fatalf("want exactly the timeout result of call 7, got %d messages:\n%s", len(messages), text)
	}

	// The worker finishes the abandoned inspect (release) and ends; then the
	// audit log still holds that call once, as a timeout.
	mcptest.WaitFor(t, func() bool { return workerCount(node) == 1 })
	s := &session{t: t, s: mcptest.Connect(t, url, "")}
	var log struct {
		Calls []struct{ Tool, Outcome string }
	}
	s.ok("audit_log", map[string]any{"limit": 10}, &log)
	inspects := 0
	for _, c := range log.Calls {
		if c.Tool == "process_inspect" {
			inspects++
			if c.Outcome != "timeout" {
				t.Errorf("process_inspect audited as %q, want timeout", c.Outcome)
			}
		}
	}
	if inspects != 1 {
		t.Fatalf("process_inspect audited %d times: %+v", inspects, log.Calls)
	}
}

// TestStuckTargetDoesNotBlockOthers keeps two calls stuck on a process
// that never leaves its callback while other sessions call: their calls go
// to free workers and return at once.
func TestStuckTargetDoesNotBlockOthers(t *testing.T) {
	port := mcptest.FreePort(t)
	node, err := startNode(t, ergomcp.Options{Port: port, PoolSize: 4})
	if err != nil {
		t.Fatal(err)
	}
	url := mcptest.URL(port)
	release := make(chan struct{})
	defer close(release)
	stuck := spawnBlocked(t, node, "others_stuck", release, 2)

	var wg sync.WaitGroup
	for range 2 {
		s := mcptest.Connect(t, url, "")
		wg.Go(func() {
			res, err := s.CallTool(context.Background(), &mcp.CallToolParams{Name: "process_inspect", Arguments: map[string]any{"pid": stuck.String()}})
			if err != nil || !res.IsError || !strings.Contains(res.Content[0].(*mcp.TextContent).Text, "stuck inside a callback") {
				t.Errorf("stuck inspect: %v %+v", err, res)
			}
		})
	}
	// One inspect request per target is in flight; the other call is told
	// so at once.
	mcptest.WaitFor(t, func() bool {
		info, err := node.ProcessInfo(stuck)
		return err == nil && info.MailboxQueues.Urgent == 1
	})
	s := &session{t: t, s: mcptest.Connect(t, url, "")}
	start := time.Now()
	for range 20 {
		var st struct{ State string }
		s.ok("process_state", map[string]any{"pid": stuck.String()}, &st)
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Fatalf("20 calls beside two stuck ones took %s", took)
	}
	wg.Wait()
}

// TestSlowReaderDoesNotBlockOthers opens a session whose client sends
// calls with large results and never reads the responses: the other
// session's calls, on the same single worker, go on as usual.
func TestSlowReaderDoesNotBlockOthers(t *testing.T) {
	port := mcptest.FreePort(t)
	node, err := startNode(t, ergomcp.Options{Port: port, PoolSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	url := mcptest.URL(port)
	for range 2000 { // a process table whose listing fills the response budget
		spawnIdle(t, node)
	}
	slow := openRaw(t, url)
	ctx, cancel := context.WithCancel(context.Background())
	var unread []*http.Response
	t.Cleanup(func() { // before the node stops: end the unread streams
		cancel()
		for _, resp := range unread {
			resp.Body.Close()
		}
	})
	for i := range 8 {
		resp := slow.post(ctx, fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"process_list","arguments":{"limit":10000}}}`, i+1))
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("slow call %d: HTTP %d", i, resp.StatusCode)
		}
		unread = append(unread, resp) // headers read, body never
	}
	s := &session{t: t, s: mcptest.Connect(t, url, "")}
	start := time.Now()
	for range 20 {
		var list struct{ Total int }
		s.ok("process_list", map[string]any{"limit": 5}, &list)
		if list.Total < 2000 {
			t.Fatalf("process_list total %d", list.Total)
		}
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("20 calls beside a client that reads nothing took %s", took)
	}
}
