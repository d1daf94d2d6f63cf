package ergomcp_test

import (
	"strings"
	"testing"

	"ergo.services/ergo/gen"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/ergomcp/ergomcp"
	"github.com/ergomcp/ergomcp/internal/mcptest"
)

// session is an MCP client session that keeps the text of every result, so
// a test can check at the end that a secret appeared in none of them.
type session struct {
	t     *testing.T
	s     *mcp.ClientSession
	texts []string
}

// openSession serves ergomcp on a free port of a node that startNode or
// startNodeWith starts with opts, and connects to it.
func openSession(t *testing.T, opts ergomcp.Options, start func(*testing.T, ergomcp.Options) (gen.Node, error)) (gen.Node, *session) {
	t.Helper()
	opts.Port = mcptest.FreePort(t)
	node, err := start(t, opts)
	if err != nil {
		t.Fatal(err)
	}
	return node, &session{t: t, s: mcptest.Connect(t, mcptest.URL(opts.Port), opts.Token)}
}

// ok calls a tool that must succeed and decodes its result into out.
func (s *session) ok(tool string, args map[string]any, out any) {
	s.t.Helper()
	s.record(mcptest.Call(s.t, s.s, tool, args, out))
}

// fail calls a tool that must return isError, checks that its text holds
// every want, and returns the text.
func (s *session) fail(tool string, args map[string]any, want ...string) string {
	s.t.Helper()
	msg := mcptest.ErrorText(s.t, s.record(mcptest.Call(s.t, s.s, tool, args, nil)))
	for _, w := range want {
		if !strings.Contains(msg, w) {
			s.t.Errorf("%s(%v): error %q lacks %q", tool, args, msg, w)
		}
	}
	return msg
}

func (s *session) record(res *mcp.CallToolResult) *mcp.CallToolResult {
	s.texts = append(s.texts, res.Content[0].(*mcp.TextContent).Text)
	return res
}

// neverShowed fails the test if secret appears in any result so far.
func (s *session) neverShowed(secret string) {
	s.t.Helper()
	for _, text := range s.texts {
		if strings.Contains(text, secret) {
			s.t.Errorf("a result reveals the secret %q: %s", secret, text)
		}
	}
}

type nodeEnvResult struct {
	ExposeEnvInfo bool
	Env           map[string]any
	Note          string
}

func TestNodeEnv(t *testing.T) {
	const secret = "tok-5b1e-do-not-leak"
	withEnv := func(expose bool) func(*gen.NodeOptions) {
		return func(no *gen.NodeOptions) {
			no.Security.ExposeEnvInfo = expose
			no.Env = map[gen.Env]any{"API_TOKEN": secret, "db_password": secret, "REGION": "eu-1", "WORKERS": 4}
		}
	}

	_, hidden := openSession(t, ergomcp.Options{}, startNodeWith(withEnv(false)))
	var res nodeEnvResult
	hidden.ok("node_env", nil, &res)
	if res.ExposeEnvInfo || len(res.Env) != 0 || !strings.Contains(res.Note, "ExposeEnvInfo") {
		t.Errorf("node_env without ExposeEnvInfo: %+v", res)
	}
	hidden.neverShowed(secret)

	_, shown := openSession(t, ergomcp.Options{}, startNodeWith(withEnv(true)))
	shown.ok("node_env", nil, &res)
	if !res.ExposeEnvInfo || res.Env["REGION"] != "eu-1" || res.Env["WORKERS"] != float64(4) {
		t.Errorf("node_env with ExposeEnvInfo: %+v", res)
	}
	for _, k := range []string{"API_TOKEN", "DB_PASSWORD"} {
		if res.Env[k] != "[redacted]" {
			t.Errorf("%s = %v, want [redacted]", k, res.Env[k])
		}
	}
	shown.fail("node_env", map[string]any{"verbose": true}, `unknown argument "verbose"`)
	shown.neverShowed(secret)
}
