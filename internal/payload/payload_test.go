package payload

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

type Item struct {
	SKU   string `json:"sku"`
	Qty   int8
	Price float32
}

type Base struct {
	ID    uint16
	Trace string `json:"trace_id"`
}

type Order struct {
	Base
	Customer string
	Items    []Item
	Tags     map[string]int
	ByID     map[uint8]string
	Note     *string
	When     time.Time
	Wait     time.Duration
	Blob     []byte
	Pair     [2]bool
	Extra    any
	Cause    error
	Hidden   string `json:"-"`
	secret   string
}

type Tree struct {
	Name string
	Kids []Tree
}

type Odd struct {
	Ch  chan int
	Fn  func()
	Str fmt.Stringer
	Key map[[2]int]int
}

func decode(t testing.TB, s string) any {
	t.Helper()
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		t.Fatalf("test JSON %s: %v", s, err)
	}
	return v
}

func TestBuildOrder(t *testing.T) {
	in := `{"ID":7,"trace_id":"t-1","customer":"ann","Items":[{"sku":"a","Qty":2,"Price":1.5},{"sku":"b","Qty":-3}],
		"Tags":{"x":1},"ByID":{"200":"big"},"Note":"hi","When":"2024-05-01T10:00:00Z","Wait":"1.5s",
		"Blob":"aGk=","Pair":[true,false],"Extra":{"n":1,"f":2.5,"l":[1,"s",null]},"Cause":"boom"}`
	v, err := Builder{}.Build(reflect.TypeFor[Order](), "Order", decode(t, in))
	if err != nil {
		t.Fatal(err)
	}
	o := v.Interface().(Order)
	if o.ID != 7 || o.Trace != "t-1" || o.Customer != "ann" || len(o.Items) != 2 || o.Items[1].Qty != -3 || o.Items[0].Price != 1.5 {
		t.Errorf("fields: %+v", o)
	}
	if o.Tags["x"] != 1 || o.ByID[200] != "big" || o.Note == nil || *o.Note != "hi" || o.Wait != 1500*time.Millisecond {
		t.Errorf("maps/pointer/duration: %+v", o)
	}
	if !o.When.Equal(time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)) || string(o.Blob) != "hi" || o.Pair != [2]bool{true, false} {
		t.Errorf("time/bytes/array: %+v", o)
	}
	extra := o.Extra.(map[string]any)
	if extra["n"] != int64(1) || extra["f"] != 2.5 || !reflect.DeepEqual(extra["l"], []any{int64(1), "s", nil}) {
		t.Errorf("extra: %#v", o.Extra)
	}
	if o.secret != "" || o.Hidden != "" {
		t.Errorf("unsettable fields were set: %+v", o)
	}
	if o.Cause == nil || o.Cause.Error() != "boom" {
		t.Errorf("cause: %v", o.Cause)
	}
}

func TestBuildErrorsNameThePath(t *testing.T) {
	cases := []struct{ in, want string }{
		{`{"Items":[{},{},{"Qty":1.5}]}`, `Order.Items[2].Qty: expected an integer (int8), got 1.5`},
		{`{"Items":[{"Qty":300}]}`, `Order.Items[0].Qty: 300 is out of range for int8 (-128..127)`},
		{`{"Items":[{"Price":1e39}]}`, `Order.Items[0].Price: 1e39 overflows float32`},
		{`{"ID":-1}`, `Order.ID: expected a non-negative integer (uint16), got -1`},
		{`{"ID":70000}`, `Order.ID: 70000 is out of range for uint16 (0..65535)`},
		{`{"Items":[{"sku":5}]}`, `Order.Items[0].sku: expected a string, got the number 5`},
		{`{"Bogus":1}`, `Order: unknown field "Bogus" in payload.Order; its fields: ID, trace_id, Customer`},
		{`{"Hidden":"x"}`, `unknown field "Hidden"`},
		{`{"secret":"x"}`, `unknown field "secret"`},
		{`{"Items":{}}`, `Order.Items: expected an array, got an object`},
		{`{"Tags":{"a":"b"}}`, `Order.Tags["a"]: expected an integer (int), got a string`},
		{`{"ByID":{"x":"b"}}`, `Order.ByID["x"]: expected a non-negative integer (uint8), got x`},
		{`{"When":"yesterday"}`, `Order.When: expected an RFC 3339 time`},
		{`{"Wait":"soon"}`, `Order.Wait: expected a duration`},
		{`{"Blob":"%%%"}`, `Order.Blob: expected base64 text`},
		{`{"Pair":[true]}`, `Order.Pair: expected an array of exactly 2 elements`},
		{`{"Cause":1}`, `Order.Cause: expected a string (the error text), got the number 1`},
		{`{"customer":"a","Customer":"b"}`, `both set field Customer`},
		{`[]`, `Order: expected an object, got an array`},
		{`"x"`, `Order: expected an object, got a string`},
	}
	for _, c := range cases {
		_, err := Builder{}.Build(reflect.TypeFor[Order](), "Order", decode(t, c.in))
		var pe *Error
		if !errors.As(err, &pe) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to contain %q", c.in, err, c.want)
		}
	}
}

func TestBuildUnsupportedKinds(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`{"Ch":1}`, "Odd.Ch: a field of type chan int cannot be built"},
		{`{"Fn":1}`, "Odd.Fn: a field of type func() cannot be built"},
		{`{"Str":"x"}`, "Odd.Str: a field of interface type fmt.Stringer cannot be built"},
		{`{"Key":{"a":1}}`, `Odd.Key["a"]: maps keyed by [2]int cannot be built`},
	} {
		_, err := Builder{}.Build(reflect.TypeFor[Odd](), "Odd", decode(t, c.in))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.in, err, c.want)
		}
	}
	// null leaves anything zero, even what JSON cannot build.
	if _, err := (Builder{}).Build(reflect.TypeFor[Odd](), "Odd", decode(t, `{"Ch":null,"Fn":null}`)); err != nil {
		t.Errorf("nulls: %v", err)
	}
}

func TestBounds(t *testing.T) {
	deep := strings.Repeat(`{"Kids":[`, 40) + strings.Repeat(`]}`, 40)
	_, err := Builder{}.Build(reflect.TypeFor[Tree](), "Tree", decode(t, deep))
	if err == nil || !strings.Contains(err.Error(), "nested deeper than 32 levels") {
		t.Errorf("depth: %v", err)
	}
	wide := "[" + strings.Repeat("1,", 200) + "1]"
	_, err = Builder{MaxValues: 100}.Build(reflect.TypeFor[[]int](), "list", decode(t, wide))
	if err == nil || !strings.Contains(err.Error(), "more than 100 values") {
		t.Errorf("values: %v", err)
	}
	_, err = Builder{MaxValues: 100}.Plain("message", decode(t, `{"a":`+wide+`}`))
	if err == nil || !strings.Contains(err.Error(), `message["a"]: the message holds more than 100 values`) {
		t.Errorf("plain values: %v", err)
	}
	_, err = Builder{}.Plain("message", decode(t, strings.Repeat("[", 50)+strings.Repeat("]", 50)))
	if err == nil || !strings.Contains(err.Error(), "nested deeper") {
		t.Errorf("plain depth: %v", err)
	}
}

func TestPlain(t *testing.T) {
	v, err := Builder{}.Plain("message", decode(t, `{"a":[1,2.5,"x",true,null,{"b":9007199254740993}]}`))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"a": []any{int64(1), 2.5, "x", true, nil, map[string]any{"b": int64(9007199254740993)}}}
	if !reflect.DeepEqual(v, want) {
		t.Errorf("plain: %#v", v)
	}
	if _, err := (Builder{}).Plain("message", decode(t, `1e999`)); err == nil {
		t.Error("1e999 accepted")
	}
	if s, _ := (Builder{}).Plain("message", "text"); s != "text" {
		t.Errorf("string: %v", s)
	}
}

type stamp struct{ At string }

func TestSpecial(t *testing.T) {
	b := Builder{Special: map[reflect.Type]Special{
		reflect.TypeFor[stamp](): {
			Build: func(v any) (reflect.Value, error) {
				s, ok := v.(string)
				if !ok || !strings.HasPrefix(s, "@") {
					return reflect.Value{}, errors.New(`expected "@..."`)
				}
				return reflect.ValueOf(stamp{At: s}), nil
			},
			Example: `"@now"`,
		},
	}}
	type msg struct{ S []stamp }
	v, err := b.Build(reflect.TypeFor[msg](), "msg", decode(t, `{"S":["@1","@2"]}`))
	if err != nil || v.Interface().(msg).S[1].At != "@2" {
		t.Fatalf("special: %v %v", v, err)
	}
	if _, err := b.Build(reflect.TypeFor[msg](), "msg", decode(t, `{"S":["x"]}`)); err == nil || err.Error() != `msg.S[0]: expected "@..."` {
		t.Errorf("special error: %v", err)
	}
	if got := string(b.Example(reflect.TypeFor[msg]())); got != `{"S":["@now"]}` {
		t.Errorf("special example: %s", got)
	}
}

func TestExampleBuilds(t *testing.T) {
	for _, typ := range []reflect.Type{reflect.TypeFor[Order](), reflect.TypeFor[Tree](), reflect.TypeFor[[3]Item](), reflect.TypeFor[map[int]*Item]()} {
		ex := Builder{}.Example(typ)
		if !json.Valid(ex) {
			t.Fatalf("%s: example is not JSON: %s", typ, ex)
		}
		if _, err := (Builder{}).Build(typ, typ.Name(), decode(t, string(ex))); err != nil {
			t.Errorf("%s: its own example does not build: %v\n%s", typ, err, ex)
		}
	}
	if got := string(Builder{}.Example(reflect.TypeFor[Tree]())); got != `{"Name":"","Kids":[null]}` {
		t.Errorf("recursive example: %s", got)
	}
}

func TestFields(t *testing.T) {
	var keys []string
	for _, f := range Fields(reflect.TypeFor[Order]()) {
		keys = append(keys, f.Key+"="+f.Name)
	}
	want := "ID=Base.ID trace_id=Base.Trace Customer=Customer Items=Items Tags=Tags ByID=ByID Note=Note When=When Wait=Wait Blob=Blob Pair=Pair Extra=Extra Cause=Cause"
	if strings.Join(keys, " ") != want {
		t.Errorf("fields:\n got %s\nwant %s", strings.Join(keys, " "), want)
	}
	type A struct{ X, Y int }
	type B struct {
		X int
		Z int `json:"Y"`
	}
	type both struct {
		A
		B
	}
	keys = nil
	for _, f := range Fields(reflect.TypeFor[both]()) {
		keys = append(keys, f.Key+"="+f.Name)
	}
	// X is ambiguous at one depth; the tagged Y wins over A.Y.
	if strings.Join(keys, " ") != "Y=B.Z" {
		t.Errorf("dominance: %v", keys)
	}
	if Fields(reflect.TypeFor[int]()) != nil {
		t.Error("fields of int")
	}
}

func TestMatch(t *testing.T) {
	names := []string{"#github.com/acme/shop/orders/Order", "#github.com/acme/shop/billing/Order", "#github.com/acme/shop/orders/Item", "#ergo.services/ergo/gen/PID"}
	for q, want := range map[string]string{
		"#github.com/acme/shop/orders/Item": "#github.com/acme/shop/orders/Item",
		"github.com/acme/shop/orders/Item":  "#github.com/acme/shop/orders/Item",
		"github.com/acme/shop/orders.Item":  "#github.com/acme/shop/orders/Item",
		"orders.Item":                       "#github.com/acme/shop/orders/Item",
		"Item":                              "#github.com/acme/shop/orders/Item",
		" billing.Order ":                   "#github.com/acme/shop/billing/Order",
		"gen.PID":                           "#ergo.services/ergo/gen/PID",
	} {
		if got, _ := Match(names, q); got != want {
			t.Errorf("Match(%q) = %q, want %q", q, got, want)
		}
	}
	if got, cands := Match(names, "Order"); got != "" || len(cands) != 2 {
		t.Errorf("ambiguous: %q %v", got, cands)
	}
	if got, cands := Match(names, "Nope"); got != "" || cands != nil {
		t.Errorf("none: %q %v", got, cands)
	}
	if GoName("#a/b/c/T") != "c.T" || GoName("plain") != "plain" || GoName("#x/T") != "x.T" {
		t.Error("GoName")
	}
}

// Look-alikes of the registry methods ergo 3.3's network has; the exact
// return shape of RegisteredTypes is not pinned, so several are tried.
type netTypes struct{ types []reflect.Type }

func (n netTypes) RegisteredTypes() []reflect.Type { return n.types }
func (n netTypes) LookupType(name string) (reflect.Type, bool) {
	for _, t := range n.types {
		if TypeName(t) == name {
			return t, true
		}
	}
	return nil, false
}

type netNames struct{}

func (netNames) RegisteredTypes() (map[string]reflect.Type, error) {
	return map[string]reflect.Type{TypeName(reflect.TypeFor[Item]()): reflect.TypeFor[Item]()}, nil
}

type netStructs struct{}

type regEntry struct {
	Name string
	Type reflect.Type
}

func (netStructs) RegisteredTypes() []regEntry {
	return []regEntry{{Name: "custom/Item", Type: reflect.TypeFor[Item]()}}
}

type netBroken struct{}

func (netBroken) RegisteredTypes() []string   { panic("inside") }
func (netBroken) LookupType(int) reflect.Type { return nil }

func TestProbeRegistry(t *testing.T) {
	item := reflect.TypeFor[Item]()
	itemName := TypeName(item)
	if itemName != "#github.com/ergomcp/ergomcp/internal/payload/Item" {
		t.Fatalf("TypeName: %s", itemName)
	}
	for _, v := range []any{netTypes{types: []reflect.Type{item, reflect.TypeFor[Order]()}}, netNames{}, &netStructs{}} {
		r, ok := ProbeRegistry(v)
		if !ok || !r.CanList() {
			t.Fatalf("%T: not probed", v)
		}
		names, err := r.Names()
		if err != nil || len(names) == 0 {
			t.Fatalf("%T: names %v %v", v, names, err)
		}
		name, _ := Match(names, "payload.Item")
		if _, isStructs := v.(*netStructs); isStructs {
			name = "custom/Item"
		}
		got, found, err := r.Lookup(name)
		if err != nil || !found || got != item {
			t.Errorf("%T: Lookup(%q) = %v %v %v", v, name, got, found, err)
		}
		if _, found, _ := r.Lookup("#nope/Nope"); found {
			t.Errorf("%T: found a type that is not there", v)
		}
	}
	r, ok := ProbeRegistry(netBroken{})
	if !ok || r.lookup.IsValid() {
		t.Fatalf("broken: LookupType(int) must not be probed: %v", ok)
	}
	if _, err := r.Names(); err == nil || !strings.Contains(err.Error(), "panicked") {
		t.Errorf("panicking RegisteredTypes: %v", err)
	}
	if _, ok := ProbeRegistry(struct{}{}); ok {
		t.Error("probed a registry on a plain struct")
	}
	if _, ok := ProbeRegistry(nil); ok {
		t.Error("probed a registry on nil")
	}
}

// FuzzBuild feeds arbitrary JSON to Build for a type with every kind Build
// handles and to Plain: no input may panic, every failure is an *Error
// whose path starts at the root, and bounds hold.
func FuzzBuild(f *testing.F) {
	for _, s := range []string{
		`{}`, `{"Items":[{"Qty":1}]}`, `{"Items":[{"Qty":1e400}]}`, `{"ByID":{"-1":"x"}}`, `{"Extra":[[[[]]]]}`,
		`{"When":"2024-01-01T00:00:00Z","Wait":-5}`, `{"Blob":[1,2,300]}`, `{"Pair":[1,2]}`, `{"ID":1.0}`,
		`{"Note":null,"Cause":""}`, `{"Kids":[{"Kids":[]}]}`, `null`, `"s"`, `[1,"a",{}]`,
	} {
		f.Add([]byte(s))
	}
	b := Builder{MaxDepth: 8, MaxValues: 1000}
	f.Fuzz(func(t *testing.T, raw []byte) {
		d := json.NewDecoder(bytes.NewReader(raw))
		d.UseNumber()
		var v any
		if d.Decode(&v) != nil {
			return
		}
		for _, typ := range []reflect.Type{reflect.TypeFor[Order](), reflect.TypeFor[Tree](), reflect.TypeFor[map[int8][]float32]()} {
			out, err := b.Build(typ, "Root", v)
			if err != nil {
				var pe *Error
				if !errors.As(err, &pe) || !strings.HasPrefix(pe.Path, "Root") || pe.Msg == "" {
					t.Fatalf("%s: error %T %q does not name a path", typ, err, err)
				}
				continue
			}
			if out.Type() != typ {
				t.Fatalf("built %s, want %s", out.Type(), typ)
			}
		}
		if _, err := b.Plain("message", v); err != nil {
			var pe *Error
			if !errors.As(err, &pe) || !strings.HasPrefix(pe.Path, "message") {
				t.Fatalf("plain: error %T %q does not name a path", err, err)
			}
		}
	})
}
