package transport

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// errSessionClosed is the cancellation cause of calls whose session the
// client deleted.
var errSessionClosed = errors.New("ergomcp: the client closed its MCP session")

// sessionTable holds the initialized MCP sessions, at most max of them.
// Most clients never send DELETE (they simply go away), so a full table is
// the normal state of a long-running node, not an attack: admitting a new
// session closes the least recently used idle one instead of refusing, and
// only a table where every session is busy refuses. The go-sdk answers the
// evicted session's next request with 404, the spec's signal to initialize
// again.
//
// It also tracks each session's running calls, so that a client closing its
// session (HTTP DELETE) ends them at once. Without it the go-sdk waits for
// them to finish, and a cancellation the client sent just before closing
// can be lost with the session: the tool would run on, and the DELETE would
// hang, until the call's own timeout.
type sessionTable struct {
	max int

	mu   sync.Mutex
	byID map[string]*sessionEntry
}

// sessionEntry is what the table knows of one session.
type sessionEntry struct {
	ss *mcp.ServerSession
	// last is when a request of the session last began or ended.
	last time.Time
	// requests counts the session's HTTP requests being served: POSTs
	// (which carry calls) and GET streams. A session with any is busy.
	requests int
	calls    map[*context.CancelCauseFunc]struct{}
}

func (e *sessionEntry) idle() bool { return e.requests == 0 && len(e.calls) == 0 }

func newSessionTable(max int) *sessionTable {
	return &sessionTable{max: max, byID: make(map[string]*sessionEntry)}
}

// errAllBusy is why admit refused: no session could make room.
type errAllBusy struct{ max int }

func (e errAllBusy) Error() string {
	return fmt.Sprintf("all %d MCP sessions are busy (each has a call running or a stream open), so none was closed to make room; "+
		"raise Options.MaxSessions or end a session", e.max)
}

// admit records ss, an initializing session, and reports whether it was
// new. When the table is full it evicts the least recently used idle
// session and returns it for the caller to close; it refuses only when
// every session is busy. Admitting a session already present (a second
// initialize on it) changes nothing.
func (t *sessionTable) admit(ss *mcp.ServerSession) (evicted *mcp.ServerSession, added bool, err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	id := ss.ID()
	if _, ok := t.byID[id]; ok {
		return nil, false, nil
	}
	if len(t.byID) >= t.max {
		var lru string
		for eid, e := range t.byID {
			if e.idle() && (lru == "" || e.last.Before(t.byID[lru].last)) {
				lru = eid
			}
		}
		if lru == "" {
			return nil, false, errAllBusy{t.max}
		}
		evicted = t.byID[lru].ss
		delete(t.byID, lru)
	}
	t.byID[id] = &sessionEntry{ss: ss, last: time.Now()}
	return evicted, true, nil
}

// remove forgets session id, closed by its client, its idle timeout or Close.
func (t *sessionTable) remove(id string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.byID, id)
}

// begin marks a request of session id as being served; the returned func
// marks its end. Unknown sessions (not initialized, or gone: the go-sdk
// answers 404) are not tracked.
func (t *sessionTable) begin(id string) (end func()) {
	t.mu.Lock()
	defer t.mu.Unlock()
	e := t.byID[id]
	if e == nil {
		return func() {}
	}
	e.requests++
	e.last = time.Now()
	return func() {
		t.mu.Lock()
		defer t.mu.Unlock()
		e.requests--
		e.last = time.Now()
	}
}

// addCall registers cancel under session id; the returned func removes it.
func (t *sessionTable) addCall(id string, cancel context.CancelCauseFunc) (remove func()) {
	key := &cancel
	t.mu.Lock()
	defer t.mu.Unlock()
	e := t.byID[id]
	if e == nil {
		return func() {}
	}
	if e.calls == nil {
		e.calls = make(map[*context.CancelCauseFunc]struct{})
	}
	e.calls[key] = struct{}{}
	return func() {
		t.mu.Lock()
		defer t.mu.Unlock()
		delete(e.calls, key)
	}
}

// cancelCalls ends every call of session id.
func (t *sessionTable) cancelCalls(id string) {
	t.mu.Lock()
	var calls []*context.CancelCauseFunc
	if e := t.byID[id]; e != nil {
		for c := range e.calls {
			calls = append(calls, c)
		}
	}
	t.mu.Unlock()
	for _, c := range calls {
		(*c)(errSessionClosed)
	}
}

// len is the number of sessions held.
func (t *sessionTable) len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.byID)
}
