package events

import (
	"errors"
	"fmt"
	"testing"
)

// The look-alike types below have the shapes of ergo 3.3's gen types.

type fakeAtom string

type fakePID struct {
	Node fakeAtom
	ID   uint64
}

func (p fakePID) String() string { return fmt.Sprintf("<ABCD1234.0.%d>", p.ID) }

type fakeEvent struct {
	Name fakeAtom
	Node fakeAtom
}

type fakeEventInfo struct {
	CreatedAt          int64
	Event              fakeEvent
	Producer           fakePID
	BufferSize         int
	CurrentBuffer      int
	Notify             bool
	Open               bool
	Subscribers        int64
	MessagesPublished  int64
	MessagesLocalSent  int64
	MessagesRemoteSent int64
	LastPublishedAt    int64
}

var errFakeUnknown = errors.New("unknown event")

// fakeNode33 has ergo 3.3's event methods.
type fakeNode33 struct {
	table []fakeEventInfo
	err   error
	asked []fakeEvent
}

func (n *fakeNode33) EventRangeInfo(fn func(fakeEventInfo) bool) error {
	if n.err != nil {
		return n.err
	}
	for _, e := range n.table {
		if !fn(e) {
			break
		}
	}
	return nil
}

func (n *fakeNode33) EventInfo(ev fakeEvent) (fakeEventInfo, error) {
	n.asked = append(n.asked, ev)
	for _, e := range n.table {
		if e.Event == ev {
			return e, nil
		}
	}
	return fakeEventInfo{}, errFakeUnknown
}

// fakeNode31 has no event table.
type fakeNode31 struct{}

func (fakeNode31) ProcessInfo(fakePID) error { return nil }

// fakeNodeRangeOnly has EventRangeInfo, a pointer callback, an info type
// missing fields and an EventInfo of a foreign shape.
type fakeNodeRangeOnly struct{ table []*slimInfo }

type slimInfo struct {
	Event       fakeAtom
	Subscribers uint32
	Notify      string // wrong kind: the column must not be trusted
}

func (n *fakeNodeRangeOnly) EventRangeInfo(fn func(*slimInfo) bool) error {
	for _, e := range n.table {
		if !fn(e) {
			break
		}
	}
	return nil
}

func (n *fakeNodeRangeOnly) EventInfo(name string) (*slimInfo, error) { return nil, nil }

// Wrong shapes that must not be taken for an event table.
type (
	noErrorNode   struct{}
	noNameNode    struct{}
	notFuncNode   struct{}
	namelessEvent struct{ Producer fakePID }
)

func (noErrorNode) EventRangeInfo(func(fakeEventInfo) bool)      {}
func (noNameNode) EventRangeInfo(func(namelessEvent) bool) error { return nil }
func (notFuncNode) EventRangeInfo(int) error                     { return nil }
func (noNameNode) EventInfo(fakeEvent) (namelessEvent, error)    { return namelessEvent{}, nil }
func (noErrorNode) EventInfo(fakeEvent) (fakeEventInfo, error)   { return fakeEventInfo{}, nil }
func (notFuncNode) EventInfo(fakeEvent) (fakeEventInfo, error)   { return fakeEventInfo{}, nil }

func sampleTable() []fakeEventInfo {
	return []fakeEventInfo{
		{CreatedAt: 10, Event: fakeEvent{"prices", "n@h"}, Producer: fakePID{"n@h", 1001}, BufferSize: 5, CurrentBuffer: 2,
			Notify: true, Open: true, Subscribers: 3, MessagesPublished: 40, MessagesLocalSent: 120, MessagesRemoteSent: 7, LastPublishedAt: 99},
		{Event: fakeEvent{"orders", "n@h"}, Producer: fakePID{"n@h", 1002}, MessagesPublished: 9},
		{Event: fakeEvent{"alerts", "n@h"}, Producer: fakePID{"n@h", 1003}},
	}
}

func TestOpenTableRefusesOtherShapes(t *testing.T) {
	for _, node := range []any{nil, fakeNode31{}, noErrorNode{}, noNameNode{}, notFuncNode{}, 42} {
		if OpenTable(node) != nil {
			t.Errorf("%T taken for an event table", node)
		}
	}
}

func TestTableReadsEveryColumnByName(t *testing.T) {
	node := &fakeNode33{table: sampleTable()}
	tab := OpenTable(node)
	if tab == nil {
		t.Fatal("3.3 shape not recognised")
	}
	if a := tab.Availability(); !a.Full() || a.LocalOnly() || len(a.Unavailable()) != 0 {
		t.Fatalf("full table reported as %+v, unavailable %v", a, a.Unavailable())
	}
	var got []Event
	if err := tab.Range(func(e *Event) bool { got = append(got, *e); return true }); err != nil {
		t.Fatal(err)
	}
	want := Event{Name: "prices", Producer: "<ABCD1234.0.1001>", Notify: true, Open: true, BufferSize: 5, CurrentBuffer: 2,
		Subscribers: 3, MessagesPublished: 40, MessagesLocalSent: 120, MessagesRemoteSent: 7, CreatedAt: 10, LastPublishedAt: 99}
	if len(got) != 3 || got[0] != want {
		t.Fatalf("Range read %+v\nwant first %+v", got, want)
	}

	// fn's false stops the walk.
	n := 0
	if err := tab.Range(func(*Event) bool { n++; return false }); err != nil || n != 1 {
		t.Fatalf("stop: %d calls, %v", n, err)
	}
	node.err = errors.New("node terminated")
	if err := tab.Range(func(*Event) bool { return true }); err == nil || err.Error() != "node terminated" {
		t.Fatalf("Range error: %v", err)
	}
}

func TestTableInfoThroughEventInfo(t *testing.T) {
	node := &fakeNode33{table: sampleTable()}
	tab := OpenTable(node)
	e, err := tab.Info("orders", "n@h")
	if err != nil || e.Name != "orders" || e.MessagesPublished != 9 || e.Producer != "<ABCD1234.0.1002>" {
		t.Fatalf("Info: %+v, %v", e, err)
	}
	if len(node.asked) != 1 || node.asked[0] != (fakeEvent{"orders", "n@h"}) {
		t.Fatalf("EventInfo called with %+v", node.asked)
	}
	if _, err := tab.Info("missing", "n@h"); !errors.Is(err, errFakeUnknown) {
		t.Fatalf("unknown event: %v, want the node's own error", err)
	}
}

func TestTableWithFewerFields(t *testing.T) {
	node := &fakeNodeRangeOnly{table: []*slimInfo{{Event: "a", Subscribers: 2}, nil, {Event: "b"}}}
	tab := OpenTable(node)
	if tab == nil {
		t.Fatal("pointer callback not recognised")
	}
	a := tab.Availability()
	if a.Full() || !a.has(colSubscribers) || a.has(colNotify) || a.has(colMessagesPublished) {
		t.Fatalf("columns: %b", a.have)
	}
	if why := a.Unavailable()["Notify"]; why == "" {
		t.Fatalf("Notify of the wrong kind not reported unavailable: %v", a.Unavailable())
	}
	n := 0
	if err := tab.Range(func(*Event) bool { n++; return true }); err != nil || n != 2 {
		t.Fatalf("Range over a table with a nil entry: %d events, %v", n, err)
	}
	// EventInfo has another shape: Info searches the table instead.
	e, err := tab.Info("a", "n@h")
	if err != nil || e.Subscribers != 2 || e.Producer != "" {
		t.Fatalf("Info by search: %+v, %v", e, err)
	}
	if _, err := tab.Info("zzz", "n@h"); !errors.Is(err, ErrUnknown) {
		t.Fatalf("unknown by search: %v", err)
	}
	// Partial columns give partial states.
	a.Classify(&e)
	if e.UtilizationState != StateHasSubscribers {
		t.Fatalf("state without publish counters: %q", e.UtilizationState)
	}
}

// Every optional column must name an Event field its readers can fill.
func TestColumnsNameEventFields(t *testing.T) {
	for _, c := range eachCol() {
		f, ok := eventType.FieldByName(colNames[c])
		if !ok || !kindFits(c, f.Type.Kind()) {
			t.Errorf("column %q: Event field %v", colNames[c], f.Type)
		}
	}
	if len(eachCol()) != len(colNames) {
		t.Errorf("%d columns, %d names", len(eachCol()), len(colNames))
	}
}
