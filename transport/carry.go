package transport

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// carrierHeader names, in the header map the go-sdk hands to tool handlers,
// the HTTP request that carried the call. serveMCP sets it on every POST,
// replacing whatever the client sent.
const carrierHeader = "X-Ergomcp-Carrier"

// carriers maps carrierHeader values to the contexts of the POSTs being
// served. The go-sdk runs a stateful session's calls on the session's own
// context, detached from the request that carried them, so without this a
// client whose connection dropped would leave its call running to the end.
type carriers struct {
	mu   sync.Mutex
	next uint64
	m    map[string]context.Context
}

func (c *carriers) add(ctx context.Context) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[string]context.Context)
	}
	c.next++
	key := strconv.FormatUint(c.next, 36)
	c.m[key] = ctx
	return key
}

func (c *carriers) remove(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, key)
}

// carrier returns the context of the request that carried req. ok is false
// when that request is over: a call's POST waits for the call's response,
// so a call whose POST has ended has lost its caller.
func (c *carriers) carrier(req *mcp.CallToolRequest) (ctx context.Context, tracked, ok bool) {
	if req.Extra == nil || req.Extra.Header == nil {
		return nil, false, false
	}
	key := req.Extra.Header.Get(carrierHeader)
	if key == "" {
		return nil, false, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	ctx, ok = c.m[key]
	return ctx, true, ok
}

// silence keeps responses off the wire. The spec says a request the client
// cancelled gets no response, but the go-sdk's JSON-RPC layer answers every
// request; a cancelled call's handler therefore returns an error carrying
// mark, a random text no client has seen, and the response writer and the
// event store drop what carries it. The go-sdk's own accounting still sees
// the request answered, so the POST that carried it ends normally.
type silence struct{ mark []byte }

func newSilence() silence {
	return silence{mark: []byte("ergomcp-silenced-" + rand.Text())}
}

// err is what a handler returns for a response that must not be sent.
func (s silence) err() error {
	return &jsonrpc.Error{Code: codeServerBusy, Message: string(s.mark)}
}

// store is the event store that makes streams resumable (Last-Event-ID),
// bounded to maxBytes in all, without silenced responses.
func (s silence) store(maxBytes int) silentStore {
	ms := mcp.NewMemoryEventStore(nil)
	ms.SetMaxBytes(maxBytes)
	return silentStore{MemoryEventStore: ms, mark: s.mark}
}

// silencer is the response writer of a POST: each SSE event is one Write,
// and one carrying the mark is dropped whole.
type silencer struct {
	http.ResponseWriter
	mark []byte
}

func (s silencer) Write(p []byte) (int, error) {
	if bytes.Contains(p, s.mark) {
		return len(p), nil
	}
	return s.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach Flush and deadlines.
func (s silencer) Unwrap() http.ResponseWriter { return s.ResponseWriter }

type silentStore struct {
	*mcp.MemoryEventStore
	mark []byte
}

// Append stores a silenced response as an empty event, which replay skips:
// storing nothing would shift the indices of the stream's later events.
func (s silentStore) Append(ctx context.Context, sessionID, streamID string, data []byte) error {
	if bytes.Contains(data, s.mark) {
		data = nil
	}
	return s.MemoryEventStore.Append(ctx, sessionID, streamID, data)
}

// boundBodyTime gives the client d to send r's body: a client trickling a
// body a byte at a time would otherwise hold its connection and a
// goroutine for as long as it likes. The deadline is lifted once the whole
// body is read, since the same connection then carries the SSE response;
// a body never read to its end keeps it, so that net/http's draining of
// the rest after the handler is bounded too and the connection closes.
// Where deadlines are not supported the body is left as is.
func boundBodyTime(w http.ResponseWriter, r *http.Request, d time.Duration) {
	if r.Body == nil || r.Body == http.NoBody {
		return
	}
	rc := http.NewResponseController(w)
	if rc.SetReadDeadline(time.Now().Add(d)) != nil {
		return
	}
	var once sync.Once
	r.Body = &timedBody{ReadCloser: r.Body, done: func() { once.Do(func() { rc.SetReadDeadline(time.Time{}) }) }}
}

type timedBody struct {
	io.ReadCloser
	done func()
}

func (b *timedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF {
		b.done()
	}
	return n, err
}

// logInterval is the least time between two log lines of one kind: a
// client guessing tokens must not be able to flood the node log.
const logInterval = time.Second

// rateLog writes diagnostics to a logger, at most one line per kind per
// interval; the next line written says how many were left out.
type rateLog struct {
	logger *slog.Logger
	every  time.Duration

	mu      sync.Mutex
	last    map[string]time.Time
	dropped map[string]int
}

func newRateLog(logger *slog.Logger, every time.Duration) *rateLog {
	return &rateLog{logger: logger, every: every, last: map[string]time.Time{}, dropped: map[string]int{}}
}

func (l *rateLog) log(level slog.Level, kind, msg string, args ...any) {
	l.mu.Lock()
	now := time.Now()
	if last, ok := l.last[kind]; ok && now.Sub(last) < l.every {
		l.dropped[kind]++
		l.mu.Unlock()
		return
	}
	l.last[kind] = now
	if n := l.dropped[kind]; n > 0 {
		args = append(args, "suppressed_since_last", n)
		delete(l.dropped, kind)
	}
	l.mu.Unlock()
	l.logger.Log(context.Background(), level, msg, args...)
}
