// Command ergomcp is a terminal client for the MCP server that ergomcp
// embeds in Ergo nodes: it lists the node's diagnostics tools and calls them,
// printing results as tables a person can read.
//
// Usage:
//
//	ergomcp [flags] tools [TOOL]
//	ergomcp [flags] call TOOL [key=value | key:=json | flag]...
//	ergomcp [flags] top
//
// "tools" lists the server's tools; "tools TOOL" shows one tool's arguments.
// "call" types each key=value from the tool's input schema: integers,
// numbers, booleans, strings, arrays (comma-separated values or the key
// repeated) and objects (JSON). key:=json passes raw JSON; a bare name sets
// a boolean argument to true. An unknown argument is refused before anything
// is sent. "top" is a full-screen, refreshing view of process_top (see
// top.go); its own flags are --interval, --window, --sort, --limit and
// --cluster.
//
// Flags (anywhere on the command line):
//
//	--url URL         MCP endpoint (default $ERGOMCP_URL or http://127.0.0.1:9922/mcp)
//	--token TOKEN     bearer token (default $ERGOMCP_TOKEN)
//	--node NAME       run the tool on that cluster node (adds node=NAME)
//	--json            print the tool's JSON result, indented, instead of tables
//	--timeout D       give up after D (default 2m30s, above the server's 120 s ceiling)
//
// Exit codes, for scripts:
//
//	0  success
//	1  the tool reported an error (its text is printed to stderr), including
//	   the server-side deadline set by the tool's timeout argument
//	2  usage error: bad flag, unknown command, tool or argument, bad value
//	3  connection, protocol or authentication failure (HTTP 401: token missing or wrong)
//	4  --timeout expired
//	5  a node="*" call answered for some nodes only: at least one node's
//	   part is an error, a timeout or gone (the merged result is printed)
//	130 interrupted
//
// It depends on the MCP go-sdk only, not on Ergo, so it builds anywhere.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Exit codes; see the package documentation.
const (
	exitOK          = 0
	exitToolError   = 1
	exitUsage       = 2
	exitConnection  = 3
	exitTimeout     = 4
	exitPartial     = 5
	exitInterrupted = 130
)

const (
	defaultURL     = "http://127.0.0.1:9922/mcp"
	defaultTimeout = 150 * time.Second
	// cancelGrace bounds the wait for a cancelled call's notification to
	// reach the server before the command exits.
	cancelGrace = 2 * time.Second
)

const usageText = `Usage:
  ergomcp [flags] tools [TOOL]        list tools, or show one tool's arguments
  ergomcp [flags] call TOOL [ARG]...  call a tool
  ergomcp [flags] top                 live view of the busiest processes (q quits)

ARG is key=value (typed from the tool's schema; arrays: a,b,c or the key
repeated; objects: JSON), key:=json (raw JSON), or a bare boolean name.

Examples:
  ergomcp tools
  ergomcp tools process_list
  ergomcp call process_list sort_by=mailbox limit=5
  ergomcp call process_info name=demo_producer --json
  ergomcp --node agent1@localhost call runtime_stats

Flags (anywhere on the command line):
`

const exitText = `
Exit codes:
  0    success
  1    the tool returned an error (printed to stderr)
  2    usage error (flags, command, unknown tool or argument, bad value)
  3    connection, protocol or authentication failure
  4    --timeout expired
  5    node="*" answered for some nodes only (errors, timeouts or gone nodes)
  130  interrupted
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// config is the parsed command line.
type config struct {
	url, token, node string
	json             bool
	timeout          time.Duration
	command          string
	args             []string
	top              topConfig
}

// run is the whole command; it returns the exit code instead of exiting so
// that tests can drive it.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, code, ok := parseFlags(args, stdout, stderr)
	if !ok {
		return code
	}
	if cfg.command == "top" {
		return runTop(ctx, cfg, stdout, stderr) // runs until quit: --timeout bounds each call
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.timeout)
	defer cancel()

	var err error
	switch cfg.command {
	case "tools":
		if len(cfg.args) > 1 {
			return usageError(stderr, "tools takes at most one tool name, got %q", cfg.args)
		}
		err = withSession(ctx, cfg, stderr, func(cs *mcp.ClientSession) error {
			return listTools(ctx, cs, cfg.args, stdout)
		})
	case "call":
		if len(cfg.args) == 0 {
			return usageError(stderr, "call needs a tool name: ergomcp call TOOL [key=value]...")
		}
		err = withSession(ctx, cfg, stderr, func(cs *mcp.ClientSession) error {
			return callTool(ctx, cs, cfg, stdout, stderr)
		})
	default:
		return usageError(stderr, "unknown command %q (want tools, call or top)", cfg.command)
	}
	return report(ctx, cfg, err, stderr)
}

// parseFlags reads the flags, which may come before or after the command
// and its arguments: "ergomcp call process_list limit=5 --json" is as
// natural to type as the other order. ok is false when run should return
// code at once (help, usage error).
func parseFlags(args []string, stdout, stderr io.Writer) (cfg config, code int, ok bool) {
	fs := flag.NewFlagSet("ergomcp", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are printed below, once, in our words
	fs.StringVar(&cfg.url, "url", envOr("ERGOMCP_URL", defaultURL), "MCP endpoint `URL` (env ERGOMCP_URL)")
	fs.StringVar(&cfg.token, "token", os.Getenv("ERGOMCP_TOKEN"), "bearer `token` sent as Authorization: Bearer (env ERGOMCP_TOKEN)")
	fs.StringVar(&cfg.node, "node", "", "run the tool on this cluster `node` (adds node=... to the arguments)")
	fs.BoolVar(&cfg.json, "json", false, "print the tool's JSON result, indented, instead of tables")
	fs.DurationVar(&cfg.timeout, "timeout", defaultTimeout, "give up after this `duration`; the tool's own timeout argument bounds it on the server")
	cfg.top.flags(fs)
	usage := func(w io.Writer) {
		fmt.Fprint(w, usageText)
		fs.SetOutput(w)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
		fmt.Fprint(w, exitText)
	}

	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				usage(stdout)
				return cfg, exitOK, false
			}
			fmt.Fprintf(stderr, "ergomcp: %v\n\n", err)
			usage(stderr)
			return cfg, exitUsage, false
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		positional, args = append(positional, args[0]), args[1:]
	}
	if len(positional) == 0 {
		usage(stderr)
		return cfg, exitUsage, false
	}
	if positional[0] == "help" {
		usage(stdout)
		return cfg, exitOK, false
	}
	if cfg.timeout <= 0 {
		return cfg, usageError(stderr, "--timeout must be positive, got %s", cfg.timeout), false
	}
	if name := misused(fs, positional[0]); name != "" {
		return cfg, usageError(stderr, "--%s is a flag of top, not of %s", name, positional[0]), false
	}
	cfg.command, cfg.args = positional[0], positional[1:]
	return cfg, exitOK, true
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// usageErr is an error the user can fix by changing the command line.
type usageErr struct{ msg string }

func (e *usageErr) Error() string { return e.msg }

func usagef(format string, a ...any) error { return &usageErr{fmt.Sprintf(format, a...)} }

func usageError(stderr io.Writer, format string, a ...any) int {
	fmt.Fprintf(stderr, "ergomcp: %s\n", fmt.Sprintf(format, a...))
	return exitUsage
}

// toolError is a result the tool marked isError; its text is already
// printed.
type toolError struct{}

func (toolError) Error() string { return "tool error" }

// authTransport adds the bearer token and watches the HTTP exchange for
// what the go-sdk does not report in a form a CLI can act on.
type authTransport struct {
	token string
	base  http.RoundTripper
	// refused is the last 401 or 403 status seen: the go-sdk reports it only
	// as text inside a wrapped error, and a script must be told "your token
	// is wrong", not "broken session".
	refused atomic.Int32
	// cancelSent gets a value when the server answered a
	// notifications/cancelled, which the go-sdk sends asynchronously after a
	// call's context ends; see withSession.
	cancelSent chan struct{}
}

func (t *authTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if t.token != "" {
		r = r.Clone(r.Context())
		r.Header.Set("Authorization", "Bearer "+t.token)
	}
	cancel := isCancelNotification(r)
	resp, err := t.base.RoundTrip(r)
	if err == nil && (resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden) {
		t.refused.Store(int32(resp.StatusCode))
	}
	if cancel {
		select {
		case t.cancelSent <- struct{}{}:
		default:
		}
	}
	return resp, err
}

// isCancelNotification peeks at a POST body (a small JSON-RPC message the
// go-sdk can replay through GetBody) for notifications/cancelled.
func isCancelNotification(r *http.Request) bool {
	if r.Method != http.MethodPost || r.GetBody == nil {
		return false
	}
	body, err := r.GetBody()
	if err != nil {
		return false
	}
	defer body.Close()
	b, _ := io.ReadAll(io.LimitReader(body, 64<<10))
	return bytes.Contains(b, []byte(`"notifications/cancelled"`))
}

// connError is a failure to talk to the server, with what the transport
// saw.
type connError struct {
	err     error
	refused int
}

func (e *connError) Error() string { return e.err.Error() }
func (e *connError) Unwrap() error { return e.err }

// dial opens a session to cfg.url. progress, when not nil, gets the
// server's progress notifications. The caller closes the session, then
// base's idle connections.
func dial(ctx context.Context, cfg config, progress func(*mcp.ProgressNotificationParams)) (*mcp.ClientSession, *authTransport, *http.Transport, error) {
	base := &http.Transport{Proxy: http.ProxyFromEnvironment}
	rt := &authTransport{token: cfg.token, base: base, cancelSent: make(chan struct{}, 1)}
	var opts mcp.ClientOptions
	if progress != nil {
		opts.ProgressNotificationHandler = func(_ context.Context, req *mcp.ProgressNotificationClientRequest) {
			progress(req.Params)
		}
	}
	client := mcp.NewClient(&mcp.Implementation{Name: "ergomcp-cli", Version: "1"}, &opts)
	cs, err := client.Connect(ctx, &mcp.StreamableClientTransport{
		Endpoint:   cfg.url,
		HTTPClient: &http.Client{Transport: rt},
		MaxRetries: -1, // a CLI reports the failure; the user retries
		// One request, one response: the standalone SSE stream is for
		// server-initiated messages this client does not use, and closing
		// it is one more thing that can hang on exit.
		DisableStandaloneSSE: true,
	}, nil)
	if err != nil {
		base.CloseIdleConnections()
		return nil, rt, nil, &connError{err: err, refused: int(rt.refused.Load())}
	}
	return cs, rt, base, nil
}

// withSession connects, runs f and closes the session. Progress
// notifications go to stderr as they arrive.
func withSession(ctx context.Context, cfg config, stderr io.Writer, f func(*mcp.ClientSession) error) error {
	cs, rt, base, err := dial(ctx, cfg, func(p *mcp.ProgressNotificationParams) { printProgress(stderr, p) })
	if err != nil {
		return err
	}
	defer base.CloseIdleConnections()
	defer func() {
		if ctx.Err() != nil {
			// A call cut short by --timeout or Ctrl-C: its
			// notifications/cancelled goes out on a go-sdk goroutine, and
			// closing first would lose it, leaving the tool running on the
			// node and the session's DELETE waiting for it (5 s).
			select {
			case <-rt.cancelSent:
			case <-time.After(cancelGrace):
			}
		}
		cs.Close()
	}()
	err = f(cs)
	var ue *usageErr
	if err != nil && !errors.As(err, &ue) && !errors.Is(err, toolError{}) && !errors.Is(err, partialError{}) {
		return &connError{err: err, refused: int(rt.refused.Load())}
	}
	return err
}

// report prints err and maps it to an exit code.
func report(ctx context.Context, cfg config, err error, stderr io.Writer) int {
	// The password of a user:pass@ URL stays out of our own text, as Go's
	// url.Error already keeps it out of err's.
	cfg.url = redactedURL(cfg.url)
	var ue *usageErr
	var ce *connError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, toolError{}):
		return exitToolError
	case errors.Is(err, partialError{}):
		return exitPartial
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "ergomcp: %s\n", ue.msg)
		return exitUsage
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		fmt.Fprintf(stderr, "ergomcp: timed out after %s (--timeout) talking to %s\n", cfg.timeout, cfg.url)
		return exitTimeout
	case ctx.Err() != nil:
		fmt.Fprintln(stderr, "ergomcp: interrupted")
		return exitInterrupted
	case errors.As(err, &ce) && ce.refused == http.StatusUnauthorized:
		fmt.Fprintf(stderr, "ergomcp: %s refused the request (HTTP 401 Unauthorized): the token is missing or wrong; pass --token or set ERGOMCP_TOKEN\n", cfg.url)
		return exitConnection
	case errors.As(err, &ce) && ce.refused == http.StatusForbidden:
		fmt.Fprintf(stderr, "ergomcp: %s refused the request (HTTP 403 Forbidden): the server does not accept this client's Origin or Host\n", cfg.url)
		return exitConnection
	}
	fmt.Fprintf(stderr, "ergomcp: cannot talk to the MCP server at %s: %v\n", cfg.url, err)
	return exitConnection
}

// redactedURL masks the password of a URL; text that is not a URL is
// shown as is, having no password to mask.
func redactedURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	return u.Redacted()
}

// printProgress prints one progress notification as a line, so that a
// long call (a CPU profile, a sampling window) shows it is alive.
func printProgress(w io.Writer, p *mcp.ProgressNotificationParams) {
	line := "progress: " + strconv.FormatFloat(p.Progress, 'g', 4, 64)
	if p.Total > 0 {
		line = fmt.Sprintf("progress: %.0f%%", 100*p.Progress/p.Total)
	}
	if p.Message != "" {
		line += " " + p.Message
	}
	fmt.Fprintln(w, line)
}

// fetchTools returns every tool the server lists, following pages.
func fetchTools(ctx context.Context, cs *mcp.ClientSession) ([]*mcp.Tool, error) {
	var tools []*mcp.Tool
	for t, err := range cs.Tools(ctx, nil) {
		if err != nil {
			return nil, err
		}
		tools = append(tools, t)
	}
	slices.SortFunc(tools, func(a, b *mcp.Tool) int { return strings.Compare(a.Name, b.Name) })
	return tools, nil
}

// findTool looks name up; an unknown name is a usage error that suggests
// similar names.
func findTool(tools []*mcp.Tool, name string) (*mcp.Tool, error) {
	var similar []string
	for _, t := range tools {
		if t.Name == name {
			return t, nil
		}
		if strings.Contains(t.Name, name) || strings.Contains(name, t.Name) {
			similar = append(similar, t.Name)
		}
	}
	msg := fmt.Sprintf("unknown tool %q", name)
	if len(similar) > 0 {
		msg += "; did you mean " + strings.Join(similar, ", ") + "?"
	}
	return nil, usagef("%s (ergomcp tools lists them)", msg)
}

func listTools(ctx context.Context, cs *mcp.ClientSession, args []string, stdout io.Writer) error {
	tools, err := fetchTools(ctx, cs)
	if err != nil {
		return err
	}
	if len(args) == 0 {
		writeToolTable(stdout, tools)
		return nil
	}
	t, err := findTool(tools, args[0])
	if err != nil {
		return err
	}
	s, err := inputSchema(t)
	if err != nil {
		return err
	}
	writeToolHelp(stdout, t, s)
	return nil
}

func callTool(ctx context.Context, cs *mcp.ClientSession, cfg config, stdout, stderr io.Writer) error {
	tools, err := fetchTools(ctx, cs)
	if err != nil {
		return err
	}
	t, err := findTool(tools, cfg.args[0])
	if err != nil {
		return err
	}
	s, err := inputSchema(t)
	if err != nil {
		return err
	}
	words := cfg.args[1:]
	if cfg.node != "" {
		words = append([]string{"node=" + cfg.node}, words...)
	}
	args, err := parseArgs(t.Name, s, words)
	if err != nil {
		return err
	}

	params := &mcp.CallToolParams{Name: t.Name, Arguments: args}
	// Any token will do: this session makes one call.
	params.SetProgressToken("ergomcp")
	res, err := cs.CallTool(ctx, params)
	if err != nil {
		return err
	}
	text := resultText(res)
	if res.IsError {
		fmt.Fprintf(stderr, "ergomcp: %s: %s\n", t.Name, text)
		return toolError{}
	}
	if cfg.json {
		err = writeJSON(stdout, text)
	} else {
		err = writeResult(stdout, text)
	}
	if err == nil && partialFanOut(text) {
		fmt.Fprintf(stderr, "ergomcp: %s: some nodes did not answer (see their status above)\n", t.Name)
		return partialError{}
	}
	return err
}

// partialError is a node="*" result that lacks some nodes' answers; the
// result is already printed.
type partialError struct{}

func (partialError) Error() string { return "partial fan-out" }

// partialFanOut reports whether text is a merged node="*" answer in which
// a node failed, timed out or is gone: a script must not read it as whole.
func partialFanOut(text string) bool {
	var m struct {
		Tool                   string
		Nodes                  *int
		Results                []json.RawMessage
		Errors, Timeouts, Gone int
	}
	if json.Unmarshal([]byte(text), &m) != nil || m.Nodes == nil || m.Results == nil || m.Tool == "" {
		return false
	}
	return m.Errors+m.Timeouts+m.Gone > 0
}

// resultText joins the text blocks of a result; ergomcp sends exactly one.
func resultText(res *mcp.CallToolResult) string {
	var parts []string
	for _, c := range res.Content {
		if t, ok := c.(*mcp.TextContent); ok {
			parts = append(parts, t.Text)
		}
	}
	return strings.Join(parts, "\n")
}
