package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ergomcp/ergomcp/internal/catalog"
	"github.com/ergomcp/ergomcp/transport"
)

// The tests run the command against a real MCP server: the repo's own
// transport (the one ergomcp nodes serve) with a few test tools, so that
// schemas, strict decoding, isError, auth and progress are the real thing.

type listArgs struct {
	catalog.Common
	Limit   int            `json:"limit,omitempty" jsonschema:"most things to return"`
	Ratio   float64        `json:"ratio,omitempty" jsonschema:"a fraction"`
	Verbose bool           `json:"verbose,omitempty" jsonschema:"say more"`
	Names   []string       `json:"names,omitempty" jsonschema:"only these names"`
	IDs     []int          `json:"ids,omitempty" jsonschema:"only these ids"`
	SortBy  string         `json:"sort_by,omitempty" jsonschema:"order"`
	Filter  map[string]any `json:"filter,omitempty" jsonschema:"free-form filter"`
}

type noArgs struct{ catalog.Common }

const listResult = `{"total":3,"returned":2,"truncated":true,"truncated_by":"limit","node":"test@localhost",` +
	`"things":[{"PID":"<ABC.0.1>","Name":"alpha","MessagesIn":10,"Meta":{"a":1,"b":[1,2]},"Utilization":0.123456789},` +
	`{"PID":"<ABC.0.2>","Name":"","MessagesIn":0,"Extra":"only here"}],"note":"two\nlines"}`

func testRegistry() *catalog.Registry {
	r := new(catalog.Registry)
	r.Add(catalog.Define[listArgs](catalog.Tool{
		Name: "list_things", Title: "List things", Description: "Lists things. Long text after the first sentence.",
		Enums: map[string][]any{"sort_by": {"mailbox", "pid"}},
	}))
	r.Add(catalog.Define[noArgs](catalog.Tool{Name: "fail", Title: "Always fails", Description: "Fails."}))
	r.Add(catalog.Define[noArgs](catalog.Tool{Name: "progress", Title: "Reports progress", Description: "Three steps."}))
	r.Add(catalog.Define[noArgs](catalog.Tool{Name: "slow", Title: "Never answers", Description: "Waits until cancelled.", Long: true}))
	r.Add(catalog.Define[noArgs](catalog.Tool{Name: "fan", Title: "A fan-out", Description: "Answers as node=\"*\" does.", FanOut: true}))
	return r
}

// server is a transport.Handler behind httptest, recording the calls it ran.
type server struct {
	url   string
	calls atomic.Int32
	// slowEnded gets the context error the slow tool saw when it stopped.
	slowEnded chan error

	mu   sync.Mutex
	last any // the decoded arguments of the last call
}

func newServer(t *testing.T, token string) *server {
	t.Helper()
	s := &server{slowEnded: make(chan error, 1)}
	h, err := transport.New(transport.Config{
		Registry: testRegistry(),
		Token:    token,
		Invoker: catalog.InvokerFunc(func(ctx context.Context, call *catalog.Call) catalog.Result {
			s.calls.Add(1)
			s.mu.Lock()
			s.last = call.Args
			s.mu.Unlock()
			switch call.Tool.Name {
			case "list_things":
				return catalog.Result{Text: listResult}
			case "fail":
				return catalog.Result{Text: "process <ABC.0.9> is not alive", IsError: true}
			case "progress":
				for i := 1; i <= 3; i++ {
					call.Progress(float64(i), 3, fmt.Sprintf("step %d", i))
				}
				return catalog.Result{Text: `{"done":true}`}
			case "fan":
				return catalog.Result{Text: fanText}
			case "slow":
				<-ctx.Done()
				s.slowEnded <- ctx.Err()
				return catalog.Result{Text: "cancelled", IsError: true}
			}
			return catalog.Result{Text: "unexpected tool", IsError: true}
		}),
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(func() {
		h.Close()
		srv.Close()
	})
	s.url = srv.URL + transport.DefaultPath
	return s
}

func (s *server) lastArgs() any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.last
}

// runCmd runs the command against s and returns what it printed.
func runCmd(t *testing.T, s *server, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	t.Setenv("ERGOMCP_URL", "")
	t.Setenv("ERGOMCP_TOKEN", "")
	if s != nil {
		args = append([]string{"--url", s.url}, args...)
	}
	var out, errOut bytes.Buffer
	code = run(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestCallTypesArgumentsFromSchema(t *testing.T) {
	s := newServer(t, "")
	code, _, stderr := runCmd(t, s, "call", "list_things",
		"limit=5", "ratio=0.5", "verbose", "names=a,b", "names=c", "ids=1,2", "sort_by=pid",
		`filter:={"min":3}`, "--node", "n1@localhost", "timeout=7")
	if code != exitOK {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	want := &listArgs{
		Common: catalog.Common{Node: "n1@localhost", Timeout: 7},
		Limit:  5, Ratio: 0.5, Verbose: true,
		Names: []string{"a", "b", "c"}, IDs: []int{1, 2}, SortBy: "pid",
		Filter: map[string]any{"min": json.Number("3")},
	}
	if got := s.lastArgs(); !reflect.DeepEqual(got, want) {
		t.Errorf("server decoded %+v, want %+v", got, want)
	}

	// verbose=false and key:= for an array.
	if code, _, stderr := runCmd(t, s, "call", "list_things", "verbose=false", `names:=["x"]`); code != exitOK {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	if got := s.lastArgs().(*listArgs); got.Verbose || !reflect.DeepEqual(got.Names, []string{"x"}) {
		t.Errorf("server decoded %+v, want verbose false, names [x]", got)
	}
}

func TestUsageErrorsSendNothing(t *testing.T) {
	s := newServer(t, "")
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"call", "list_things", "limt=5"}, []string{`unknown argument "limt" for list_things`, "filter, ids, limit, names, ratio, sort_by, verbose, node, timeout"}},
		{[]string{"call", "list_things", "limit=five"}, []string{`"limit" must be an integer, got "five"`}},
		{[]string{"call", "list_things", "ids=1,x"}, []string{`"ids" must be an integer, got "x"`}},
		{[]string{"call", "list_things", "verbose=maybe"}, []string{`"verbose" must be true or false`}},
		{[]string{"call", "list_things", "sort_by=size"}, []string{`"sort_by" must be one of mailbox, pid, got "size"`}},
		{[]string{"call", "list_things", "limit=1", "limit=2"}, []string{`"limit" given twice`}},
		{[]string{"call", "list_things", "limit"}, []string{`"limit" needs a value`}},
		{[]string{"call", "list_things", "filter:={bad"}, []string{`"filter"`, "needs JSON"}},
		{[]string{"call", "list"}, []string{`unknown tool "list"`, "did you mean list_things"}},
		{[]string{"call", "fail", "x=1"}, []string{`unknown argument "x" for fail; it takes: node, timeout`}},
		{[]string{"call"}, []string{"call needs a tool name"}},
		{[]string{"frobnicate"}, []string{`unknown command "frobnicate"`}},
		{[]string{"--bogus", "tools"}, []string{"flag provided but not defined: -bogus", "Exit codes:"}},
		{[]string{"--timeout", "-1s", "tools"}, []string{"--timeout must be positive"}},
		{nil, []string{"Usage:"}},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, stdout, stderr := runCmd(t, s, tc.args...)
			if code != exitUsage {
				t.Errorf("exit %d, want %d; stderr %q", code, exitUsage, stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr %q does not contain %q", stderr, w)
				}
			}
			if stdout != "" {
				t.Errorf("stdout = %q, want nothing", stdout)
			}
		})
	}
	if n := s.calls.Load(); n != 0 {
		t.Errorf("%d tool calls reached the server, want none", n)
	}
}

func TestTableHasEveryColumn(t *testing.T) {
	s := newServer(t, "")
	code, stdout, stderr := runCmd(t, s, "call", "list_things")
	if code != exitOK {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^total: +3$`),
		regexp.MustCompile(`(?m)^truncated: +true$`),
		regexp.MustCompile(`(?m)^truncated_by: +limit$`),
		regexp.MustCompile(`(?m)^node: +test@localhost$`),
		// Union of keys, first-seen order; Extra only in the second row.
		regexp.MustCompile(`(?m)^things:\n  PID +Name +MessagesIn +Meta +Utilization +Extra$`),
		// Nested values compact JSON, fractions shortened, absent cells "-".
		regexp.MustCompile(`(?m)^  <ABC\.0\.1> +alpha +10 +\{"a":1,"b":\[1,2\]\} +0\.1235 +-$`),
		regexp.MustCompile(`(?m)^  <ABC\.0\.2> +"" +0 +- +- +only here$`),
		// A scalar after the table stands apart; multi-line text as a block.
		regexp.MustCompile(`(?m)\n\nnote:\n  two\n  lines\n$`),
	} {
		if !want.MatchString(stdout) {
			t.Errorf("output does not match %s:\n%s", want, stdout)
		}
	}
}

func TestJSONFlag(t *testing.T) {
	s := newServer(t, "")
	code, stdout, stderr := runCmd(t, s, "call", "--json", "list_things")
	if code != exitOK {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	var want bytes.Buffer
	if err := json.Indent(&want, []byte(listResult), "", "  "); err != nil {
		t.Fatal(err)
	}
	if stdout != want.String()+"\n" {
		t.Errorf("--json printed\n%s\nwant\n%s", stdout, want.String())
	}
}

func TestToolErrorExits1(t *testing.T) {
	s := newServer(t, "")
	code, stdout, stderr := runCmd(t, s, "call", "fail")
	if code != exitToolError {
		t.Errorf("exit %d, want %d", code, exitToolError)
	}
	if stdout != "" || !strings.Contains(stderr, "fail: process <ABC.0.9> is not alive") {
		t.Errorf("stdout %q, stderr %q; want the tool's text on stderr only", stdout, stderr)
	}
}

func TestToken(t *testing.T) {
	s := newServer(t, "s3cret")
	for _, args := range [][]string{{"tools"}, {"--token", "guess", "tools"}} {
		code, _, stderr := runCmd(t, s, args...)
		if code != exitConnection || !strings.Contains(stderr, "401 Unauthorized): the token is missing or wrong") {
			t.Errorf("%v: exit %d, stderr %q; want %d and a word about the token", args, code, stderr, exitConnection)
		}
	}
	if code, stdout, stderr := runCmd(t, s, "--token", "s3cret", "tools"); code != exitOK || !strings.Contains(stdout, "list_things") {
		t.Errorf("right token: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}

	// The token also comes from the environment.
	t.Setenv("ERGOMCP_TOKEN", "s3cret")
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"--url", s.url, "tools"}, &out, &errOut); code != exitOK {
		t.Errorf("ERGOMCP_TOKEN: exit %d, stderr %q", code, errOut.String())
	}
}

func TestUnreachableServer(t *testing.T) {
	srv := httptest.NewServer(nil)
	url := srv.URL + "/mcp"
	srv.Close() // nothing listens there any more
	code, _, stderr := runCmd(t, nil, "--url", url, "tools")
	if code != exitConnection || !strings.Contains(stderr, "cannot talk to the MCP server at "+url) {
		t.Errorf("exit %d, stderr %q; want %d", code, stderr, exitConnection)
	}
}

// TestURLPasswordMasked (issue 13, item 9): the password of a user:pass@
// URL never appears in the error, which before showed it in its own prefix
// while Go's part of the same line masked it.
func TestURLPasswordMasked(t *testing.T) {
	srv := httptest.NewServer(nil)
	url := strings.Replace(srv.URL, "http://", "http://ops:hunter2-pw@", 1) + "/mcp"
	srv.Close()
	code, _, stderr := runCmd(t, nil, "--url", url, "tools")
	if code != exitConnection || strings.Contains(stderr, "hunter2-pw") || !strings.Contains(stderr, "ops:xxxxx@") {
		t.Errorf("exit %d, stderr %q: want the password masked", code, stderr)
	}
}

func TestProgressGoesToStderr(t *testing.T) {
	s := newServer(t, "")
	code, stdout, stderr := runCmd(t, s, "call", "progress")
	if code != exitOK {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	want := "progress: 33% step 1\nprogress: 67% step 2\nprogress: 100% step 3\n"
	if stderr != want {
		t.Errorf("stderr = %q, want %q", stderr, want)
	}
	if stdout != "done: true\n" {
		t.Errorf("stdout = %q", stdout)
	}
}

func TestTimeoutExits4(t *testing.T) {
	s := newServer(t, "")
	start := time.Now()
	code, _, stderr := runCmd(t, s, "--timeout", "300ms", "call", "slow")
	if code != exitTimeout || !strings.Contains(stderr, "timed out after 300ms") {
		t.Errorf("exit %d, stderr %q; want %d", code, stderr, exitTimeout)
	}
	// The client told the server: the tool stopped, and the command did not
	// wait for the session's DELETE to time out.
	if took := time.Since(start); took > cancelGrace {
		t.Errorf("the command took %s after a 300ms timeout", took)
	}
	select {
	case err := <-s.slowEnded:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("the tool ended with %v, want cancellation by the client", err)
		}
	case <-time.After(5 * time.Second):
		t.Error("the tool was not cancelled on the server")
	}
}

func TestTools(t *testing.T) {
	s := newServer(t, "")
	code, stdout, stderr := runCmd(t, s, "tools")
	if code != exitOK {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	for _, want := range []string{"TOOL", "KIND", "list_things", "read-only", "List things", "slow"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("tools output lacks %q:\n%s", want, stdout)
		}
	}

	code, stdout, stderr = runCmd(t, s, "tools", "list_things")
	if code != exitOK {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^list_things \(read-only\): List things$`),
		regexp.MustCompile(`(?m)^limit +integer +most things to return$`),
		regexp.MustCompile(`(?m)^names +\[\]string +only these names$`),
		regexp.MustCompile(`(?m)^sort_by +string +order\. One of: mailbox, pid\.$`),
		regexp.MustCompile(`(?m)^timeout +integer`),
	} {
		if !want.MatchString(stdout) {
			t.Errorf("tool help does not match %s:\n%s", want, stdout)
		}
	}
	if code, _, stderr := runCmd(t, s, "tools", "nope"); code != exitUsage || !strings.Contains(stderr, `unknown tool "nope"`) {
		t.Errorf("tools nope: exit %d, stderr %q", code, stderr)
	}
}

func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"help"}} {
		code, stdout, _ := runCmd(t, nil, args...)
		if code != exitOK {
			t.Errorf("%v: exit %d, want 0", args, code)
		}
		for _, want := range []string{"ergomcp [flags] call TOOL", "-token", "ERGOMCP_URL", "4    --timeout expired"} {
			if !strings.Contains(stdout, want) {
				t.Errorf("%v: help lacks %q:\n%s", args, want, stdout)
			}
		}
	}
}
