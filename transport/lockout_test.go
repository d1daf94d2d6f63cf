package transport

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ergomcp/ergomcp/internal/mcptest"
)

func ping(t *testing.T, url, id string) int {
	t.Helper()
	status, _, _ := mcptest.Post(t, nil, url, mcptest.SessionHeader(id, "2025-06-18"), strings.NewReader(`{"jsonrpc":"2.0","id":9,"method":"ping"}`))
	return status
}

// TestFullTableEvictsLeastRecentlyUsedIdle (item 1): with the table full of
// sessions whose clients went away without DELETE, a new client connects
// and calls at once; the least recently used idle session is the one
// closed, and its next request gets 404. Before: 503 "too many MCP
// sessions" with Retry-After: 5 until the idle timeout (30 minutes).
func TestFullTableEvictsLeastRecentlyUsedIdle(t *testing.T) {
	hs := newHarness(t, func(c *Config) { c.MaxSessions = 3 })
	a := mcptest.RawSession(t, nil, hs.url(), "2025-06-18")
	b := mcptest.RawSession(t, nil, hs.url(), "2025-06-18")
	c := mcptest.RawSession(t, nil, hs.url(), "2025-06-18")
	if ping(t, hs.url(), a) != http.StatusOK { // a is now more recent than b
		t.Fatal("ping a")
	}

	cs, err := hs.connect(t, nil, nil)
	if err != nil {
		t.Fatalf("a new client was locked out of a table full of idle sessions: %v", err)
	}
	if got := mcptest.Text(t, mcptest.Run(t, cs, "echo", map[string]any{"text": "in"})); got != "in" {
		t.Fatalf("echo: %q", got)
	}
	if st := ping(t, hs.url(), b); st != http.StatusNotFound {
		t.Errorf("the least recently used session b: status %d, want 404 (initialize again)", st)
	}
	for name, id := range map[string]string{"a": a, "c": c} {
		if st := ping(t, hs.url(), id); st != http.StatusOK {
			t.Errorf("session %s, used more recently, was closed: status %d", name, st)
		}
	}
	if n := hs.h.sessions.len(); n != 3 {
		t.Errorf("%d sessions held, want 3", n)
	}
}

// TestAllBusyRefusesNamingTheLimit (item 1): only when every session is
// busy (here: a go-sdk client's open GET stream) is a new one refused, with
// an error naming Options.MaxSessions and no Retry-After, which nothing
// would make true.
func TestAllBusyRefusesNamingTheLimit(t *testing.T) {
	hs := newHarness(t, func(c *Config) { c.MaxSessions = 1 })
	cs := hs.mustConnect(t, nil, nil)
	mcptest.Eventually(t, mcptest.Wait, "the client's GET stream", func() bool {
		hs.h.sessions.mu.Lock()
		defer hs.h.sessions.mu.Unlock()
		for _, e := range hs.h.sessions.byID {
			return e.requests > 0
		}
		return false
	})

	_, header, body := mcptest.Post(t, nil, hs.url(), nil, strings.NewReader(mcptest.InitializeBody))
	if !strings.Contains(body, "Options.MaxSessions") || !strings.Contains(body, "busy") {
		t.Errorf("second session: %q, want a refusal naming Options.MaxSessions", body)
	}
	if ra := header.Get("Retry-After"); ra != "" {
		t.Errorf("Retry-After: %s on a refusal that waiting does not cure", ra)
	}
	if _, err := hs.connect(t, nil, nil); err == nil || !strings.Contains(err.Error(), "Options.MaxSessions") {
		t.Errorf("second client: %v, want the refusal", err)
	}
	mcptest.Run(t, cs, "echo", nil) // the busy session still works

	if err := cs.Close(); err != nil {
		t.Fatal(err)
	}
	mcptest.Eventually(t, mcptest.Wait, "the session slot to free up", func() bool {
		status, header, _ := mcptest.Post(t, nil, hs.url(), nil, strings.NewReader(mcptest.InitializeBody))
		return status == http.StatusOK && header.Get("Mcp-Session-Id") != ""
	})
}

// TestBatchInitializeCounted (item 2): initialize inside a JSON-RPC batch
// (protocol 2025-03-26, which the go-sdk accepts) is counted like any
// other. Before: 40 batches made 40 sessions against a limit of 4, and a
// normal client was then refused.
func TestBatchInitializeCounted(t *testing.T) {
	hs := newHarness(t, func(c *Config) { c.MaxSessions = 4 })
	batch := "[" + strings.Replace(mcptest.InitializeBody, "2025-06-18", "2025-03-26", 1) + "]"
	for i := range 40 {
		status, header, body := mcptest.Post(t, nil, hs.url(), http.Header{"Mcp-Protocol-Version": {"2025-03-26"}}, strings.NewReader(batch))
		if status != http.StatusOK || header.Get("Mcp-Session-Id") == "" {
			t.Fatalf("batch %d: %d %q", i, status, body)
		}
	}
	live := 0
	for range hs.h.server.Sessions() {
		live++
	}
	if live > 4 {
		t.Errorf("%d live sessions after 40 batch initializes, limit 4", live)
	}
	cs, err := hs.connect(t, nil, nil)
	if err != nil {
		t.Fatalf("a normal client after the batches: %v", err)
	}
	mcptest.Run(t, cs, "echo", nil)
}

// sse reads SSE events from a response body.
type sse struct {
	r *bufio.Reader
}

type event struct{ id, name, data string }

func (s sse) next() (event, error) {
	var e event
	for {
		line, err := s.r.ReadString('\n')
		if err != nil {
			return e, err
		}
		line = strings.TrimRight(line, "\r\n")
		switch {
		case line == "":
			if e != (event{}) {
				return e, nil
			}
		case strings.HasPrefix(line, "id: "):
			e.id = line[4:]
		case strings.HasPrefix(line, "event: "):
			e.name = line[7:]
		case strings.HasPrefix(line, "data: "):
			e.data += line[6:]
		}
	}
}

// openCall POSTs a tools/call and returns the streaming response.
func openCall(t *testing.T, ctx context.Context, url, id, version string, reqID int, tool string) *http.Response {
	t.Helper()
	body := fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":%q,"arguments":{}}}`, reqID, tool)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	for k, v := range mcptest.SessionHeader(id, version) {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST tools/call: %v", err)
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		t.Fatalf("POST tools/call: %s", resp.Status)
	}
	return resp
}

// TestDroppedConnectionCancelsCall (item 3): a client whose connection
// closes mid-call (curl killed, a laptop lid shut) ends the call at once,
// and the audit says cancelled. Before: the call ran to its own end (the
// go-sdk runs calls on the session's context, not the request's).
func TestDroppedConnectionCancelsCall(t *testing.T) {
	hs := newHarness(t, nil)
	id := mcptest.RawSession(t, nil, hs.url(), "2025-06-18")
	ctx, drop := context.WithCancel(context.Background())
	// With 2025-06-18 no event precedes the result, so the response
	// headers come only with it: the client waits inside Do.
	go func() {
		body := `{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"slow","arguments":{}}}`
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, hs.url(), strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		for k, v := range mcptest.SessionHeader(id, "2025-06-18") {
			req.Header[k] = v
		}
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	mcptest.Receive(t, "slow call started", hs.inv.slowStarted)

	dropped := time.Now()
	drop()
	if err := mcptest.Receive(t, "the call to end after its connection closed", hs.inv.slowSaw); err == nil {
		t.Fatal("no ctx error")
	}
	t.Logf("call ended %s after its connection closed", time.Since(dropped))
	rec := hs.auditsFor(t, "slow", 1)[0]
	if rec.Outcome != outcomeCancelled || !strings.Contains(rec.Error, "connection") {
		t.Errorf("audit: outcome %q error %q, want cancelled naming the connection", rec.Outcome, rec.Error)
	}
	if st := ping(t, hs.url(), id); st != http.StatusOK {
		t.Errorf("the session itself stays usable: ping %d", st)
	}
}

// TestCancelledRequestGetsNoResponse (item 10): after notifications/cancelled
// the server sends no response for the request, as the spec requires, and
// the stream that carried it ends. Before: {"code":0,"message":"context
// canceled"}.
func TestCancelledRequestGetsNoResponse(t *testing.T) {
	hs := newHarness(t, nil)
	const version = "2025-11-25"
	id := mcptest.RawSession(t, nil, hs.url(), version)
	resp := openCall(t, context.Background(), hs.url(), id, version, 7, "slow")
	defer resp.Body.Close()
	mcptest.Receive(t, "slow call started", hs.inv.slowStarted)

	cancel := `{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":7,"reason":"user"}}`
	if st, _, body := mcptest.Post(t, nil, hs.url(), mcptest.SessionHeader(id, version), strings.NewReader(cancel)); st != http.StatusAccepted {
		t.Fatalf("notifications/cancelled: %d %q", st, body)
	}
	done := make(chan []byte, 1)
	go func() {
		b, _ := io.ReadAll(resp.Body)
		done <- b
	}()
	b := mcptest.Receive(t, "the call's stream to end", done)
	if bytes.Contains(b, []byte(`"id":7`)) {
		t.Errorf("a response was sent for the cancelled request:\n%s", b)
	}
	rec := hs.auditsFor(t, "slow", 1)[0]
	if rec.Outcome != outcomeCancelled || rec.Error != errCancelledByClient.Error() {
		t.Errorf("audit: outcome %q error %q, want cancelled by the client", rec.Outcome, rec.Error)
	}
	if st := ping(t, hs.url(), id); st != http.StatusOK {
		t.Errorf("session after the cancel: ping %d", st)
	}
}

// TestResultSurvivesReconnect (item 11): SSE responses carry event ids
// (a priming event first), and a result the client missed because its
// connection dropped is replayed on GET with Last-Event-ID. Before: no ids
// at all, nothing to resume from.
func TestResultSurvivesReconnect(t *testing.T) {
	hs := newHarness(t, nil)
	const version = "2025-11-25"
	id := mcptest.RawSession(t, nil, hs.url(), version)
	ctx, drop := context.WithCancel(context.Background())
	resp := openCall(t, ctx, hs.url(), id, version, 3, "gate")
	prime, err := sse{bufio.NewReader(resp.Body)}.next()
	if err != nil || prime.id == "" {
		t.Fatalf("first event %+v (%v): want a priming event with an id", prime, err)
	}
	// The result is produced while the client is not reading, and its
	// connection drops before it reads it.
	close(hs.inv.gate)
	hs.auditsFor(t, "gate", 1)
	time.Sleep(50 * time.Millisecond) // the response reaches the store right after the audit
	drop()
	resp.Body.Close()

	req, _ := http.NewRequest(http.MethodGet, hs.url(), nil)
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Last-Event-ID", prime.id)
	for k, v := range mcptest.SessionHeader(id, version) {
		req.Header[k] = v
	}
	again, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer again.Body.Close()
	if again.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(again.Body)
		t.Fatalf("GET with Last-Event-ID: %s %s", again.Status, b)
	}
	ev, err := sse{bufio.NewReader(again.Body)}.next()
	if err != nil || !strings.Contains(ev.data, `"id":3`) || !strings.Contains(ev.data, "released") {
		t.Fatalf("replayed event %+v (%v), want the call's result", ev, err)
	}
}

// TestSlowBodyBounded (item 7): a client trickling a body (one byte every
// 100 ms against Content-Length: 1000000) loses its connection after
// BodyTimeout. Before: held for as long as the client liked.
func TestSlowBodyBounded(t *testing.T) {
	h, err := New(Config{Registry: testRegistry(), Invoker: newTestInvoker(), BodyTimeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := Listen("127.0.0.1:0", h, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		h.Close()
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})
	conn, err := net.Dial("tcp", srv.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: 1000000\r\n\r\n")
	start := time.Now()
	closed := make(chan time.Duration, 1)
	go func() {
		io.Copy(io.Discard, conn) // returns when the server closes the connection
		closed <- time.Since(start)
	}()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case took := <-closed:
			t.Logf("slow body cut after %s", took)
			return
		case <-tick.C:
			if time.Since(start) > 5*time.Second {
				t.Fatal("a body trickled at 10 bytes/s held its connection for 5 s")
			}
			conn.Write([]byte("x"))
		}
	}
}

// TestConnectionsBounded (item 7): connections beyond MaxConnections are
// closed at once, and a slot frees when one closes.
func TestConnectionsBounded(t *testing.T) {
	h, err := New(Config{Registry: testRegistry(), Invoker: newTestInvoker(), MaxConnections: 3})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := Listen("127.0.0.1:0", h, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		h.Close()
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})
	var held []net.Conn
	defer func() {
		for _, c := range held {
			c.Close()
		}
	}()
	open := func() (net.Conn, bool) {
		c, err := net.Dial("tcp", srv.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		_, err = c.Read(make([]byte, 1))
		var ne net.Error
		stillOpen := err != nil && errors.As(err, &ne) && ne.Timeout()
		return c, stillOpen
	}
	for i := range 3 {
		c, ok := open()
		if !ok {
			t.Fatalf("connection %d of 3 was closed", i+1)
		}
		held = append(held, c)
	}
	if c, ok := open(); ok {
		c.Close()
		t.Fatal("a 4th connection stayed open beyond MaxConnections 3")
	}
	held[0].Close()
	held = held[1:]
	mcptest.Eventually(t, mcptest.Wait, "a slot to free", func() bool {
		c, ok := open()
		if ok {
			held = append(held, c)
		} else {
			c.Close()
		}
		return ok
	})
}

// TestRejectionsLoggedRateLimited (item 8): rejected tokens are logged with
// the remote address, never the token (not even when a Verifier's error
// quotes it), at most one line per second however many arrive; an
// invoker's panic is logged too.
func TestRejectionsLoggedRateLimited(t *testing.T) {
	var logs logBuffer
	hs := newHarness(t, func(c *Config) {
		c.Verifier = func(_ context.Context, token string, _ *http.Request) (string, error) {
			if token == "good" {
				return "ops", nil
			}
			return "", fmt.Errorf("unknown token %q", token)
		}
		c.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	})
	for i := range 50 {
		status, _, _ := mcptest.Post(t, nil, hs.url(), mcptest.Bearer(fmt.Sprintf("guess-%d-XYZ", i)), strings.NewReader(mcptest.InitializeBody))
		if status != http.StatusUnauthorized {
			t.Fatalf("bad token: %d", status)
		}
	}
	out := logs.String()
	if n := strings.Count(out, "bearer token rejected"); n < 1 || n > 2 {
		t.Errorf("%d log lines for 50 rejections in well under a second, want 1 (rate-limited):\n%s", n, out)
	}
	if !strings.Contains(out, "remote=127.0.0.1:") {
		t.Errorf("no remote address in %q", out)
	}
	if strings.Contains(out, "XYZ") {
		t.Errorf("the log holds a token: %q", out)
	}

	cs := hs.mustConnect(t, mcptest.Bearer("good"), nil)
	res := mcptest.Run(t, cs, "panic", nil)
	if !res.IsError {
		t.Fatal("panic tool did not fail")
	}
	if !strings.Contains(logs.String(), "tool invoker panicked") {
		t.Errorf("the panic was not logged: %q", logs.String())
	}
}

// TestEventStoreBounded (item 11): the replayable events of all sessions
// together stay within Config.EventStoreBytes; what was dropped to stay
// within it cannot be replayed, and the client is told so (400), not
// handed a partial stream.
func TestEventStoreBounded(t *testing.T) {
	hs := newHarness(t, func(c *Config) { c.EventStoreBytes = 1024 })
	const version = "2025-11-25"
	id := mcptest.RawSession(t, nil, hs.url(), version)
	// bigCall makes a call whose 4 KiB result the client never reads, and
	// returns its stream's priming event id.
	bigCall := func(n int) string {
		body := fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"echo","arguments":{"text":"0123456789abcdef","times":256}}}`, n)
		req, _ := http.NewRequest(http.MethodPost, hs.url(), strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		for k, v := range mcptest.SessionHeader(id, version) {
			req.Header[k] = v
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		prime, err := sse{bufio.NewReader(resp.Body)}.next()
		if err != nil || prime.id == "" {
			t.Fatalf("priming event %+v: %v", prime, err)
		}
		io.Copy(io.Discard, resp.Body)
		return prime.id
	}
	replay := func(last string) int {
		get, _ := http.NewRequest(http.MethodGet, hs.url(), nil)
		get.Header.Set("Accept", "text/event-stream")
		get.Header.Set("Last-Event-ID", last)
		for k, v := range mcptest.SessionHeader(id, version) {
			get.Header[k] = v
		}
		resp, err := http.DefaultClient.Do(get)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	first := bigCall(4)
	second := bigCall(5)
	if st := replay(first); st != http.StatusBadRequest {
		t.Errorf("replaying a result dropped to stay within 1 KiB: %d, want 400", st)
	}
	if st := replay(second); st != http.StatusOK {
		t.Errorf("replaying the latest result: %d, want 200", st)
	}
	if store := hs.h.sdkStore(); store.MaxBytes() != 1024 {
		t.Errorf("event store bound %d, want 1024", store.MaxBytes())
	}
}
