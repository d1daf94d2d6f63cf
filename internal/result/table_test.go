package result

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// The table form loses nothing: expanded, it decodes to the same items as
// the records form, for items with constant, varying, missing and nested
// fields.
func TestTableIsLossless(t *testing.T) {
	raw := []string{
		`{"PID":"<A.0.1>","App":"shop","Mailbox":{"Main":3,"System":0},"Note":"a \"q\" ]}"}`,
		`{"PID":"<A.0.2>","App":"shop","Mailbox":{"Main":0,"System":0},"Extra":[1,{"x":"]"}]}`,
		`{"PID":"<A.0.3>","App":"shop","Mailbox":{"Main":0,"System":0}}`,
	}
	var its []json.RawMessage
	for _, r := range raw {
		its = append(its, json.RawMessage(r))
	}
	compact, err := (&List{Total: 3, Items: its}).Encode(0)
	if err != nil {
		t.Fatal(err)
	}
	records, err := (&List{Total: 3, Items: its, Records: true}).Encode(0)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(compact, `"same":{"App":"shop"}`) || strings.Count(compact, `"PID"`) != 1 {
		t.Fatalf("constant column not stated once: %s", compact)
	}
	expanded, err := Expand([]byte(compact))
	if err != nil {
		t.Fatal(err)
	}
	var a, b any
	if err := json.Unmarshal(expanded, &a); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(records), &b); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("expanded table differs from records:\n%s\n%s", expanded, records)
	}
	if len(compact) >= len(records) {
		t.Fatalf("table %d bytes, records %d", len(compact), len(records))
	}
}

// A cut list names the call that returns the rest: the offset after the
// last row shown, for a limit cut and for a budget cut alike.
func TestNextCall(t *testing.T) {
	next := func(off int) json.RawMessage {
		return json.RawMessage(`{"tool":"t","arguments":{"offset":` + itoa(off) + `}}`)
	}
	l := List{Total: 50, Items: items(30), Offset: 10, Truncated: true, Next: next}
	s, err := l.Encode(0)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(s, `"returned":20,"truncated":true,"truncated_by":"limit","offset":10,"next":{"tool":"t","arguments":{"offset":30}}`) {
		t.Fatalf("limit cut: %s", s)
	}
	if !strings.Contains(s, `"w10"`) || strings.Contains(s, `"w9"`) {
		t.Fatalf("offset not applied: %s", s)
	}
	s, err = l.Encode(400)
	if err != nil {
		t.Fatal(err)
	}
	var e struct {
		Returned int
		Next     struct{ Arguments struct{ Offset int } }
	}
	if err := json.Unmarshal([]byte(s), &e); err != nil || !strings.Contains(s, ByBudget) || e.Next.Arguments.Offset != 10+e.Returned {
		t.Fatalf("budget cut: %s", s)
	}
	full := List{Total: 3, Items: items(3), Next: next}
	if s, _ := full.Encode(0); strings.Contains(s, "next") {
		t.Fatalf("uncut list with a next call: %s", s)
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }
