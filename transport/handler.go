// Package transport serves ergomcp's tools over MCP Streamable HTTP.
//
// It is independent of Ergo: a Handler takes the tools from a
// catalog.Registry and runs calls through a catalog.Invoker, so the Ergo side
// only supplies the invoker and an actor that calls Listen. In front of the
// go-sdk's StreamableHTTPHandler the Handler enforces path, Host, Origin,
// bearer authentication, body size and a session ceiling; behind it, every
// tools/call is decoded strictly, bounded by a deadline, run by the Invoker
// (which checks the policy where the tool runs) and audited once.
package transport

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
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

	sessions *sessionTable // initialized sessions, LRU-evicted when full
	carriers carriers      // the HTTP request carrying each POST, for its calls
	silence  silence       // marks responses that must not be sent
	events   silentStore   // replayable SSE events, bounded
	logs     *rateLog      // rejections and panics, rate-limited, to Logger

	// bodyTimeout bounds reading one request body (a client trickling a
	// large body would hold its connection forever).
	bodyTimeout time.Duration

	mu     sync.Mutex
	closed bool
	calls  sync.WaitGroup // calls inside the Invoker
}

// New validates cfg and builds the MCP server: every registry tool is
// registered, tools/list shows those Policy.Visible allows.
func New(cfg Config) (*Handler, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	h := &Handler{
		cfg:         cfg,
		hosts:       newHostSet(cfg.AllowedHosts),
		visible:     make(map[string]bool),
		sessions:    newSessionTable(cfg.MaxSessions),
		silence:     newSilence(),
		logs:        newRateLog(cfg.Logger, logInterval),
		bodyTimeout: cfg.BodyTimeout,
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
	h.server.AddReceivingMiddleware(h.listVisible, h.admitSessions)
	// Hidden tools are registered too: calling one must reach the Invoker's
	// policy check and get its explanation, not an "unknown tool" protocol
	// error.
	for _, t := range cfg.Registry.Tools() {
		h.server.AddTool(t.MCP(), h.toolHandler(t))
		if cfg.Policy.Visible(t) {
			h.visible[t.Name] = true
		}
	}

	h.events = h.silence.store(cfg.EventStoreBytes)
	h.sdk = mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return h.server }, &mcp.StreamableHTTPOptions{
		Logger:              cfg.Logger,
		SessionTimeout:      cfg.SessionTimeout,
		MaxRequestBodyBytes: cfg.MaxBodyBytes,
		EventStore:          h.events,
	})
	verify := verifyFunc(cfg.Verifier)
	if verify == nil && cfg.Token != "" {
		verify = staticToken(cfg.Token)
	}
	h.inner = requireBearer(verify, h.logs, http.HandlerFunc(h.serveMCP))
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

// serveMCP runs after authentication: body limits, shutdown, then the
// go-sdk. Sessions are counted where they are created (admitSessions), not
// here, so that no request shape (a JSON-RPC batch carrying initialize)
// escapes the ceiling.
func (h *Handler) serveMCP(w http.ResponseWriter, r *http.Request) {
	if !limitBody(w, r, h.cfg.MaxBodyBytes) {
		return
	}
	if h.isClosed() {
		http.Error(w, "Service Unavailable: "+errClosed.Error(), http.StatusServiceUnavailable)
		return
	}
	id := r.Header.Get("Mcp-Session-Id")
	if r.Method == http.MethodDelete && id != "" {
		// Authenticated (this runs after requireBearer): only a holder of
		// the token, who could cancel each call anyway, ends them at once.
		h.sessions.cancelCalls(id)
	}
	if id != "" {
		defer h.sessions.begin(id)()
	}
	if r.Method == http.MethodPost {
		boundBodyTime(w, r, h.bodyTimeout)
		if !readBody(w, r) {
			return
		}
		// The go-sdk hands this header map to the tool handler with each
		// message of the body: it is how a call finds the connection that
		// carries it (see carriers). A client's own value is dropped.
		r.Header.Set(carrierHeader, h.carriers.add(r.Context()))
		defer h.carriers.remove(r.Header.Get(carrierHeader))
		w = silencer{ResponseWriter: w, mark: h.silence.mark}
	}
	h.sdk.ServeHTTP(w, r)
}

// readBody reads r's body (already capped by limitBody and timed by
// boundBodyTime) and puts it back for the go-sdk, so that a refusal names
// the option to change however the body was sent, chunked bodies included.
func readBody(w http.ResponseWriter, r *http.Request) bool {
	if r.Body == nil || r.Body == http.NoBody {
		return true
	}
	body, err := io.ReadAll(r.Body)
	r.Body.Close()
	if err != nil {
		// What is left of the body is still on the connection: it cannot
		// carry another request.
		w.Header().Set("Connection", "close")
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			http.Error(w, fmt.Sprintf("request body exceeds %d bytes (Config.MaxBodyBytes)", tooBig.Limit), http.StatusRequestEntityTooLarge)
			return false
		}
		http.Error(w, "Bad Request: reading body: "+err.Error(), http.StatusBadRequest)
		return false
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	return true
}

// admitSessions is receiving middleware that admits each initializing
// session into the table, however the request carrying initialize was
// shaped: this is where the go-sdk makes a session live. A full table
// closes its least recently used idle session to make room; when every
// session is busy, initialize fails with an error naming the limit, and
// the go-sdk drops the uninitialized session at the end of the request.
func (h *Handler) admitSessions(next mcp.MethodHandler) mcp.MethodHandler {
	return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
		ss, ok := req.GetSession().(*mcp.ServerSession)
		if method != "initialize" || !ok {
			return next(ctx, method, req)
		}
		if h.isClosed() {
			return nil, &jsonrpc.Error{Code: codeServerBusy, Message: errClosed.Error()}
		}
		evicted, added, err := h.sessions.admit(ss)
		if err != nil {
			h.logs.log(slog.LevelWarn, "refused", "ergomcp: MCP session refused", "error", err)
			return nil, &jsonrpc.Error{Code: codeServerBusy, Message: err.Error()}
		}
		if evicted != nil {
			// Idle: no request is being served, so Close does not wait.
			if err := evicted.Close(); err != nil {
				h.cfg.Logger.Debug("ergomcp: closing an evicted MCP session", "session", evicted.ID(), "error", err)
			}
		}
		if added {
			// One goroutine per live session, ending with it: the table
			// must forget sessions the go-sdk closes on its own (idle
			// timeout, DELETE, failed initialize).
			go func() {
				ss.Wait()
				h.sessions.remove(ss.ID())
			}()
		}
		return next(ctx, method, req)
	}
}

// codeServerBusy is the JSON-RPC error code of a refused initialize, in the
// range JSON-RPC leaves to servers.
const codeServerBusy = -32000

func (h *Handler) isClosed() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.closed
}

// startCall registers a call entering the Invoker; false once Close has begun,
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
// and waits for calls inside the Invoker to return. Waiting is bounded by
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
	// A session being initialized now is listed already (the go-sdk lists
	// it before initialize) and admitSessions refuses it from now on.
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
