package capability

import (
	"reflect"
	"unsafe"
)

// ShortInfo locates the ProcessShortInfo fields that only newer ergo has.
type ShortInfo struct {
	// MailboxLatency (ns) exists from ergo 3.3; it holds -1 unless the node
	// was built with -tags=latency.
	MailboxLatency IntField
	// Wakeups counts Sleep→Running transitions (ergo 3.3).
	Wakeups IntField
	// InitTime is the time spent in ProcessInit, ns (ergo 3.3).
	InitTime IntField
}

// ProbeShortInfo looks the fields up in the ProcessShortInfo type t.
func ProbeShortInfo(t reflect.Type) ShortInfo {
	return ShortInfo{
		MailboxLatency: Field(t, "MailboxLatency"),
		Wakeups:        Field(t, "Wakeups"),
		InitTime:       Field(t, "InitTime"),
	}
}

// LatencyMeasured tells from one record whether the node measures mailbox
// latency: the field exists and does not hold ergo's "not built with
// -tags=latency" marker, -1.
func (s ShortInfo) LatencyMeasured(record unsafe.Pointer) bool {
	return s.MailboxLatency.OK() && s.MailboxLatency.Int64(record) != -1
}
