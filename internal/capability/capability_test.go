package capability

import (
	"reflect"
	"testing"
	"unsafe"
)

type pid struct {
	Node     string
	ID       uint64
	Creation int64
}

// shortInfo31 has the shape of ergo 3.1's gen.ProcessShortInfo.
type shortInfo31 struct {
	PID             pid
	Name            string
	MessagesIn      uint64
	MessagesMailbox uint64
	RunningTime     uint64
	Uptime          int64
	State           int32
}

// shortInfo33 has the shape of ergo 3.3's gen.ProcessShortInfo.
type shortInfo33 struct {
	PID             pid
	Name            string
	MessagesIn      uint64
	MessagesMailbox uint64
	MailboxLatency  int64
	RunningTime     uint64
	Wakeups         uint64
	InitTime        uint64
	StateTime       int64
	Uptime          int64
	State           int32
}

// wrongKinds has the names with types a probe must not trust.
type wrongKinds struct {
	MailboxLatency string
	Wakeups        []uint64
	InitTime       float64
}

func TestProbeShortInfo31(t *testing.T) {
	s := ProbeShortInfo(reflect.TypeFor[shortInfo31]())
	if s.MailboxLatency.OK() || s.Wakeups.OK() || s.InitTime.OK() {
		t.Fatalf("3.1 shape reports 3.3 fields: %+v", s)
	}
	rec := shortInfo31{MessagesIn: 7}
	if s.LatencyMeasured(unsafe.Pointer(&rec)) {
		t.Fatal("latency measured on a type without the field")
	}
	if got := s.Wakeups.Uint64(unsafe.Pointer(&rec)); got != 0 {
		t.Fatalf("absent field read %d", got)
	}
}

func TestProbeShortInfo33(t *testing.T) {
	s := ProbeShortInfo(reflect.TypeFor[*shortInfo33]())
	if !s.MailboxLatency.OK() || !s.Wakeups.OK() || !s.InitTime.OK() {
		t.Fatalf("3.3 shape misses fields: %+v", s)
	}
	rec := shortInfo33{MailboxLatency: 1500, Wakeups: 42, InitTime: 99, Uptime: 5}
	p := unsafe.Pointer(&rec)
	if got := s.MailboxLatency.Int64(p); got != 1500 {
		t.Fatalf("MailboxLatency = %d", got)
	}
	if got := s.Wakeups.Uint64(p); got != 42 {
		t.Fatalf("Wakeups = %d", got)
	}
	if got := s.InitTime.Uint64(p); got != 99 {
		t.Fatalf("InitTime = %d", got)
	}
	if !s.LatencyMeasured(p) {
		t.Fatal("latency 1500 not seen as measured")
	}
	rec.MailboxLatency = -1 // built without -tags=latency
	if s.LatencyMeasured(p) {
		t.Fatal("-1 seen as measured")
	}
}

func TestProbeRejectsWrongKinds(t *testing.T) {
	s := ProbeShortInfo(reflect.TypeFor[wrongKinds]())
	if s.MailboxLatency.OK() || s.Wakeups.OK() || s.InitTime.OK() {
		t.Fatalf("non-integer fields accepted: %+v", s)
	}
	if Field(reflect.TypeFor[int](), "X").OK() || Field(nil, "X").OK() {
		t.Fatal("non-struct accepted")
	}
}

func TestFieldKinds(t *testing.T) {
	type all struct {
		A int
		B int8
		C int16
		D int32
		E int64
		F uint
		G uint8
		H uint16
		I uint32
		J uint64
	}
	v := all{-1, -2, -3, -4, -5, 6, 7, 8, 9, 10}
	want := []int64{-1, -2, -3, -4, -5, 6, 7, 8, 9, 10}
	for i, name := range []string{"A", "B", "C", "D", "E", "F", "G", "H", "I", "J"} {
		if got := Field(reflect.TypeFor[all](), name).Int64(unsafe.Pointer(&v)); got != want[i] {
			t.Errorf("%s = %d, want %d", name, got, want[i])
		}
	}
}

// node31 and node33 have the method sets that differ between versions.
type node31 struct{}

func (node31) SetLogLevelProcess(pid, int) error { return nil }
func (node31) SetLogLevelMeta(string, int) error { return nil }

type node32 struct{ node31 }

func (node32) Inspect(pid, ...string) (map[string]string, error)        { return nil, nil }
func (node32) InspectMeta(string, ...string) (map[string]string, error) { return nil, nil }

type node33 struct{}

func (node33) Inspect(pid, ...string) (map[string]string, error)        { return nil, nil }
func (node33) InspectMeta(string, ...string) (map[string]string, error) { return nil, nil }
func (node33) SetProcessLogLevel(pid, int) error                        { return nil }
func (node33) SetMetaLogLevel(string, int) error                        { return nil }
func (node33) ProcessRangeShortInfo(func(shortInfo33) bool) error       { return nil }
func (node33) EventInfo(string) (struct{}, error)                       { return struct{}{}, nil }
func (node33) EventRangeInfo(func(struct{}) bool) error                 { return nil }
func (node33) ShortInfo() struct{}                                      { return struct{}{} }

func TestProbeNode(t *testing.T) {
	cases := []struct {
		name string
		node any
		want Node
	}{
		{"3.1", node31{}, Node{SetLogLevelProcess: true, SetLogLevelMeta: true}},
		{"3.2", node32{}, Node{Inspect: true, InspectMeta: true, SetLogLevelProcess: true, SetLogLevelMeta: true}},
		{"3.3", &node33{}, Node{Inspect: true, InspectMeta: true, SetProcessLogLevel: true, SetMetaLogLevel: true,
			ProcessRangeShortInfo: true, EventInfo: true, EventRangeInfo: true, ShortInfo: true}},
		{"nil", nil, Node{}},
	}
	for _, c := range cases {
		if got := ProbeNode(c.node); got != c.want {
			t.Errorf("%s: got %+v, want %+v", c.name, got, c.want)
		}
	}
}
