package transport

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/ergomcp/ergomcp/internal/catalog"
	"github.com/ergomcp/ergomcp/internal/mcptest"
)

func TestUnknownToolIsProtocolError(t *testing.T) {
	hs := newHarness(t, nil)
	cs := hs.mustConnect(t, nil, nil)
	_, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "no_such_tool"})
	var wire *jsonrpc.Error
	if !errors.As(err, &wire) || wire.Code != jsonrpc.CodeInvalidParams || !strings.Contains(wire.Message, "no_such_tool") {
		t.Fatalf("error = %v, want JSON-RPC invalid params naming the tool", err)
	}
	if n := len(hs.recordsFor("no_such_tool")); n != 0 {
		t.Errorf("%d audit records for an unknown tool, want 0", n)
	}
}

func TestInvalidArguments(t *testing.T) {
	hs := newHarness(t, nil)
	cs := hs.mustConnect(t, nil, nil)
	for _, tc := range []struct {
		name string
		args map[string]any
		want string
	}{
		{"wrong type", map[string]any{"text": 5}, `argument "text" must be a string`},
		{"unknown name", map[string]any{"txt": "a"}, `unknown argument "txt" for echo; it takes: node, text, timeout, times`},
		{"timeout out of range", map[string]any{"timeout": 500}, "timeout must be between 1 and 120 (default 30)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := mcptest.Run(t, cs, "echo", tc.args)
			if text := mcptest.Text(t, res); !res.IsError || !strings.Contains(text, tc.want) {
				t.Errorf("result = isError %v %q, want isError containing %q", res.IsError, text, tc.want)
			}
		})
	}
	if n := hs.inv.calls.Load(); n != 0 {
		t.Errorf("invoker called %d times for invalid arguments", n)
	}
	for _, rec := range hs.auditsFor(t, "echo", 3) {
		if rec.Outcome != outcomeError || rec.Error == "" {
			t.Errorf("audit = %+v, want outcome error with text", rec)
		}
	}
}

func TestPolicyAtCallTime(t *testing.T) {
	t.Run("refused by default", func(t *testing.T) {
		hs := newHarness(t, nil)
		cs := hs.mustConnect(t, nil, nil)
		res := mcptest.Run(t, cs, "set_level", map[string]any{"level": "debug", "node": "n1@host"})
		if text := mcptest.Text(t, res); !res.IsError || !strings.Contains(text, "Options.EnableActions") {
			t.Errorf("result = isError %v %q, want a refusal naming Options.EnableActions", res.IsError, text)
		}
		// The invoker checks the policy where the tool runs; the transport
		// passes the call on and records the refusal.
		if n, r := hs.inv.calls.Load(), hs.inv.refused.Load(); n != 1 || r != 1 {
			t.Errorf("invoker called %d times and refused %d for a refused tool, want 1 and 1", n, r)
		}
		rec := hs.auditsFor(t, "set_level", 1)
		if len(rec) != 1 || rec[0].Outcome != outcomeRefused || rec[0].Node != "n1@host" {
			t.Errorf("audit = %+v, want one refused record for node n1@host", rec)
		}
	})
	t.Run("allowed with EnableActions", func(t *testing.T) {
		hs := newHarness(t, func(c *Config) { c.Policy.EnableActions = true })
		cs := hs.mustConnect(t, nil, nil)
		res := mcptest.Run(t, cs, "set_level", map[string]any{"level": "debug"})
		if text := mcptest.Text(t, res); res.IsError || text != "level debug set by anonymous" {
			t.Errorf("result = isError %v %q", res.IsError, text)
		}
	})
}

func TestClientCancellationReachesInvoker(t *testing.T) {
	hs := newHarness(t, nil)
	cs := hs.mustConnect(t, nil, nil)

	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "slow"})
		errc <- err
	}()
	mcptest.Receive(t, "slow tool start", hs.inv.slowStarted)
	cancel()
	if err := mcptest.Receive(t, "CallTool to return", errc); err == nil {
		t.Error("cancelled CallTool returned no error")
	}
	if err := mcptest.Receive(t, "invoker ctx to end", hs.inv.slowSaw); !errors.Is(err, context.Canceled) {
		t.Errorf("invoker saw %v, want context.Canceled", err)
	}
	mcptest.Receive(t, "late result", hs.inv.slowLate)
	rec := hs.auditsFor(t, "slow", 1)
	if len(rec) != 1 || rec[0].Outcome != outcomeCancelled {
		t.Errorf("audit = %+v, want one cancelled record", rec)
	}
	// The session survives a cancelled call.
	mcptest.Run(t, cs, "echo", map[string]any{"text": "still here"})
}

func TestDeadline(t *testing.T) {
	hs := newHarness(t, nil)
	cs := hs.mustConnect(t, nil, nil)

	start := time.Now()
	res := mcptest.Run(t, cs, "slow", map[string]any{"timeout": 1})
	if elapsed := time.Since(start); elapsed < time.Second || elapsed > 5*time.Second {
		t.Errorf("call took %s, want about the 1s timeout", elapsed)
	}
	if text := mcptest.Text(t, res); !res.IsError || text != "tool slow timed out after 1s" {
		t.Errorf("result = isError %v %q, want the timeout error", res.IsError, text)
	}
	if err := mcptest.Receive(t, "invoker ctx to end", hs.inv.slowSaw); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("invoker saw %v, want context.DeadlineExceeded", err)
	}
	mcptest.Receive(t, "late result", hs.inv.slowLate) // dropped without blocking or panicking
	rec := hs.auditsFor(t, "slow", 1)
	if len(rec) != 1 || rec[0].Outcome != outcomeTimeout || rec[0].Duration < time.Second {
		t.Errorf("audit = %+v, want one timeout record of at least 1s", rec)
	}
}

func TestProgressNotifications(t *testing.T) {
	hs := newHarness(t, nil)
	got := make(chan *mcp.ProgressNotificationParams, 10)
	cs := hs.mustConnect(t, nil, &mcp.ClientOptions{
		ProgressNotificationHandler: func(_ context.Context, req *mcp.ProgressNotificationClientRequest) {
			got <- req.Params
		},
	})

	params := &mcp.CallToolParams{Name: "progress"}
	params.SetProgressToken("tok-1")
	res, err := cs.CallTool(context.Background(), params)
	if err != nil {
		t.Fatal(err)
	}
	if text := mcptest.Text(t, res); text != "done, progress func set: true" {
		t.Errorf("result = %q", text)
	}
	for i := 1; i <= 3; i++ {
		p := mcptest.Receive(t, "progress notification", got)
		if p.ProgressToken != "tok-1" || p.Progress != float64(i) || p.Total != 3 || p.Message == "" {
			t.Errorf("notification %d = %+v", i, p)
		}
	}

	// Without a token the tool gets no Progress func and nothing is sent.
	if text := mcptest.Text(t, mcptest.Run(t, cs, "progress", nil)); text != "done, progress func set: false" {
		t.Errorf("result without token = %q", text)
	}
	select {
	case p := <-got:
		t.Errorf("unexpected notification %+v", p)
	case <-time.After(50 * time.Millisecond):
	}
}

func TestAuditOncePerCall(t *testing.T) {
	// A tool error that quotes what the caller sent, as "process %q not
	// found" does: the caller reads it whole, the audit record must not.
	hs := newHarness(t, func(c *Config) {
		inner := c.Invoker
		c.Invoker = catalog.InvokerFunc(func(ctx context.Context, call *catalog.Call) catalog.Result {
			if a, ok := call.Args.(*echoArgs); ok && a.Times == 2 {
				return catalog.Result{Text: fmt.Sprintf("no process named %q (times %d)", a.Text, a.Times), IsError: true}
			}
			return inner.Invoke(ctx, call)
		})
	})
	cs := hs.mustConnect(t, nil, nil)
	mcptest.Run(t, cs, "echo", map[string]any{"text": "secret-value"})
	mcptest.Run(t, cs, "echo", map[string]any{"text": 1})
	quoted := mcptest.Run(t, cs, "echo", map[string]any{"text": "secret-value", "times": 2})
	mcptest.Run(t, cs, "set_level", nil)

	if text := mcptest.Text(t, quoted); !quoted.IsError || !strings.Contains(text, `"secret-value"`) {
		t.Fatalf("the caller must read its own value in the error: isError %v %q", quoted.IsError, text)
	}
	echo := hs.auditsFor(t, "echo", 3)
	if len(echo) != 3 || echo[0].Outcome != outcomeOK || echo[1].Outcome != outcomeError || echo[2].Outcome != outcomeError {
		t.Fatalf("echo audits = %+v, want ok, error, error", echo)
	}
	if want := `no process named "[redacted]" (times 2)`; echo[2].Error != want {
		t.Errorf("audit of an error quoting an argument: Error %q, want %q", echo[2].Error, want)
	}
	for _, rec := range append(echo, hs.auditsFor(t, "set_level", 1)...) {
		if strings.Contains(rec.Error, "secret-value") {
			t.Errorf("audit record leaks an argument value: %+v", rec)
		}
	}
	if n := len(hs.auditsFor(t, "set_level", 1)); n != 1 {
		t.Errorf("%d set_level records, want 1", n)
	}
}

func TestInvokerPanicIsToolError(t *testing.T) {
	hs := newHarness(t, func(c *Config) {
		c.Invoker = catalog.InvokerFunc(func(context.Context, *catalog.Call) catalog.Result { panic("boom") })
	})
	cs := hs.mustConnect(t, nil, nil)
	res := mcptest.Run(t, cs, "echo", nil)
	if text := mcptest.Text(t, res); !res.IsError || !strings.Contains(text, "internal error") {
		t.Errorf("result = isError %v %q", res.IsError, text)
	}
}
