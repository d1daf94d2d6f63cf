package catalog

import (
	"encoding/json"
	"strings"
	"testing"
)

type probeArgs struct {
	Common
	Limit int      `json:"limit,omitempty" jsonschema:"how many"`
	Name  string   `json:"name,omitempty"`
	Tags  []string `json:"tags,omitempty"`
	Order string   `json:"order,omitempty"`
}

func (a *probeArgs) Validate() error {
	if a.Limit < 0 || a.Limit > 10 {
		return Errorf("limit must be 0..10, got %d", a.Limit)
	}
	return nil
}

var probe = Define[probeArgs](Tool{Name: "probe", Enums: map[string][]any{"order": {"asc", "desc"}}})

func TestDecode(t *testing.T) {
	cases := []struct {
		in      string
		wantErr string // substring; "" = success
	}{
		{``, ""},
		{`null`, ""},
		{`{}`, ""},
		{`{"limit":3,"name":"x","tags":["a"],"node":"n@h","timeout":5}`, ""},
		{`{"limit":"3"}`, `argument "limit" must be an integer, got JSON string`},
		{`{"limit":1.5}`, `argument "limit" must be an integer`},
		{`{"tags":"a"}`, `argument "tags" must be an array`},
		{`{"limmit":3}`, `unknown argument "limmit" for probe; it takes: limit, name, node, order, tags, timeout`},
		{`{"limit":11}`, "limit must be 0..10, got 11"},
		{`{"timeout":-1}`, "timeout must be between 1 and 120 (default 30)"},
		{`{"timeout":121}`, "timeout must be between 1 and 120 (default 30)"},
		{`[1,2]`, "arguments must be a JSON object"},
		{`{"limit":1} {"x":2}`, "trailing data"},
		{`{"limit":`, "not valid JSON"},
	}
	for _, c := range cases {
		v, err := probe.Decode(json.RawMessage(c.in))
		switch {
		case c.wantErr == "" && err != nil:
			t.Errorf("%s: unexpected error %v", c.in, err)
		case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)):
			t.Errorf("%s: error %v, want %q", c.in, err, c.wantErr)
		case c.wantErr != "":
			if _, ok := err.(*Error); !ok {
				t.Errorf("%s: error type %T is not *catalog.Error", c.in, err)
			}
		}
		if err == nil {
			if CommonOf(v).Timeout == 0 {
				t.Errorf("%s: timeout default not applied", c.in)
			}
		}
	}
	v, _ := probe.Decode(json.RawMessage(`{"limit":3,"timeout":7,"node":"a@b"}`))
	a := v.(*probeArgs)
	if a.Limit != 3 || a.Timeout != 7 || a.Node != "a@b" || CommonOf(v).Timeout != 7 {
		t.Fatalf("decoded %+v", a)
	}
	if v, _ := probe.Decode(nil); CommonOf(v).Timeout != DefaultTimeout {
		t.Fatal("default timeout")
	}
}

func TestSchema(t *testing.T) {
	b, err := json.Marshal(probe.InputSchema())
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, want := range []string{`"limit"`, `"enum":["asc","desc"]`, `"how many"`} {
		if !strings.Contains(s, want) {
			t.Errorf("schema lacks %s: %s", want, s)
		}
	}
	// node and timeout are explained in the instructions; unknown names
	// are the decoder's to refuse.
	for _, unwanted := range []string{`"required"`, `"timeout"`, `"node"`, `"additionalProperties"`} {
		if strings.Contains(s, unwanted) {
			t.Errorf("schema has %s: %s", unwanted, s)
		}
	}
}

type ruledArgs struct {
	Common
	Name   string   `json:"name" arg:"required" jsonschema:"the thing's name"`
	Limit  int      `json:"limit,omitempty" arg:"min=1,max=50,default=20"`
	Ratio  float64  `json:"ratio,omitempty" arg:"min=0,max=1"`
	Mode   string   `json:"mode,omitempty" arg:"enum=fast|slow,default=fast"`
	Tags   []string `json:"tags,omitempty"`
	Flag   *bool    `json:"flag,omitempty"`
	Any    any      `json:"any,omitempty"`
	Shadow string   `json:"shadow,omitempty"`
}

type outerArgs struct {
	ruledArgs
	Shadow int `json:"shadow,omitempty" arg:"min=5"`
}

var ruled = Define[ruledArgs](Tool{Name: "ruled"})

// The arg tags are the one declaration: the schema states them and the
// decoder enforces them with the same numbers.
func TestArgRules(t *testing.T) {
	b, _ := json.Marshal(ruled.InputSchema())
	s := string(b)
	for _, want := range []string{`"required":["name"]`, `"limit":{"type":"integer","default":20,"minimum":1,"maximum":50}`,
		`"ratio":{"type":"number","minimum":0,"maximum":1}`, `"mode":{"type":"string","default":"fast","enum":["fast","slow"]}`,
		`"tags":{"type":"array"`, `"flag":{"type":"boolean"}`, `"description":"the thing's name"`} {
		if !strings.Contains(s, want) {
			t.Errorf("schema lacks %s: %s", want, s)
		}
	}
	if strings.Contains(s, `"null"`) {
		t.Errorf("nullable type array: %s", s)
	}
	for _, c := range []struct{ in, want string }{
		{`{}`, "name is required: the thing's name"},
		{`{"name":"  "}`, "name is required"},
		{`{"name":"x","limit":0}`, "limit must be between 1 and 50 (default 20), got 0"},
		{`{"name":"x","limit":51}`, "limit must be between 1 and 50 (default 20), got 51"},
		{`{"name":"x","ratio":1.5}`, "ratio must be between 0 and 1, got 1.5"},
		{`{"name":"x","mode":"medium"}`, `mode "medium" is not valid; use one of: fast, slow`},
		{`{"name":"x","limit":null}`, `argument "limit" must not be null`},
		{`{"name":"x","tags":null}`, `argument "tags" must not be null`},
		{`{"name":"x","flag":null}`, `argument "flag" must not be null`},
		{`{"name":null}`, `argument "name" must not be null`},
		{`{"name":"x","timeout":0}`, "timeout must be between 1 and 120 (default 30), got 0"},
	} {
		if _, err := ruled.Decode(json.RawMessage(c.in)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.in, err, c.want)
		}
	}
	v, err := ruled.Decode(json.RawMessage(`{"name":"x","any":null,"Limit":7}`))
	if err != nil {
		t.Fatal(err)
	}
	a := v.(*ruledArgs)
	if a.Limit != 7 || a.Mode != "fast" || a.Timeout != DefaultTimeout {
		t.Fatalf("defaults or a key in another case: %+v", a)
	}
	v, _ = ruled.Decode(json.RawMessage(`{"name":"x","mode":"SLOW"}`))
	if v.(*ruledArgs).Limit != 20 || v.(*ruledArgs).Mode != "SLOW" {
		t.Fatalf("default limit or case-forgiving enum: %+v", v)
	}
	outer := Define[outerArgs](Tool{Name: "outer"})
	if _, err := outer.Decode(json.RawMessage(`{"name":"x","shadow":4}`)); err == nil || !strings.Contains(err.Error(), "shadow must be at least 5") {
		t.Fatalf("the outer field's rule must win: %v", err)
	}
	next := string(ruled.NextCall(a, 40))
	if next != `{"tool":"ruled","arguments":{"limit":7,"name":"x","offset":40}}` {
		t.Fatalf("next call %s", next)
	}
}

func TestDefinePanics(t *testing.T) {
	type noCommon struct{ X int }
	for name, f := range map[string]func(){
		"no Common":    func() { Define[noCommon](Tool{Name: "x"}) },
		"bad name":     func() { Define[probeArgs](Tool{Name: "a b"}) },
		"unknown enum": func() { Define[probeArgs](Tool{Name: "x", Enums: map[string][]any{"nope": {1}}}) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: Define did not panic", name)
				}
			}()
			f()
		}()
	}
}

func TestAnnotations(t *testing.T) {
	for _, c := range []struct {
		tool                              Tool
		readOnly, destructive, idempotent bool
	}{
		{Tool{Name: "r", Kind: ReadOnly}, true, false, false},
		{Tool{Name: "m", Kind: Mutating, Idempotent: true}, false, true, true},
		{Tool{Name: "a", Kind: Action, OpenWorld: true}, false, true, false},
	} {
		a := Define[probeArgs](c.tool).Annotations()
		if a.ReadOnlyHint != c.readOnly || (a.DestructiveHint != nil) != c.destructive || (a.DestructiveHint != nil && !*a.DestructiveHint) || a.IdempotentHint != c.idempotent || *a.OpenWorldHint != c.tool.OpenWorld {
			t.Errorf("%s: %+v", c.tool.Name, a)
		}
	}
}

func TestPolicy(t *testing.T) {
	read := Define[probeArgs](Tool{Name: "process_list"})
	mut := Define[probeArgs](Tool{Name: "log_level_set", Kind: Mutating})
	act := Define[probeArgs](Tool{Name: "process_kill", Kind: Action})
	cases := []struct {
		policy Policy
		tool   *Tool
		want   string // "" = allowed, else substring of the refusal
	}{
		{Policy{}, read, ""},
		{Policy{}, mut, "Options.EnableActions"},
		{Policy{}, act, "Options.EnableActions"},
		{Policy{EnableActions: true}, act, ""},
		{Policy{EnableActions: true}, mut, ""},
		{Policy{Deny: []string{"process_*"}}, read, "Options.DenyTools"},
		{Policy{EnableActions: true, Deny: []string{"process_kill"}}, act, "Options.DenyTools"},
		{Policy{Allow: []string{"node_info"}}, read, "Options.AllowTools"},
		{Policy{Allow: []string{"process_*"}}, read, ""},
		{Policy{Allow: []string{"process_*"}}, act, "Options.EnableActions"},
		{Policy{Allow: []string{"[bad"}}, read, "Options.AllowTools"},
	}
	for _, c := range cases {
		err := c.policy.Check(c.tool)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%+v %s: refused: %v", c.policy, c.tool.Name, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%+v %s: got %v, want %q", c.policy, c.tool.Name, err, c.want)
		}
		if c.policy.Visible(c.tool) != (c.want == "") {
			t.Errorf("%+v %s: visibility disagrees with Check", c.policy, c.tool.Name)
		}
	}
}

func TestRegistry(t *testing.T) {
	var r Registry
	r.Add(Define[probeArgs](Tool{Name: "b"}))
	r.Add(Define[probeArgs](Tool{Name: "a"}))
	if tl := r.Tools(); len(tl) != 2 || tl[0].Name != "a" || tl[1].Name != "b" {
		t.Fatalf("order %v", tl)
	}
	if _, ok := r.Lookup("a"); !ok {
		t.Fatal("lookup")
	}
	if _, ok := r.Lookup("zz"); ok {
		t.Fatal("lookup of unknown")
	}
	defer func() {
		if recover() == nil {
			t.Fatal("duplicate accepted")
		}
	}()
	r.Add(Define[probeArgs](Tool{Name: "a"}))
}

func FuzzDecode(f *testing.F) {
	for _, s := range []string{`{}`, `{"limit":3}`, `{"timeout":1e400}`, `{"tags":[1]}`, `nul`, `{"node":"\u0000"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		v, err := probe.Decode(raw)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error %T is not *catalog.Error: %v", err, err)
			}
			return
		}
		c := CommonOf(v)
		if c.Timeout < 1 || c.Timeout > MaxTimeout || v.(*probeArgs).Limit > 10 {
			t.Fatalf("accepted out-of-range values: %+v", v)
		}
	})
}

// The notes every tool shares are said once, in the instructions, not in
// every description; a fan-out tool only says that node="*" works.
func TestDescriptionsLeaveSharedNotesToInstructions(t *testing.T) {
	plain := Define[probeArgs](Tool{Name: "plain", Description: "Lists things."}).MCP()
	if plain.Description != "Lists things." {
		t.Fatalf("description: %q", plain.Description)
	}
	fan := Define[probeArgs](Tool{Name: "fan", Description: "Lists things.", FanOut: true}).MCP()
	if fan.Description != "Lists things."+fanOutMark {
		t.Fatalf("description: %q", fan.Description)
	}
}

// New returns what Define panics with, for declarations made at run time
// (Options.Tools): each error names the tool and what is wrong.
func TestNewRefuses(t *testing.T) {
	type noCommon struct{ X int }
	type badTag struct {
		Common
		Limit int `json:"limit" arg:"max=many"`
	}
	for name, c := range map[string]struct {
		new  func() (*Tool, error)
		want string
	}{
		"no Common":    {func() (*Tool, error) { return New[noCommon](Tool{Name: "x"}) }, "x: argument type catalog.noCommon does not embed catalog.Common"},
		"not a struct": {func() (*Tool, error) { return New[int](Tool{Name: "x"}) }, "x: argument type int is not a struct"},
		"bad name":     {func() (*Tool, error) { return New[probeArgs](Tool{Name: "a b"}) }, `bad tool name "a b"`},
		"bad tag":      {func() (*Tool, error) { return New[badTag](Tool{Name: "x"}) }, `x: argument limit: max="many" is not a number`},
		"unknown enum": {func() (*Tool, error) { return New[probeArgs](Tool{Name: "x", Enums: map[string][]any{"nope": {1}}}) }, `enum for unknown argument "nope"`},
	} {
		tool, err := c.new()
		if tool != nil || err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, %v; want an error containing %q", name, tool, err, c.want)
		}
	}
	if tool, err := New[probeArgs](Tool{Name: "fine"}); err != nil || tool.Name != "fine" || tool.InputSchema() == nil {
		t.Fatalf("a good declaration: %v, %v", tool, err)
	}
}
