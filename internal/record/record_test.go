package record

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

// Look-alikes of Ergo's gen types: what matters is their shapes and methods.
type Atom string

// String quotes the name for display, as ergo's gen.Atom does; records must
// carry the bare name.
func (a Atom) String() string { return "'" + string(a) + "'" }

type PID struct {
	Node     Atom
	ID       uint64
	Creation int64
}

func (p PID) String() string { return fmt.Sprintf("<%s.0.%d>", strings.ToUpper(string(p.Node)), p.ID) }

type ProcessState int32

func (s ProcessState) String() string {
	switch s {
	case 1:
		return "sleep"
	case 4:
		return "wait response"
	}
	return "unknown"
}

type LogLevel int

func (l LogLevel) String() string { return [...]string{"trace", "debug", "info"}[l] }

type ProcessShortInfo struct {
	PID             PID
	Name            Atom
	Application     Atom
	Behavior        string
	MessagesIn      uint64
	MessagesOut     uint64
	MessagesMailbox uint64
	RunningTime     uint64
	Uptime          int64
	State           ProcessState
	Parent          PID
	Leader          PID
	LogLevel        LogLevel
}

func sampleInfo() ProcessShortInfo {
	return ProcessShortInfo{
		PID: PID{"n1", 1017, 7}, Name: "worker", Application: "app", Behavior: "*main.Worker",
		MessagesIn: 10, MessagesOut: 3, MessagesMailbox: 2, RunningTime: 1500, Uptime: 60,
		State: 4, Parent: PID{"n1", 1000, 7}, Leader: PID{"n1", 1001, 7}, LogLevel: 2,
	}
}

const sampleJSON = `{"PID":"<N1.0.1017>","Name":"worker","Application":"app","Behavior":"*main.Worker",` +
	`"MessagesIn":10,"MessagesOut":3,"MessagesMailbox":2,"RunningTime":1500,"Uptime":60,` +
	`"State":"wait response","Parent":"<N1.0.1000>","Leader":"<N1.0.1001>","LogLevel":"info"}`

func mustAppend(t *testing.T, v any, omit []string, extra ...Field) string {
	t.Helper()
	b, err := Append(nil, v, omit, extra...)
	if err != nil {
		t.Fatalf("Append: %v", err)
	}
	if !json.Valid(b) {
		t.Fatalf("invalid JSON: %s", b)
	}
	return string(b)
}

func TestProcessShortInfo(t *testing.T) {
	info := sampleInfo()
	if got := mustAppend(t, info, nil); got != sampleJSON {
		t.Fatalf("got  %s\nwant %s", got, sampleJSON)
	}
	if got := mustAppend(t, &info, nil); got != sampleJSON {
		t.Fatalf("pointer: got %s", got)
	}
}

func TestOmitAndExtra(t *testing.T) {
	got := mustAppend(t, sampleInfo(), []string{"Parent", "Leader", "LogLevel", "NoSuchField"},
		Field{"Utilization", 0.25}, Field{"Drain", math.NaN()}, Field{"Node", Atom("n1")}, Field{"Raw", json.RawMessage(`{ "a" : 1 }`)})
	want := strings.TrimSuffix(sampleJSON, `,"Parent":"<N1.0.1000>","Leader":"<N1.0.1001>","LogLevel":"info"}`) +
		`,"Utilization":0.25,"Drain":null,"Node":"n1","Raw":{"a":1}}`
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	if got := mustAppend(t, nil, nil, Field{"a", 1}, Field{"b", nil}); got != `{"a":1,"b":null}` {
		t.Fatalf("nil record: %s", got)
	}
	if got := mustAppend(t, (*ProcessShortInfo)(nil), nil); got != `{}` {
		t.Fatalf("nil pointer: %s", got)
	}
	omitAll := Names(sampleInfo())
	if got := mustAppend(t, sampleInfo(), omitAll, Field{"x", true}); got != `{"x":true}` {
		t.Fatalf("all omitted: %s", got)
	}
}

func TestAppendKeepsDst(t *testing.T) {
	dst := []byte("prefix:")
	out, err := Append(dst, sampleInfo(), nil)
	if err != nil || string(out) != "prefix:"+sampleJSON {
		t.Fatalf("got %q, %v", out, err)
	}
	if _, err := Append(dst, 42, nil); err == nil || !strings.Contains(err.Error(), "needs a struct") {
		t.Fatalf("non-struct: %v", err)
	}
}

type inner struct{ A, B int }

type Embedded struct{ E1 string }

type textEmbed struct{ X int }

func (textEmbed) String() string { return "text" }

type ptrStringer struct{ n int }

func (p *ptrStringer) String() string { return fmt.Sprintf("ptr%d", p.n) }

type panicky struct{}

func (panicky) String() string { panic("boom") }

type everything struct {
	Embedded
	TextEmbed   textEmbed
	Inner       inner
	InnerPtr    *inner
	NilPtr      *inner
	Err         error
	NilErr      error
	Any         any
	Float       float64
	NaN         float64
	Inf         float32
	Small       float64
	Dur         time.Duration
	Time        time.Time
	TimePtr     *time.Time
	Bytes       []byte
	NilBytes    []byte
	Slice       []PID
	NilSlice    []int
	Array       [2]uint8
	Map         map[PID]int
	NilMap      map[string]int
	IntMap      map[int]string
	Nested      map[string][]inner
	Complex     complex128
	PtrStringer ptrStringer
	Panicky     panicky
	Bool        bool
	Chan        chan int
	Func        func()
	unexported  int
}

func TestEverything(t *testing.T) {
	ts := time.Date(2025, 1, 2, 3, 4, 5, 6, time.UTC)
	v := everything{
		Embedded: Embedded{"e"}, Inner: inner{1, 2}, InnerPtr: &inner{3, 4},
		Err: errors.New("bad <thing>"), Any: PID{"n", 5, 0},
		Float: 1.5, NaN: math.NaN(), Inf: float32(math.Inf(1)), Small: 1e-9,
		Dur: 1500 * time.Millisecond, Time: ts, TimePtr: &ts,
		Bytes: []byte("hi"), Slice: []PID{{"a", 1, 0}, {"b", 2, 0}}, Array: [2]uint8{7, 8},
		Map:    map[PID]int{{"b", 2, 0}: 20, {"a", 1, 0}: 10},
		IntMap: map[int]string{10: "ten", 9: "nine"},
		Nested: map[string][]inner{"k": {{5, 6}}}, Complex: 1 + 2i, PtrStringer: ptrStringer{3},
		Bool: true, Chan: make(chan int), Func: func() {}, unexported: 1,
	}
	want := `{"E1":"e","TextEmbed":"text","Inner":{"A":1,"B":2},"InnerPtr":{"A":3,"B":4},"NilPtr":null,` +
		`"Err":"bad <thing>","NilErr":null,"Any":"<N.0.5>","Float":1.5,"NaN":null,"Inf":null,"Small":1e-9,` +
		`"Dur":"1.5s","Time":"2025-01-02T03:04:05.000000006Z","TimePtr":"2025-01-02T03:04:05.000000006Z",` +
		`"Bytes":"aGk=","NilBytes":"","Slice":["<A.0.1>","<B.0.2>"],"NilSlice":[],"Array":[7,8],` +
		`"Map":{"<A.0.1>":10,"<B.0.2>":20},"NilMap":{},"IntMap":{"10":"ten","9":"nine"},"Nested":{"k":[{"A":5,"B":6}]},` +
		`"Complex":"(1+2i)","PtrStringer":%s,"Panicky":"!String panicked: boom","Bool":true}`
	// Through a pointer the field is addressable, so the pointer-receiver
	// String is used; by value it is a plain struct with no exported fields.
	if got := mustAppend(t, &v, nil); got != fmt.Sprintf(want, `"ptr3"`) {
		t.Fatalf("pointer:\ngot  %s\nwant %s", got, fmt.Sprintf(want, `"ptr3"`))
	}
	if got := mustAppend(t, v, nil); got != fmt.Sprintf(want, `{}`) {
		t.Fatalf("value:\ngot  %s\nwant %s", got, fmt.Sprintf(want, `{}`))
	}
	names := Names(v)
	if names[0] != "E1" || names[len(names)-1] != "Bool" || len(names) != 28 {
		t.Fatalf("Names = %v", names)
	}
}

type Shadow struct{ X, Y int }
type Shadow2 struct{ Y int }
type shadowing struct {
	Shadow
	Shadow2
	X string // shallower: wins over Shadow.X; Y is ambiguous at depth 1
}

func TestPromotionRules(t *testing.T) {
	if got := mustAppend(t, shadowing{Shadow{1, 2}, Shadow2{3}, "x"}, nil); got != `{"X":"x"}` {
		t.Fatalf("got %s", got)
	}
}

type list struct {
	V    int
	Next *list
}

type loop []loop

func TestRecursiveTypes(t *testing.T) {
	l := &list{1, &list{2, nil}}
	if got := mustAppend(t, l, nil); got != `{"V":1,"Next":{"V":2,"Next":null}}` {
		t.Fatalf("got %s", got)
	}
	b, err := AppendValue(nil, loop{loop{}, nil})
	if err != nil || string(b) != `[[],[]]` {
		t.Fatalf("loop: %s %v", b, err)
	}
	l.Next.Next = l // a cycle must fail, not overflow the stack
	if _, err := Append(nil, l, nil); err == nil || !strings.Contains(err.Error(), "nested deeper") {
		t.Fatalf("cycle: %v", err)
	}
}

func TestAppendValue(t *testing.T) {
	for _, c := range []struct {
		v    any
		want string
	}{
		{nil, `null`},
		{PID{"x", 1, 0}, `"<X.0.1>"`},
		{map[string]any{"b": 1, "a": []any{"x", nil}}, `{"a":["x",null],"b":1}`},
		{ProcessState(1), `"sleep"`},
		{3.0, `3`},
		{float32(0.1), `0.1`},
		{1e21, `1e+21`},
		{-0.0000001, `-1e-7`},
		{"</script>&", `"</script>&"`},
	} {
		b, err := AppendValue(nil, c.v)
		if err != nil || string(b) != c.want {
			t.Errorf("AppendValue(%#v) = %s, %v; want %s", c.v, b, err, c.want)
		}
	}
}

type badMarshaler struct{}

func (badMarshaler) MarshalJSON() ([]byte, error) { return []byte(`{`), nil }

func TestMarshalerErrors(t *testing.T) {
	dst := []byte("keep")
	out, err := Append(dst, struct{ B badMarshaler }{}, nil)
	if err == nil || string(out) != "keep" {
		t.Fatalf("got %q, %v", out, err)
	}
	if _, err := Append(nil, nil, nil, Field{"x", badMarshaler{}}); err == nil || !strings.Contains(err.Error(), "field x") {
		t.Fatalf("extra: %v", err)
	}
}

func TestStringEscaping(t *testing.T) {
	for _, s := range []string{
		"plain", `q"uote`, `back\slash`, "ctl\x00\x01\x1f\x7f", "nl\n\r\t\b\f", "</script><!--&",
		"bad\xff\xfeutf8", "trunc\xe2\x82", "\u2028\u2029", "日本語", "emoji 🎉", "",
	} {
		b, err := Append(nil, struct{ S string }{s}, nil)
		if err != nil || !json.Valid(b) {
			t.Fatalf("%q: invalid %s (%v)", s, b, err)
		}
		if want := `{"S":` + reference(s) + `}`; string(b) != want {
			t.Errorf("%q: got %s want %s", s, b, want)
		}
	}
}

// reference is encoding/json's encoding of s, without HTML escaping.
func reference(s string) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return strings.TrimSuffix(b.String(), "\n")
}

func TestRoundTrip(t *testing.T) {
	b := []byte(mustAppend(t, sampleInfo(), nil, Field{"Extra", map[string]float64{"x": 2}}))
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"PID": "<N1.0.1017>", "Name": "worker", "Application": "app", "Behavior": "*main.Worker",
		"MessagesIn": 10.0, "MessagesOut": 3.0, "MessagesMailbox": 2.0, "RunningTime": 1500.0, "Uptime": 60.0,
		"State": "wait response", "Parent": "<N1.0.1000>", "Leader": "<N1.0.1001>", "LogLevel": "info",
		"Extra": map[string]any{"x": 2.0},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v\nwant %v", got, want)
	}
}

func TestNames(t *testing.T) {
	want := []string{"PID", "Name", "Application", "Behavior", "MessagesIn", "MessagesOut", "MessagesMailbox",
		"RunningTime", "Uptime", "State", "Parent", "Leader", "LogLevel"}
	if got := Names(&ProcessShortInfo{}); !reflect.DeepEqual(got, want) {
		t.Fatalf("Names = %v", got)
	}
	Names(ProcessShortInfo{})[0] = "changed" // the caller's own copy
	if Names(ProcessShortInfo{})[0] != "PID" {
		t.Fatal("Names returned the cached slice")
	}
	if Names(1) != nil || Names(nil) != nil {
		t.Fatal("Names of a non-struct")
	}
}

func TestConcurrentFirstUse(t *testing.T) {
	type fresh struct {
		A   []PID
		B   map[string]*list
		Ptr *list
	}
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			b, err := Append(nil, fresh{Ptr: &list{V: 1}}, nil)
			if err != nil || string(b) != `{"A":[],"B":{},"Ptr":{"V":1,"Next":null}}` {
				t.Errorf("got %s, %v", b, err)
			}
		})
	}
	wg.Wait()
}

func FuzzStringField(f *testing.F) {
	for _, s := range []string{"", "a", "\x00", "\xff", "</script>", "\u2028", `"\`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := Append(nil, struct {
			S string
			M map[string]Atom
		}{s, map[string]Atom{s: Atom(s)}}, nil)
		if err != nil || !json.Valid(b) {
			t.Fatalf("%q: invalid JSON %s (%v)", s, b, err)
		}
		var got struct {
			S string
			M map[string]string
		}
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatal(err)
		}
		var want string
		_ = json.Unmarshal([]byte(reference(s)), &want)
		if got.S != want || got.M[want] != want {
			t.Fatalf("%q: round trip gave %q", s, got.S)
		}
	})
}

func BenchmarkAppendProcessShortInfo(b *testing.B) {
	info := sampleInfo()
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		buf, _ = Append(buf[:0], &info, nil, Field{"Utilization", 0.5})
	}
}

func TestNamedStringsArePlain(t *testing.T) {
	type rec struct {
		Name  Atom
		Peers map[Atom]int
	}
	got, err := Append(nil, rec{Name: "shop", Peers: map[Atom]int{"b@h": 2, "a@h": 1}}, nil, Field{"Node", Atom("n1")})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"Name":"shop","Peers":{"a@h":1,"b@h":2},"Node":"n1"}`; string(got) != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}
