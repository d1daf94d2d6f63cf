// Package audit keeps the recent tool calls of a node in a bounded ring for
// the audit_log tool. Records never hold argument values: what a caller
// sent may be a secret (cookies, tokens, message bodies).
package audit

import (
	"sync"

	"github.com/ergomcp/ergomcp/internal/catalog"
)

// DefaultSize is how many calls a Log remembers by default.
const DefaultSize = 1000

// Log is a fixed-size ring of the most recent calls, safe for concurrent
// use. The zero value is not usable; create it with New.
type Log struct {
	mu    sync.Mutex
	ring  []catalog.AuditRecord
	next  int    // where the next record goes
	total uint64 // records ever added
}

// New returns a Log that keeps the last size records (DefaultSize if size
// is not positive).
func New(size int) *Log {
	if size <= 0 {
		size = DefaultSize
	}
	return &Log{ring: make([]catalog.AuditRecord, size)}
}

// Add records one call, overwriting the oldest when full.
func (l *Log) Add(r catalog.AuditRecord) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ring[l.next] = r
	l.next = (l.next + 1) % len(l.ring)
	l.total++
}

// Recent returns up to limit records, newest first, and how many calls were
// recorded since start (more than the ring holds once it wrapped).
func (l *Log) Recent(limit int) (records []catalog.AuditRecord, total uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	held := int(min(l.total, uint64(len(l.ring))))
	limit = min(max(limit, 0), held)
	records = make([]catalog.AuditRecord, 0, limit)
	for i := range limit {
		at := (l.next - 1 - i + len(l.ring)) % len(l.ring)
		records = append(records, l.ring[at])
	}
	return records, l.total
}
