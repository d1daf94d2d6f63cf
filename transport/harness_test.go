package transport

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/ergomcp/ergomcp/internal/catalog"
	"github.com/ergomcp/ergomcp/internal/mcptest"
)

type echoArgs struct {
	catalog.Common
	Text  string `json:"text,omitempty" jsonschema:"text to echo"`
	Times int    `json:"times,omitempty" jsonschema:"how many times to repeat it"`
}

type slowArgs struct{ catalog.Common }

type progressArgs struct{ catalog.Common }

type gateArgs struct{ catalog.Common }

type panicArgs struct{ catalog.Common }

type setLevelArgs struct {
	catalog.Common
	Level string `json:"level,omitempty" jsonschema:"new log level"`
}

var (
	echoTool = catalog.Define[echoArgs](catalog.Tool{
		Name: "echo", Title: "Echo", Description: "Repeats text.",
	})
	slowTool = catalog.Define[slowArgs](catalog.Tool{
		Name: "slow", Description: "Waits until cancelled, then answers late.", Long: true,
	})
	progressTool = catalog.Define[progressArgs](catalog.Tool{
		Name: "progress", Description: "Reports progress three times.",
	})
	gateTool = catalog.Define[gateArgs](catalog.Tool{
		Name: "gate", Description: "Answers \"released\" when the test opens the gate.",
	})
	panicTool = catalog.Define[panicArgs](catalog.Tool{
		Name: "panic", Description: "Panics.",
	})
	setLevelTool = catalog.Define[setLevelArgs](catalog.Tool{
		Name: "set_level", Description: "Changes the log level.", Kind: catalog.Mutating, Idempotent: true,
	})
)

func testRegistry() *catalog.Registry {
	r := new(catalog.Registry)
	for _, t := range []*catalog.Tool{echoTool, slowTool, progressTool, setLevelTool, gateTool, panicTool} {
		r.Add(t)
	}
	return r
}

// testInvoker runs the test tools and records what it saw. Like ergomcp's
// router, it checks the policy before a tool runs.
type testInvoker struct {
	policy      catalog.Policy
	calls       atomic.Int32
	refused     atomic.Int32
	slowStarted chan struct{} // one send per slow call, once it waits
	slowSaw     chan error    // the ctx error the slow tool observed
	slowLate    chan struct{} // one send per slow call, after its late result was returned
	gate        chan struct{} // closed by a test to let gate calls answer
}

func newTestInvoker() *testInvoker {
	return &testInvoker{
		slowStarted: make(chan struct{}, 8),
		slowSaw:     make(chan error, 8),
		slowLate:    make(chan struct{}, 8),
		gate:        make(chan struct{}),
	}
}

func (inv *testInvoker) Invoke(ctx context.Context, call *catalog.Call) catalog.Result {
	inv.calls.Add(1)
	if err := inv.policy.Check(call.Tool); err != nil {
		inv.refused.Add(1)
		return catalog.Result{Text: err.Error(), IsError: true, Refused: true}
	}
	switch args := call.Args.(type) {
	case *echoArgs:
		return catalog.Result{Text: strings.Repeat(args.Text, max(args.Times, 1))}
	case *slowArgs:
		inv.slowStarted <- struct{}{}
		<-ctx.Done()
		inv.slowSaw <- ctx.Err()
		// Answer anyway, late, as a misbehaving invoker would.
		defer func() { inv.slowLate <- struct{}{} }()
		time.Sleep(20 * time.Millisecond)
		return catalog.Result{Text: "late"}
	case *progressArgs:
		for i := 1; i <= 3; i++ {
			if call.Progress != nil {
				call.Progress(float64(i), 3, fmt.Sprintf("step %d", i))
			}
		}
		return catalog.Result{Text: fmt.Sprintf("done, progress func set: %t", call.Progress != nil)}
	case *gateArgs:
		select {
		case <-inv.gate:
			return catalog.Result{Text: "released"}
		case <-ctx.Done():
			return catalog.Result{Text: "gate: " + ctx.Err().Error(), IsError: true}
		}
	case *panicArgs:
		panic("the panic tool panicked")
	case *setLevelArgs:
		return catalog.Result{Text: "level " + args.Level + " set by " + call.Caller}
	}
	return catalog.Result{Text: "unexpected tool " + call.Tool.Name, IsError: true}
}

// harness is a Handler behind an httptest.Server, with its audit records.
type harness struct {
	h   *Handler
	srv *httptest.Server
	inv *testInvoker

	mu     sync.Mutex
	audits []catalog.AuditRecord
}

func newHarness(t *testing.T, configure func(*Config)) *harness {
	t.Helper()
	hs := &harness{inv: newTestInvoker()}
	cfg := Config{
		Name:     "ergomcp-test",
		Version:  "1.2.3",
		Registry: testRegistry(),
		Invoker:  hs.inv,
		Audit: func(r catalog.AuditRecord) {
			hs.mu.Lock()
			defer hs.mu.Unlock()
			hs.audits = append(hs.audits, r)
		},
	}
	if configure != nil {
		configure(&cfg)
	}
	hs.inv.policy = cfg.Policy
	h, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	hs.h = h
	hs.srv = httptest.NewServer(h)
	t.Cleanup(func() {
		if err := h.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		hs.srv.Close()
	})
	return hs
}

func (hs *harness) url() string { return hs.srv.URL + DefaultPath }

// auditsFor waits until want records exist for tool (audit runs before the
// response for finished calls, but after the client gave up for cancelled
// ones), then returns all records for tool.
func (hs *harness) auditsFor(t *testing.T, tool string, want int) []catalog.AuditRecord {
	t.Helper()
	mcptest.Eventually(t, mcptest.Wait, fmt.Sprintf("%d audit records for %s", want, tool), func() bool {
		return len(hs.recordsFor(tool)) >= want
	})
	time.Sleep(20 * time.Millisecond) // give a duplicate record the chance to show up
	return hs.recordsFor(tool)
}

func (hs *harness) recordsFor(tool string) []catalog.AuditRecord {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	var got []catalog.AuditRecord
	for _, r := range hs.audits {
		if r.Tool == tool {
			got = append(got, r)
		}
	}
	return got
}

// connect opens a real go-sdk client session; the session and its HTTP
// connections are closed at test end.
func (hs *harness) connect(t *testing.T, header http.Header, opts *mcp.ClientOptions) (*mcp.ClientSession, error) {
	t.Helper()
	return mcptest.Client{Header: header, Options: opts, MaxRetries: -1}.Open(t, hs.url())
}

func (hs *harness) mustConnect(t *testing.T, header http.Header, opts *mcp.ClientOptions) *mcp.ClientSession {
	t.Helper()
	cs, err := hs.connect(t, header, opts)
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	return cs
}

// logBuffer is a log sink the handler's goroutines may write to while
// the test reads it.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}
