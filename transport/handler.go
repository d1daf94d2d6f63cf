// Package transport serves ergomcp's tools over MCP Streamable HTTP.
//
// It is independent of Ergo: a Handler takes the tools from a
// catalog.Registry and runs calls through a catalog.Invoker, so the Ergo side
// only supplies the invoker and an actor that calls Listen. In front of the
// go-sdk's StreamableHTTPHandler the Handler enforces path, Host, Origin,
// bearer authentication, body size and a session ceiling; behind it, every
// tools/call is decoded strictly, checked against the Policy, bounded by a
// deadline and audited once.
package transport

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// closeGrace bounds how long Close waits for requests and invokers that
// ignore cancellation; beyond it Close reports them instead of hanging its
// caller (usually an actor terminating).
const closeGrace = 10 * time.Second

// errClosed is the cancellation cause of calls still running at Close.
var errClosed = errors.New("ergomcp: MCP server is shutting down")

// Handler is an http.Handler serving one MCP endpoint with stateful
// Streamable HTTP sessions. Create it with New and Close it when done.
type Handler struct {
	cfg     Config
	server  *mcp.Server
	inner   http.Handler    // auth, then limits, then the go-sdk handler
	sdk     http.Handler    // the go-sdk StreamableHTTPHandler
	hosts   *hostSet        // nil: any Host
	visible map[string]bool // tools/list filter; computed once, Policy cannot change

	// stop is cancelled by Close so that running calls end and sessions,
	// whose Close waits for in-flight requests, can drain.
	stop     context.Context
	stopCall context.CancelCauseFunc

	sessions sessionCalls // running calls by session, ended on DELETE

	mu      sync.Mutex
	closed  bool
	opening int            // sessions being created, counted against MaxSessions
	opens   sync.WaitGroup // the same, for Close to wait on
	calls   sync.WaitGroup // Invoker goroutines
}

// New validates cfg and builds the MCP server: every registry tool is
// registered, tools/list shows those Policy.Visible allows.
func New(cfg Config) (*Handler, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	h := &Handler{
		cfg:     cfg,
		hosts:   newHostSet(cfg.AllowedHosts),
		visible: make(map[string]bool),
	}
	h.stop, h.stopCall = context.WithCancelCause(context.Background())

	h.server = mcp.NewServer(&mcp.Implementation{Name: cfg.Name, Version: cfg.Version}, &mcp.ServerOptions{
		Logger:       cfg.Logger,
		Instructions: cfg.Instructions,
		// Only tools and prompts: the default would also advertise logging,
		// which we do not implement. Neither list changes after New.
		Capabilities: capabilities(cfg),
	})
	for _, p := range cfg.Prompts {
		h.server.AddPrompt(p.MCP(), promptHandler(p))
	}
	h.server.AddReceivingMiddleware(h.listVisible)
	// Hidden tools are registered too: calling one must reach Policy.Check
	// and get its explanation, not an "unknown tool" protocol error.
	for _, t := range cfg.Registry.Tools() {
		h.server.AddTool(t.MCP(), h.toolHandler(t))
		if cfg.Policy.Visible(t) {
			h.visible[t.Name] = true
		}
	}

	h.sdk = mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return h.server }, &mcp.StreamableHTTPOptions{
		Logger:              cfg.Logger,
		SessionTimeout:      cfg.SessionTimeout,
		MaxRequestBodyBytes: cfg.MaxBodyBytes,
	})
	verify := verifyFunc(cfg.Verifier)
	if verify == nil && cfg.Token != "" {
		verify = staticToken(cfg.Token)
	}
	h.inner = requireBearer(verify, cfg.Logger, http.HandlerFunc(h.serveMCP))
	return h, nil
}

// listVisible is receiving middleware hiding from tools/list what the
// policy refuses, so agents are not tempted by tools that cannot run.
func (h *Handler) listVisible(next mcp.MethodHandler) mcp.MethodHandler {
	return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
		res, err := next(ctx, method, req)
		if list, ok := res.(*mcp.ListToolsResult); ok && list != nil && err == nil {
			// The go-sdk builds a fresh slice per request; filtering in place
			// does not touch the registered tools.
			list.Tools = slices.DeleteFunc(list.Tools, func(t *mcp.Tool) bool { return !h.visible[t.Name] })
		}
		return res, err
	}
}

// ServeHTTP checks path, Host, Origin and credentials before the request
// reaches the go-sdk. Checks that need no secret come first, so that a
// foreign page learns nothing about the token.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path != h.cfg.Path:
		http.NotFound(w, r)
	case !h.hosts.allows(r.Host):
		http.Error(w, fmt.Sprintf("Forbidden: Host %q is not in Config.AllowedHosts", r.Host), http.StatusForbidden)
	case !originAllowed(r, h.cfg.AllowedOrigins):
		http.Error(w, fmt.Sprintf("Forbidden: Origin %q is not allowed (Config.AllowedOrigins)", r.Header.Get("Origin")), http.StatusForbidden)
	default:
		h.inner.ServeHTTP(w, r)
	}
}

// serveMCP runs after authentication: body limit, shutdown and the session
// ceiling, then the go-sdk.
func (h *Handler) serveMCP(w http.ResponseWriter, r *http.Request) {
	if !limitBody(w, r, h.cfg.MaxBodyBytes) {
		return
	}
	creates, err := createsSession(r)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			http.Error(w, fmt.Sprintf("request body exceeds %d bytes (Config.MaxBodyBytes)", tooBig.Limit), http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "Bad Request: reading body: "+err.Error(), http.StatusBadRequest)
		return
	}
	if creates {
		done, err := h.openSession()
		if err != nil {
			w.Header().Set("Retry-After", "5")
			http.Error(w, "Service Unavailable: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		defer done()
	} else if h.isClosed() {
		http.Error(w, "Service Unavailable: "+errClosed.Error(), http.StatusServiceUnavailable)
		return
	}
	if id := r.Header.Get("Mcp-Session-Id"); r.Method == http.MethodDelete && id != "" {
		// Authenticated (this runs after requireBearer): only a holder of
		// the token, who could cancel each call anyway, ends them at once.
		h.sessions.cancel(id)
	}
	h.sdk.ServeHTTP(w, r)
}

// openSession reserves a slot for a new session until the creating request
// returns; by then the go-sdk has either listed the session or closed it.
// Counting reservations and live sessions together may refuse one session
// too early in a race, never admit one too many.
func (h *Handler) openSession() (done func(), err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, errClosed
	}
	// Only initialized sessions count: the go-sdk briefly lists a session for
	// a client's server/discover probe too, which ends with that request.
	n := h.opening
	for ss := range h.server.Sessions() {
		if ss.InitializeParams() != nil {
			n++
		}
	}
	if n >= h.cfg.MaxSessions {
		return nil, fmt.Errorf("too many MCP sessions (limit %d, Config.MaxSessions); close idle clients or retry later", h.cfg.MaxSessions)
	}
	h.opening++
	h.opens.Add(1)
	return func() {
		h.mu.Lock()
		h.opening--
		h.mu.Unlock()
		h.opens.Done()
	}, nil
}

// createsSession reports whether r is an initialize request without a
// session: only those count against MaxSessions. Other requests without a
// session id (the go-sdk client's server/discover probe) must not hold a
// slot, or a client's own initialize, sent right after its probe, could be
// refused while the probe's slot is released. The body, already capped by
// limitBody, is read and put back for the go-sdk.
func createsSession(r *http.Request) (bool, error) {
	if r.Method != http.MethodPost || r.Header.Get("Mcp-Session-Id") != "" || r.Body == nil {
		return false, nil
	}
	body, err := io.ReadAll(r.Body)
	r.Body.Close()
	if err != nil {
		return false, err
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	var msg struct {
		Method string `json:"method"`
	}
	// A batch or malformed body cannot initialize; the go-sdk rejects it.
	if json.Unmarshal(body, &msg) != nil {
		return false, nil
	}
	return msg.Method == "initialize", nil
}

func (h *Handler) isClosed() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.closed
}

// startCall registers an Invoker goroutine; false once Close has begun,
// which keeps calls.Add from racing with calls.Wait.
func (h *Handler) startCall() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return false
	}
	h.calls.Add(1)
	return true
}

// Close refuses new requests, cancels running calls, closes every session
// and waits for Invoker goroutines to return. Waiting is bounded by
// closeGrace: a request still creating a session or an invoker ignoring
// cancellation after that is reported as an error rather than hanging the
// caller. Close is idempotent; a second call returns nil at once.
func (h *Handler) Close() error {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return nil
	}
	h.closed = true
	h.mu.Unlock()

	h.stopCall(errClosed)
	deadline := time.Now().Add(closeGrace)
	var errs []error
	// A session being created now would escape the loop below.
	if !waitUntil(&h.opens, deadline) {
		errs = append(errs, fmt.Errorf("a request creating an MCP session did not finish within %s of Close", closeGrace))
	}
	for ss := range h.server.Sessions() {
		if err := ss.Close(); err != nil {
			errs = append(errs, fmt.Errorf("closing MCP session %s: %w", ss.ID(), err))
		}
	}
	if !waitUntil(&h.calls, deadline) {
		errs = append(errs, fmt.Errorf("a tool invoker was still running %s after Close; it ignores context cancellation", closeGrace))
	}
	if len(errs) > 0 {
		return fmt.Errorf("transport: close: %w", errors.Join(errs...))
	}
	return nil
}

// waitUntil waits for wg until deadline. On timeout the waiting goroutine
// is left behind, the lesser evil than blocking the caller forever.
func waitUntil(wg *sync.WaitGroup, deadline time.Time) bool {
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	t := time.NewTimer(time.Until(deadline))
	defer t.Stop()
	select {
	case <-done:
		return true
	case <-t.C:
		return false
	}
}
