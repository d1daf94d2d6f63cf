package tools

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/google/jsonschema-go/jsonschema"

	"github.com/ergomcp/ergomcp/internal/catalog"
	"github.com/ergomcp/ergomcp/sampler"
)

// plausible is a value of the schema's type that no rule refuses on its
// own: the other required arguments of a call that tests one rule.
func plausible(p *jsonschema.Schema) any {
	switch {
	case len(p.Enum) > 0:
		return p.Enum[0]
	case p.Type == "integer" || p.Type == "number":
		if p.Minimum != nil {
			return *p.Minimum
		}
		return 1
	case p.Type == "boolean":
		return true
	case p.Type == "array":
		return []any{}
	case p.Type == "object":
		return map[string]any{}
	}
	return "x"
}

// Every tool's schema says what its decoder enforces: an argument the
// schema lists as required is refused when missing, with its name; a
// number outside the schema's minimum/maximum is refused with the same
// bounds in the text; null is refused for every typed argument; and no
// schema uses a ["null", T] type array.
func TestSchemaAgreesWithDecoder(t *testing.T) {
	for _, tool := range Builtins().Tools() {
		s := tool.InputSchema()
		rules := map[string]catalog.ArgRule{}
		for _, r := range tool.Rules() {
			rules[r.Name] = r
		}
		base := map[string]any{}
		for _, name := range s.Required {
			base[name] = plausible(s.Properties[name])
		}
		call := func(name string, v any, drop bool) error {
			args := map[string]any{}
			for k, x := range base {
				args[k] = x
			}
			if drop {
				delete(args, name)
			} else {
				args[name] = v
			}
			raw, _ := json.Marshal(args)
			_, err := tool.Decode(raw)
			return err
		}
		for _, name := range s.Required {
			if !rules[name].Required {
				t.Errorf("%s: schema requires %s, the decoder does not declare it", tool.Name, name)
			}
			if err := call(name, nil, true); err == nil || !strings.Contains(err.Error(), name+" is required") {
				t.Errorf("%s: missing required %s: %v", tool.Name, name, err)
			}
		}
		for name, p := range s.Properties {
			if len(p.Types) > 0 {
				t.Errorf("%s.%s: type array %v", tool.Name, name, p.Types)
			}
			r := rules[name]
			if r.Required && !contains(s.Required, name) {
				t.Errorf("%s: %s declared required but not in the schema's required", tool.Name, name)
			}
			if p.Type != "" {
				if err := call(name, nil, false); err == nil || !strings.Contains(err.Error(), strconv.Quote(name)) {
					t.Errorf("%s: null %s: %v", tool.Name, name, err)
				}
			}
			if !same(p.Minimum, r.Min) || !same(p.Maximum, r.Max) {
				t.Errorf("%s.%s: schema bounds %v..%v, decoder %v..%v", tool.Name, name, p.Minimum, p.Maximum, r.Min, r.Max)
			}
			for _, bound := range []struct {
				b     *float64
				delta float64
			}{{p.Minimum, -1}, {p.Maximum, +1}} {
				if bound.b == nil {
					continue
				}
				err := call(name, *bound.b+bound.delta, false)
				if err == nil || !strings.Contains(err.Error(), name+" must be "+r.Range) {
					t.Errorf("%s: %s=%v outside the schema's bounds: %v", tool.Name, name, *bound.b+bound.delta, err)
				}
				if bound.b != nil && !strings.Contains(r.Range, strconv.FormatFloat(*bound.b, 'f', -1, 64)) {
					t.Errorf("%s.%s: error text %q does not state the schema's bound %v", tool.Name, name, r.Range, *bound.b)
				}
			}
			if p.Default != nil && r.Default == nil {
				t.Errorf("%s.%s: schema default without a declared one", tool.Name, name)
			}
			for _, e := range p.Enum {
				if err := call(name, e, false); err != nil && strings.Contains(err.Error(), "is not valid; use one of") {
					t.Errorf("%s.%s: schema enum value %v refused: %v", tool.Name, name, e, err)
				}
			}
			if len(p.Enum) > 0 {
				if err := call(name, "no-such-value", false); err == nil {
					t.Errorf("%s.%s: a value outside the enum accepted", tool.Name, name)
				}
			}
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func same(a, b *float64) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

// Common's tag and the constants other code reads agree.
func TestCommonTimeoutRule(t *testing.T) {
	tool, _ := Builtins().Lookup("node_info")
	for _, r := range tool.Rules() {
		if r.Name == "timeout" && (r.Min == nil || *r.Min != 1 || *r.Max != float64(catalog.MaxTimeout) || *r.Default != strconv.Itoa(catalog.DefaultTimeout)) {
			t.Fatalf("timeout rule %+v", r)
		}
	}
}

// The sampler tools' tags state the sampler package's own defaults and
// ceilings, which its Settings still checks for callers outside the tools.
func TestSamplerRulesMatchSamplerLimits(t *testing.T) {
	want := map[string][3]float64{ // min, max, default
		"duration_sec": {1, sampler.MaxDuration.Seconds(), sampler.DefaultDuration.Seconds()},
		"buffer_size":  {1, sampler.MaxBuffer, sampler.DefaultBuffer},
		"linger_sec":   {1, sampler.MaxLinger.Seconds(), sampler.DefaultLinger.Seconds()},
		"interval_ms":  {float64(sampler.MinInterval.Milliseconds()), float64(sampler.MaxDuration.Milliseconds()), float64(sampler.DefaultInterval.Milliseconds())},
	}
	tool, _ := Builtins().Lookup("sample_start")
	for _, r := range tool.Rules() {
		w, ok := want[r.Name]
		if !ok {
			continue
		}
		delete(want, r.Name)
		if r.Min == nil || r.Max == nil || r.Default == nil || *r.Min != w[0] || *r.Max != w[1] || *r.Default != strconv.FormatFloat(w[2], 'f', -1, 64) {
			t.Errorf("%s: rule %+v, sampler limits %v", r.Name, r, w)
		}
	}
	if len(want) > 0 {
		t.Errorf("sample_start lacks %v", want)
	}
}
