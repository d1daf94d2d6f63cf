package transport

import (
	"context"
	"errors"
	"sync"
)

// errSessionClosed is the cancellation cause of calls whose session the
// client deleted.
var errSessionClosed = errors.New("ergomcp: the client closed its MCP session")

// sessionCalls tracks the running calls of each session, so that a client
// closing its session (HTTP DELETE) ends them at once. Without it the
// go-sdk waits for them to finish, and a cancellation the client sent just
// before closing can be lost with the session: the tool would run on, and
// the DELETE would hang, until the call's own timeout.
type sessionCalls struct {
	mu    sync.Mutex
	calls map[string]map[*context.CancelCauseFunc]struct{}
}

// add registers cancel under session id; the returned func removes it.
func (s *sessionCalls) add(id string, cancel context.CancelCauseFunc) (remove func()) {
	if id == "" {
		return func() {}
	}
	key := &cancel
	s.mu.Lock()
	if s.calls == nil {
		s.calls = make(map[string]map[*context.CancelCauseFunc]struct{})
	}
	if s.calls[id] == nil {
		s.calls[id] = make(map[*context.CancelCauseFunc]struct{})
	}
	s.calls[id][key] = struct{}{}
	s.mu.Unlock()
	return func() {
		s.mu.Lock()
		delete(s.calls[id], key)
		if len(s.calls[id]) == 0 {
			delete(s.calls, id)
		}
		s.mu.Unlock()
	}
}

// cancel ends every call of session id.
func (s *sessionCalls) cancel(id string) {
	s.mu.Lock()
	calls := s.calls[id]
	delete(s.calls, id)
	s.mu.Unlock()
	for c := range calls {
		(*c)(errSessionClosed)
	}
}
