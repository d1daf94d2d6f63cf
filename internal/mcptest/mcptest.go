// Package mcptest is what the tests of an MCP server over HTTP share: a
// real go-sdk client session, tool calls answered as text or decoded, raw
// MCP POSTs for what the client would hide, and waiting for a condition
// with a deadline. It imports no ergo, so the ergo-free packages'
// tests (transport, cmd/ergomcp) use the same helpers as the node tests
// (internal/testnode starts the nodes).
package mcptest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/ergomcp/ergomcp/internal/result"
)

// CallTimeout bounds every call made here: long enough for a tool that
// waits on a hung peer to its own deadline, short enough that a hang fails
// the test instead of the whole binary.
const CallTimeout = time.Minute

// FreePort asks the kernel for a loopback port that is free right now.
func FreePort(tb testing.TB) uint16 {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer l.Close()
	return uint16(l.Addr().(*net.TCPAddr).Port)
}

// URL is the MCP endpoint ergomcp serves on a local port.
func URL(port uint16) string { return fmt.Sprintf("http://localhost:%d/mcp", port) }

// Client says how a session connects; the zero value is a plain client
// with an HTTP transport of its own, closed at the end of the test.
type Client struct {
	Token      string             // sent as a bearer token when set
	Header     http.Header        // sent with every request
	HTTP       *http.Client       // replaces the client of its own (its Transport gets Token and Header)
	Options    *mcp.ClientOptions // progress handlers and the like
	MaxRetries int                // the go-sdk's reconnection attempts; 0 is its default, -1 none
}

// Open connects a go-sdk session to url; the session is closed at the
// end of tb.
func (c Client) Open(tb testing.TB, url string) (*mcp.ClientSession, error) {
	tb.Helper()
	hc := &http.Client{}
	if c.HTTP != nil {
		*hc = *c.HTTP
	}
	base := hc.Transport
	if base == nil {
		own := &http.Transport{}
		tb.Cleanup(own.CloseIdleConnections)
		base = own
	}
	header := c.Header.Clone()
	if c.Token != "" {
		if header == nil {
			header = http.Header{}
		}
		header.Set("Authorization", "Bearer "+c.Token)
	}
	hc.Transport = headers{header, base}
	client := mcp.NewClient(&mcp.Implementation{Name: "ergomcp-test", Version: "1"}, c.Options)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := client.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: url, HTTPClient: hc, MaxRetries: c.MaxRetries}, nil)
	if err != nil {
		return nil, err
	}
	tb.Cleanup(func() { _ = s.Close() })
	return s, nil
}

// Connect is Open that fails the test when the session cannot be opened.
func (c Client) Connect(tb testing.TB, url string) *mcp.ClientSession {
	tb.Helper()
	s, err := c.Open(tb, url)
	if err != nil {
		tb.Fatalf("connect %s: %v", url, err)
	}
	return s
}

// Connect opens a session to url with token (none when empty).
func Connect(tb testing.TB, url, token string) *mcp.ClientSession {
	tb.Helper()
	return Client{Token: token}.Connect(tb, url)
}

// headers adds fixed headers to every request of a client.
type headers struct {
	header http.Header
	base   http.RoundTripper
}

func (h headers) RoundTrip(r *http.Request) (*http.Response, error) {
	if len(h.header) > 0 {
		r = r.Clone(r.Context())
		for k, v := range h.header {
			r.Header[k] = v
		}
	}
	return h.base.RoundTrip(r)
}

// Bearer is the header that carries token.
func Bearer(token string) http.Header {
	return http.Header{"Authorization": {"Bearer " + token}}
}

// Run calls a tool within CallTimeout; a protocol error fails the test, an
// isError result is returned like any other.
func Run(tb testing.TB, s *mcp.ClientSession, tool string, args any) *mcp.CallToolResult {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), CallTimeout)
	defer cancel()
	res, err := s.CallTool(ctx, &mcp.CallToolParams{Name: tool, Arguments: args})
	if err != nil {
		tb.Fatalf("%s: %v", tool, err)
	}
	return res
}

// Call runs a tool and, when out is not nil, decodes its answer into out
// (Decode); then an isError result fails the test.
func Call(tb testing.TB, s *mcp.ClientSession, tool string, args any, out any) *mcp.CallToolResult {
	tb.Helper()
	res := Run(tb, s, tool, args)
	if out != nil {
		DecodeResult(tb, fmt.Sprintf("%s(%v)", tool, args), res, out)
	}
	return res
}

// DecodeResult decodes a result that must not be an error into out
// (Decode); what names the call in a failure.
func DecodeResult(tb testing.TB, what string, res *mcp.CallToolResult, out any) {
	tb.Helper()
	text := Text(tb, res)
	if res.IsError {
		tb.Fatalf("%s: isError: %s", what, text)
	}
	if err := Decode(text, out); err != nil {
		tb.Fatalf("%s: result is not JSON: %v\n%s", what, err, text)
	}
}

// CallText runs a tool and returns its text and whether it is an error.
func CallText(tb testing.TB, s *mcp.ClientSession, tool string, args any) (text string, isError bool) {
	tb.Helper()
	res := Run(tb, s, tool, args)
	return Text(tb, res), res.IsError
}

// Text is a result's one text block; any other content fails the test.
func Text(tb testing.TB, res *mcp.CallToolResult) string {
	tb.Helper()
	if len(res.Content) != 1 {
		tb.Fatalf("result has %d content blocks, want 1", len(res.Content))
	}
	text, ok := res.Content[0].(*mcp.TextContent)
	if !ok {
		tb.Fatalf("content is %T, want *mcp.TextContent", res.Content[0])
	}
	return text.Text
}

// ErrorText is an isError result's text; any other result fails the test.
func ErrorText(tb testing.TB, res *mcp.CallToolResult) string {
	tb.Helper()
	text := Text(tb, res)
	if !res.IsError {
		tb.Fatalf("expected isError, got %s", text)
	}
	return text
}

// Decode decodes a tool's JSON answer into out with every list in it (the
// default table form or format=records) read as one object per row.
func Decode(text string, out any) error {
	expanded, err := result.Expand([]byte(text))
	if err != nil {
		return err
	}
	return json.Unmarshal(expanded, out)
}

// InitializeBody is a raw client's initialize request.
const InitializeBody = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"0"}}}`

// SessionHeader names a session and its protocol version, as every
// request after initialize must.
func SessionHeader(id, version string) http.Header {
	return http.Header{"Mcp-Session-Id": {id}, "Mcp-Protocol-Version": {version}}
}

// Post sends one raw MCP POST with client (http.DefaultClient when nil),
// for checks below the go-sdk client, and reads the whole answer; an
// answer cut short (the server closing a stream) is returned as read.
func Post(tb testing.TB, client *http.Client, url string, header http.Header, body io.Reader) (status int, respHeader http.Header, respBody string) {
	tb.Helper()
	req, err := http.NewRequest(http.MethodPost, url, body)
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	for k, v := range header {
		req.Header[k] = v
	}
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		tb.Fatalf("POST %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		tb.Fatalf("reading the answer to POST %s: %v", url, err)
	}
	return resp.StatusCode, resp.Header, string(b)
}

// RawSession initializes a session the way a client that never sends
// DELETE does (Claude Code, the Inspector, the TypeScript SDK's close()):
// initialize, notifications/initialized, and no stream left open.
func RawSession(tb testing.TB, client *http.Client, url, version string) string {
	tb.Helper()
	body := strings.Replace(InitializeBody, "2025-06-18", version, 1)
	status, header, resp := Post(tb, client, url, nil, strings.NewReader(body))
	id := header.Get("Mcp-Session-Id")
	if status != http.StatusOK || id == "" {
		tb.Fatalf("initialize: %d %q", status, resp)
	}
	if status, _, resp := Post(tb, client, url, SessionHeader(id, version), strings.NewReader(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)); status != http.StatusAccepted {
		tb.Fatalf("notifications/initialized: %d %q", status, resp)
	}
	return id
}
