package catalog

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/google/jsonschema-go/jsonschema"
)

// An argument's rules are declared once, in its struct field's `arg` tag,
// and the same declaration feeds the JSON schema (required, minimum,
// maximum, default, enum), the decoder's checks and its error texts:
//
//	Limit int `json:"limit,omitempty" arg:"min=1,max=10000,default=20" jsonschema:"most rows to return"`
//	Name string `json:"name,omitempty" arg:"required" jsonschema:"the application's exact name"`
//	Sample string `json:"sample,omitempty" arg:"enum=inuse_space|alloc_space,default=inuse_space"`
//
// required: the argument must be present (a string also not blank).
// min/max: a present number must lie within them (inclusive).
// default: the value an absent argument takes.
// enum: a present string must be one of these values (Tool.Enums adds
// values computed at init, for arguments shared between tools).
// rule=NAME: the rules declared under NAME with DeclareRule, for bounds
// that several tools share (a list's limit).
type argSpec struct {
	name     string // JSON name
	index    []int  // field path for reflect.Value.FieldByIndex
	kind     reflect.Kind
	nullable bool // interface fields take any JSON, null included
	required bool
	min, max *float64
	def      *string // default as written in the tag
	enum     []string
	desc     string
}

// parseArgs walks typ (embedded structs included, as encoding/json does)
// and returns the specs of its JSON arguments.
func parseArgs(tool string, typ reflect.Type) ([]*argSpec, error) {
	var specs []*argSpec
	var bad error
	var walk func(t reflect.Type, index []int)
	walk = func(t reflect.Type, index []int) {
		for i := range t.NumField() {
			f := t.Field(i)
			path := append(slices.Clone(index), i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
				walk(f.Type, path)
				continue
			}
			if !f.IsExported() || name == "-" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			s := &argSpec{name: name, index: path, kind: f.Type.Kind(), nullable: f.Type.Kind() == reflect.Interface, desc: f.Tag.Get("jsonschema")}
			if tag, ok := f.Tag.Lookup("arg"); ok {
				if err := s.parseTag(tag); err != nil && bad == nil {
					bad = fmt.Errorf("catalog: %s: argument %s: %w", tool, name, err)
				}
			}
			specs = append(specs, s)
		}
	}
	walk(typ, nil)
	if bad != nil {
		return nil, bad
	}
	// A field of an outer struct shadows an embedded one of the same JSON
	// name, as in encoding/json (process_top's own sort_by).
	byName := map[string]*argSpec{}
	var kept []*argSpec
	for _, s := range specs {
		if prev, ok := byName[s.name]; ok {
			if len(s.index) < len(prev.index) {
				*prev = *s
			}
			continue
		}
		byName[s.name] = s
		kept = append(kept, s)
	}
	return kept, nil
}

func (s *argSpec) parseTag(tag string) error {
	for part := range strings.SplitSeq(tag, ",") {
		key, val, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch key {
		case "":
		case "required":
			s.required = true
		case "min", "max":
			f, err := strconv.ParseFloat(val, 64)
			if err != nil {
				return fmt.Errorf("%s=%q is not a number", key, val)
			}
			if key == "min" {
				s.min = &f
			} else {
				s.max = &f
			}
		case "default":
			s.def = &val
		case "enum":
			s.enum = strings.Split(val, "|")
		case "rule":
			shared, err := namedRule(val)
			if err != nil {
				return err
			}
			if err := s.parseTag(shared); err != nil {
				return fmt.Errorf("rule %s: %w", val, err)
			}
		default:
			return fmt.Errorf("unknown arg tag %q", key)
		}
	}
	if s.def != nil {
		if _, err := s.defaultJSON(); err != nil {
			return err
		}
	}
	return nil
}

// defaultJSON is the default as a JSON value for the field's kind.
func (s *argSpec) defaultJSON() (any, error) {
	v := *s.def
	switch s.kind {
	case reflect.String:
		return v, nil
	case reflect.Bool:
		return strconv.ParseBool(v)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.ParseInt(v, 10, 64)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return strconv.ParseUint(v, 10, 64)
	case reflect.Float32, reflect.Float64:
		return strconv.ParseFloat(v, 64)
	}
	return nil, fmt.Errorf("default for a %s argument", s.kind)
}

// Range is how the rules read in text: "between 1 and 10000 (default
// 20)", "at least 100 (default 1000)". Error texts use it, so they say what the schema says.
func (s *argSpec) Range() string {
	var b strings.Builder
	switch {
	case s.min != nil && s.max != nil:
		fmt.Fprintf(&b, "between %s and %s", num(*s.min), num(*s.max))
	case s.min != nil:
		fmt.Fprintf(&b, "at least %s", num(*s.min))
	case s.max != nil:
		fmt.Fprintf(&b, "at most %s", num(*s.max))
	}
	if s.def != nil {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "(default %s)", *s.def)
	}
	return b.String()
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// apply writes the spec into the property's schema.
func (s *argSpec) apply(prop *jsonschema.Schema) {
	// ["null", T] type arrays: single-type schema dialects reject them, and
	// the decoder refuses null anyway.
	if len(prop.Types) == 2 && prop.Types[0] == "null" {
		prop.Type, prop.Types = prop.Types[1], nil
	}
	prop.Minimum, prop.Maximum = s.min, s.max
	if s.def != nil {
		d, _ := s.defaultJSON()
		b, _ := json.Marshal(d)
		prop.Default = b
	}
	if len(s.enum) > 0 {
		prop.Enum = make([]any, len(s.enum))
		for i, e := range s.enum {
			prop.Enum[i] = e
		}
	}
	prop.Description = strings.TrimPrefix(prop.Description, "required: ")
}

// check enforces the spec on the decoded struct v; raw is the argument's
// JSON when present (nil when absent).
func (s *argSpec) check(v reflect.Value, raw json.RawMessage) error {
	f := v.FieldByIndex(s.index)
	if raw == nil {
		switch {
		case s.required:
			return s.missing()
		case s.def != nil:
			d, _ := s.defaultJSON()
			setValue(f, d)
		}
		return nil
	}
	if string(raw) == "null" && !s.nullable {
		return Errorf("argument %q must not be null: omit it to take its default", s.name)
	}
	switch {
	case f.Kind() == reflect.String:
		str := f.String()
		if s.required && strings.TrimSpace(str) == "" {
			return s.missing()
		}
		// Case is forgiven ("Warning"): the tools normalise it.
		if len(s.enum) > 0 && !slices.ContainsFunc(s.enum, func(e string) bool { return strings.EqualFold(e, str) }) {
			return Errorf("%s %q is not valid; use one of: %s", s.name, str, strings.Join(s.enum, ", "))
		}
	case s.min != nil || s.max != nil:
		x, ok := number(f)
		if ok && ((s.min != nil && x < *s.min) || (s.max != nil && x > *s.max)) {
			return rangeError(s.name, s.Range(), x)
		}
	}
	return nil
}

// missing is the error for an absent required argument: its name and what
// the schema says of it.
func (s *argSpec) missing() error {
	if s.desc == "" {
		return Errorf("%s is required", s.name)
	}
	return Errorf("%s is required: %s", s.name, s.desc)
}

func number(f reflect.Value) (float64, bool) {
	switch f.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return float64(f.Int()), true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return float64(f.Uint()), true
	case reflect.Float32, reflect.Float64:
		return f.Float(), !math.IsNaN(f.Float())
	}
	return 0, false
}

func setValue(f reflect.Value, d any) {
	switch x := d.(type) {
	case string:
		f.SetString(x)
	case bool:
		f.SetBool(x)
	case int64:
		f.SetInt(x)
	case uint64:
		f.SetUint(x)
	case float64:
		f.SetFloat(x)
	}
}

// ArgRule describes one argument's declared rules, for docs and tests.
type ArgRule struct {
	Name     string
	Required bool
	Min, Max *float64
	Default  *string
	Enum     []string
	// Range is the rule as error texts state it ("1..10000 (default 20)").
	Range string
}

// Rules lists the tool's arguments with their declared rules, sorted by
// name.
func (t *Tool) Rules() []ArgRule {
	out := make([]ArgRule, 0, len(t.specs))
	for _, s := range t.specs {
		out = append(out, s.rule())
	}
	slices.SortFunc(out, func(a, b ArgRule) int { return strings.Compare(a.Name, b.Name) })
	return out
}

func (s *argSpec) rule() ArgRule {
	return ArgRule{Name: s.name, Required: s.required, Min: s.min, Max: s.max, Default: s.def, Enum: s.enum, Range: s.Range()}
}

// Class is how the tool reference names what a tool is: its kind, and
// whether it runs long (off the worker pool) or accepts node="*".
func (t *Tool) Class() string {
	c := t.Kind.String()
	switch t.Kind {
	case Mutating, Action:
		c += " (needs Options.EnableActions)"
	}
	if t.Long {
		c += ", long (runs off the worker pool)"
	}
	if t.FanOut {
		c += `, node="*"`
	}
	return c
}

// ToolsDoc renders tools as a Markdown reference: an index, then per tool
// its class, description and a table of its arguments, from the same
// declarations tools/list and the decoder use. TOOLS.md is generated from
// it (a test keeps the file in step).
func ToolsDoc(tools []*Tool, regenerate string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Tool reference\n\n<!-- generated by %s; do not edit -->\n\n"+
		"Generated from the tool registry: descriptions, classes and the `arg` tags (the rules the schemas state and the decoder enforces). "+
		CommonHelp+" Mutating and action tools are refused unless the operator sets Options.EnableActions; "+
		"Options.AllowTools and Options.DenyTools apply to every tool.\n\n| tool | class |\n|---|---|\n", regenerate)
	for _, t := range tools {
		fmt.Fprintf(&b, "| [`%s`](#%s) | %s |\n", t.Name, t.Name, t.Class())
	}
	for _, t := range tools {
		fmt.Fprintf(&b, "\n## %s\n\n", t.Name)
		if t.Title != "" {
			fmt.Fprintf(&b, "**%s** · ", t.Title)
		}
		fmt.Fprintf(&b, "%s.\n\n%s\n\n", t.Class(), strings.TrimSpace(t.Description))
		rules := t.Rules()
		n := 0
		for _, r := range rules {
			if r.Name == "node" || r.Name == "timeout" {
				continue
			}
			if n == 0 {
				b.WriteString("| argument | type | rule | description |\n|---|---|---|---|\n")
			}
			n++
			prop := t.schema.Properties[r.Name]
			typ, desc := "any", ""
			if prop != nil {
				if prop.Type != "" {
					typ = prop.Type
				}
				desc = prop.Description
			}
			var rule []string
			if r.Required {
				rule = append(rule, "required")
			}
			if r.Range != "" {
				rule = append(rule, r.Range)
			}
			if len(r.Enum) > 0 {
				rule = append(rule, "one of "+strings.Join(r.Enum, ", "))
			}
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", r.Name, typ, strings.Join(rule, "; "), strings.ReplaceAll(desc, "|", "\\|"))
		}
		if n == 0 {
			b.WriteString("No arguments of its own.\n")
		}
	}
	return b.String()
}
