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

// The object and array readers share one member loop: each refuses what
// is not its container, a bad separator and a missing close alike.
func TestSplitMalformed(t *testing.T) {
	for _, c := range []struct {
		in, object, array string
	}{
		{`[1]`, "not a JSON object", ""},
		{`{"a":1}`, "", "not a JSON array"},
		{`{"a":1 "b":2}`, `unexpected '"' at byte 7`, "not a JSON array"},
		{`[1 2]`, "not a JSON object", `unexpected '2' at byte 3`},
		{`{"a":1,`, "unterminated object", "not a JSON array"},
		{`[1,`, "not a JSON object", "unterminated array"},
		{`{"a" 1}`, "expected ':' at byte 5", "not a JSON array"},
		{`{1:2}`, "expected a key at byte 1", "not a JSON array"},
		{` { } `, "", "not a JSON array"},
		{` [ ] `, "not a JSON object", ""},
	} {
		for _, r := range []struct {
			split func([]byte) ([][]byte, error)
			want  string
		}{{splitObject, c.object}, {splitArray, c.array}} {
			out, err := r.split([]byte(c.in))
			switch {
			case r.want == "" && err != nil:
				t.Errorf("%s: %v", c.in, err)
			case r.want != "" && (err == nil || err.Error() != r.want || out != nil):
				t.Errorf("%s: %v (%q), want %q", c.in, err, out, r.want)
			}
		}
	}
	pairs, err := splitObject([]byte(`{"a":[1,{"b":"}"}],"c":"x"}`))
	if err != nil || len(pairs) != 4 || string(pairs[1]) != `[1,{"b":"}"}]` || string(pairs[3]) != `"x"` {
		t.Fatalf("nested: %q, %v", pairs, err)
	}
}
