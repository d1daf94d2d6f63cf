package transport

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/ergomcp/ergomcp/internal/catalog"
	"github.com/ergomcp/ergomcp/internal/mcptest"
)

func TestNewValidatesConfig(t *testing.T) {
	_, err := New(Config{Path: "mcp", MaxBodyBytes: -1, AllowedOrigins: []string{"https://ok.example/"}})
	if err == nil {
		t.Fatal("New accepted an invalid config")
	}
	for _, want := range []string{"Config.Registry is nil", "Config.Invoker is nil", `Config.Path "mcp"`, "Config.MaxBodyBytes", "Config.AllowedOrigins"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestInitialize(t *testing.T) {
	hs := newHarness(t, nil)
	cs := hs.mustConnect(t, nil, nil)
	res := cs.InitializeResult()
	if res.ServerInfo.Name != "ergomcp-test" || res.ServerInfo.Version != "1.2.3" {
		t.Errorf("server info = %+v, want ergomcp-test 1.2.3", res.ServerInfo)
	}
	if res.Capabilities.Tools == nil {
		t.Error("tools capability not advertised")
	}
	if caps, _ := json.Marshal(res.Capabilities); strings.Contains(string(caps), "logging") {
		t.Errorf("capabilities %s advertise logging, which is not implemented", caps)
	}
}

func TestListTools(t *testing.T) {
	for _, tc := range []struct {
		name   string
		policy catalog.Policy
		want   []string
	}{
		{"default policy hides mutating tools", catalog.Policy{}, []string{"echo", "gate", "panic", "progress", "slow"}},
		{"EnableActions shows them", catalog.Policy{EnableActions: true}, []string{"echo", "gate", "panic", "progress", "set_level", "slow"}},
		{"Deny hides", catalog.Policy{Deny: []string{"s*"}}, []string{"echo", "gate", "panic", "progress"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hs := newHarness(t, func(c *Config) { c.Policy = tc.policy })
			cs := hs.mustConnect(t, nil, nil)
			res, err := cs.ListTools(context.Background(), nil)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			byName := map[string]*mcp.Tool{}
			for _, tool := range res.Tools {
				names = append(names, tool.Name)
				byName[tool.Name] = tool
			}
			if !slices.Equal(names, tc.want) {
				t.Fatalf("tools = %v, want %v", names, tc.want)
			}

			echo := byName["echo"]
			// Read-only says it all: the spec gives destructive and
			// idempotent meaning only for tools that are not.
			if echo.Annotations == nil || !echo.Annotations.ReadOnlyHint || echo.Annotations.DestructiveHint != nil || echo.Title != "Echo" {
				t.Errorf("echo annotations = %+v, want read-only, titled", echo.Annotations)
			}
			schema, _ := echo.InputSchema.(map[string]any)
			props, _ := schema["properties"].(map[string]any)
			for _, arg := range []string{"text", "times"} {
				if _, ok := props[arg]; !ok {
					t.Errorf("echo input schema lacks %q: %v", arg, echo.InputSchema)
				}
			}
			// node and timeout are explained once, in the instructions.
			for _, arg := range []string{"node", "timeout"} {
				if _, ok := props[arg]; ok {
					t.Errorf("echo input schema repeats %q: %v", arg, echo.InputSchema)
				}
			}
			if set, ok := byName["set_level"]; ok && (set.Annotations.ReadOnlyHint || !*set.Annotations.DestructiveHint) {
				t.Errorf("set_level annotations = %+v, want mutating", set.Annotations)
			}
		})
	}
}

func TestCallEcho(t *testing.T) {
	hs := newHarness(t, nil)
	cs := hs.mustConnect(t, nil, nil)
	res := mcptest.Run(t, cs, "echo", map[string]any{"text": "ab", "times": 3})
	if res.IsError || mcptest.Text(t, res) != "ababab" {
		t.Fatalf("result = %v %q, want ababab", res.IsError, mcptest.Text(t, res))
	}
	rec := hs.auditsFor(t, "echo", 1)
	if len(rec) != 1 || rec[0].Outcome != outcomeOK || rec[0].Caller != callerAnonymous || rec[0].Error != "" || rec[0].Time.IsZero() {
		t.Errorf("audit = %+v, want one ok record by anonymous", rec)
	}
}

func TestStaticToken(t *testing.T) {
	hs := newHarness(t, func(c *Config) { c.Token = "s3cret" })

	for _, tc := range []struct {
		name   string
		header http.Header
	}{
		{"missing", nil},
		{"wrong", mcptest.Bearer("guess")},
		{"prefix of the right one", mcptest.Bearer("s3cre")},
		{"not bearer", http.Header{"Authorization": {"Basic s3cret"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, header, body := mcptest.Post(t, nil, hs.url(), tc.header, strings.NewReader(mcptest.InitializeBody))
			if status != http.StatusUnauthorized {
				t.Fatalf("status = %d (%s), want 401", status, body)
			}
			if got := header.Get("WWW-Authenticate"); got != `Bearer realm="ergomcp"` {
				t.Errorf("WWW-Authenticate = %q", got)
			}
			if _, err := hs.connect(t, tc.header, nil); err == nil {
				t.Error("client connected without a valid token")
			}
		})
	}

	cs := hs.mustConnect(t, mcptest.Bearer("s3cret"), nil)
	if res := mcptest.Run(t, cs, "echo", map[string]any{"text": "hi"}); mcptest.Text(t, res) != "hi" {
		t.Errorf("echo with token = %q", mcptest.Text(t, res))
	}
	if rec := hs.auditsFor(t, "echo", 1); rec[0].Caller != callerToken {
		t.Errorf("caller = %q, want %q", rec[0].Caller, callerToken)
	}
}

func TestVerifierSubjectIsCaller(t *testing.T) {
	hs := newHarness(t, func(c *Config) {
		c.Token = "ignored when Verifier is set"
		c.Verifier = func(_ context.Context, token string, _ *http.Request) (string, error) {
			if name, ok := strings.CutSuffix(token, "-token"); ok {
				return name, nil
			}
			return "", catalog.Errorf("unknown token")
		}
		c.Policy.EnableActions = true
	})
	if status, _, _ := mcptest.Post(t, nil, hs.url(), mcptest.Bearer("ignored when Verifier is set"), strings.NewReader(mcptest.InitializeBody)); status != http.StatusUnauthorized {
		t.Errorf("static Token accepted although a Verifier is set: status %d", status)
	}

	cs := hs.mustConnect(t, mcptest.Bearer("alice-token"), nil)
	res := mcptest.Run(t, cs, "set_level", map[string]any{"level": "debug"})
	if got := mcptest.Text(t, res); got != "level debug set by alice" {
		t.Errorf("result = %q, want the invoker to see caller alice", got)
	}
	if rec := hs.auditsFor(t, "set_level", 1); rec[0].Caller != "alice" {
		t.Errorf("audit caller = %q, want alice", rec[0].Caller)
	}
}

func TestOriginCheck(t *testing.T) {
	hs := newHarness(t, func(c *Config) { c.AllowedOrigins = []string{"https://console.example"} })
	sameOrigin := "http://" + strings.TrimPrefix(hs.srv.URL, "http://")

	for _, tc := range []struct {
		origin string
		want   int
	}{
		{"", http.StatusOK},
		{"https://console.example", http.StatusOK},
		{sameOrigin, http.StatusOK},
		{"https://evil.example", http.StatusForbidden},
		{"null", http.StatusForbidden},
		{"https://console.example.evil", http.StatusForbidden},
	} {
		var header http.Header
		if tc.origin != "" {
			header = http.Header{"Origin": {tc.origin}}
		}
		if status, _, body := mcptest.Post(t, nil, hs.url(), header, strings.NewReader(mcptest.InitializeBody)); status != tc.want {
			t.Errorf("Origin %q: status = %d (%s), want %d", tc.origin, status, body, tc.want)
		}
	}

	if _, err := hs.connect(t, http.Header{"Origin": {"https://evil.example"}}, nil); err == nil {
		t.Error("client with a foreign Origin connected")
	}
	cs := hs.mustConnect(t, http.Header{"Origin": {"https://console.example"}}, nil)
	mcptest.Run(t, cs, "echo", nil)
}

func TestHostCheck(t *testing.T) {
	hs := newHarness(t, func(c *Config) { c.AllowedHosts = []string{"127.0.0.1", "localhost:1"} })
	for _, tc := range []struct {
		host string
		want int
	}{
		{strings.TrimPrefix(hs.srv.URL, "http://"), http.StatusOK}, // 127.0.0.1, any port
		{"localhost:1", http.StatusOK},
		{"localhost:2", http.StatusForbidden},
		{"127.0.0.2", http.StatusForbidden},
	} {
		req, _ := http.NewRequest(http.MethodPost, hs.url(), strings.NewReader(mcptest.InitializeBody))
		req.Host = tc.host
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("Host %q: status = %d, want %d", tc.host, resp.StatusCode, tc.want)
		}
	}
}

func TestLocalhostProtectionStaysOn(t *testing.T) {
	hs := newHarness(t, nil) // httptest listens on 127.0.0.1
	req, _ := http.NewRequest(http.MethodPost, hs.url(), strings.NewReader(mcptest.InitializeBody))
	req.Host = "attacker.example"
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("non-loopback Host on a loopback listener: status = %d, want 403", resp.StatusCode)
	}
}

func TestPathAndBodyLimit(t *testing.T) {
	hs := newHarness(t, func(c *Config) { c.MaxBodyBytes = 1024 })
	if status, _, _ := mcptest.Post(t, nil, hs.srv.URL+"/other", nil, strings.NewReader(mcptest.InitializeBody)); status != http.StatusNotFound {
		t.Errorf("other path: status = %d, want 404", status)
	}

	big := strings.Replace(mcptest.InitializeBody, `"capabilities":{}`, `"capabilities":{},"pad":"`+strings.Repeat("x", 2048)+`"`, 1)
	if status, _, body := mcptest.Post(t, nil, hs.url(), nil, strings.NewReader(big)); status != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized body with Content-Length: status = %d (%s), want 413", status, body)
	}
	// Without Content-Length the limit applies while reading.
	chunked := struct{ *strings.Reader }{strings.NewReader(big)}
	if status, _, body := mcptest.Post(t, nil, hs.url(), nil, chunked); status != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized chunked body: status = %d (%s), want 413", status, body)
	}
	if status, _, body := mcptest.Post(t, nil, hs.url(), nil, strings.NewReader(mcptest.InitializeBody)); status != http.StatusOK {
		t.Errorf("small body: status = %d (%s), want 200", status, body)
	}
}
