package events

import (
	"encoding/json"

	"github.com/ergomcp/ergomcp/internal/record"
)

// Event is one registered event as event_list and event_info show it. The
// field names are those of ergo 3.3's gen.EventInfo (Name is the event's
// name, gen.EventInfo.Event.Name), so an agent's vocabulary holds across
// versions. Columns the running ergo cannot report are left out of the
// encoded record (see Availability), never written as zeros.
type Event struct {
	// Name is the event's name, as event_info and subscriptions take it.
	Name string
	// Producer is the registering process's PID as ergo prints it; "" when
	// unknown (an event of the node itself, or a producer the rebuild did
	// not reach), encoded as null.
	Producer string
	// Notify: the producer is told when the first subscriber comes and the
	// last one goes.
	Notify bool
	// Open is gen.EventInfo.Open as ergo 3.3 reports it.
	Open bool
	// BufferSize is how many recent messages the event keeps for new
	// subscribers (0: none); CurrentBuffer how many it holds now.
	BufferSize, CurrentBuffer int64
	// Subscribers counts LinkEvent and MonitorEvent subscribers; rebuilt
	// tables count local subscriber processes only.
	Subscribers int64
	// MessagesPublished counts SendEvent calls; MessagesLocalSent the
	// deliveries to local subscribers; MessagesRemoteSent the messages sent
	// to other nodes (one per node, not per subscriber).
	MessagesPublished, MessagesLocalSent, MessagesRemoteSent int64
	// CreatedAt and LastPublishedAt are unix nanoseconds; LastPublishedAt is
	// 0 when nothing was ever published.
	CreatedAt, LastPublishedAt int64
	// UtilizationState is set by Classify (see the package documentation).
	UtilizationState string
}

// col is a set of the Event columns that not every source reports.
type col uint16

const (
	colSubscribers col = 1 << iota
	colNotify
	colOpen
	colBufferSize
	colCurrentBuffer
	colMessagesPublished
	colMessagesLocalSent
	colMessagesRemoteSent
	colCreatedAt
	colLastPublishedAt

	allCols = colLastPublishedAt<<1 - 1
)

// colNames are the Event field names of the optional columns, which are
// also the gen.EventInfo field names Table reads.
var colNames = map[col]string{
	colSubscribers:        "Subscribers",
	colNotify:             "Notify",
	colOpen:               "Open",
	colBufferSize:         "BufferSize",
	colCurrentBuffer:      "CurrentBuffer",
	colMessagesPublished:  "MessagesPublished",
	colMessagesLocalSent:  "MessagesLocalSent",
	colMessagesRemoteSent: "MessagesRemoteSent",
	colCreatedAt:          "CreatedAt",
	colLastPublishedAt:    "LastPublishedAt",
}

// eachCol lists the optional columns in field order.
func eachCol() []col {
	cols := make([]col, 0, len(colNames))
	for c := col(1); c <= allCols; c <<= 1 {
		cols = append(cols, c)
	}
	return cols
}

// Availability says what one source of events reports: which columns, why
// the others are missing, and whether Subscribers misses remote ones.
type Availability struct {
	have col
	// why the columns not in have are missing.
	why string
	// localOnly: Subscribers counts local subscriber processes only.
	localOnly bool
	// peers: the node has connected peers, so with localOnly remote
	// subscribers may exist beyond the count.
	peers bool
}

// RebuiltAvailability describes a table rebuilt from process information
// (ergo < 3.3): names, producers and local subscriber counts only. peers
// says whether the node has connected peers, whose subscribers the rebuild
// cannot see.
func RebuiltAvailability(peers bool) Availability {
	return Availability{have: colSubscribers, why: "needs ergo ≥ 3.3 (the node's event table)", localOnly: true, peers: peers}
}

// Full reports whether every column is known.
func (a Availability) Full() bool { return a.have == allCols }

// LocalOnly reports whether Subscribers counts local subscribers only.
func (a Availability) LocalOnly() bool { return a.localOnly }

// has reports whether every column in c is known.
func (a Availability) has(c col) bool { return a.have&c == c }

// Unavailable maps each column the source cannot report to the reason,
// for a result's "unavailable".
func (a Availability) Unavailable() map[string]string {
	u := map[string]string{}
	for _, name := range a.lacking(allCols) {
		u[name] = a.why
	}
	if !a.has(colLastPublishedAt) {
		u["SinceLastPublishSec"] = a.why
	}
	return u
}

// missing names the columns of c the source lacks, with the reason, for an
// error about an argument that needs them; "" when none is missing.
func (a Availability) missing(c col) string {
	names := a.lacking(c)
	if len(names) == 0 {
		return ""
	}
	return "needs " + joinAnd(names) + ", which this node cannot report: " + a.why
}

// Encode writes e as a JSON object: its fields except the columns the
// source lacks, then SinceLastPublishSec (seconds from LastPublishedAt to
// now, unix ns; null when nothing was published), then extra.
func (a Availability) Encode(e *Event, now int64, extra ...record.Field) (json.RawMessage, error) {
	omit := a.lacking(allCols)
	var derived []record.Field
	if e.Producer == "" {
		omit = append(omit, "Producer")
		derived = append(derived, record.Field{Name: "Producer", Value: nil})
	}
	if a.has(colLastPublishedAt) {
		var since any
		if e.LastPublishedAt > 0 {
			since = float64(now-e.LastPublishedAt) / 1e9
		}
		derived = append(derived, record.Field{Name: "SinceLastPublishSec", Value: since})
	}
	return record.Append(nil, e, omit, append(derived, extra...)...)
}

// lacking lists the field names of the columns in c the source lacks, in
// field order.
func (a Availability) lacking(c col) []string {
	var names []string
	for _, x := range eachCol() {
		if c&x != 0 && !a.has(x) {
			names = append(names, colNames[x])
		}
	}
	return names
}

// joinAnd joins names as "A", "A and B" or "A, B and C".
func joinAnd(names []string) string {
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	}
	out := names[0]
	for _, n := range names[1 : len(names)-1] {
		out += ", " + n
	}
	return out + " and " + names[len(names)-1]
}
