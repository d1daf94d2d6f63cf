package main

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// commonArgs are the arguments every ergomcp tool takes; listings put them
// last so that a tool's own arguments come first.
var commonArgs = []string{"node", "timeout"}

// inputSchema decodes a listed tool's input schema, which the go-sdk client
// hands over as generic JSON.
func inputSchema(t *mcp.Tool) (*jsonschema.Schema, error) {
	b, err := json.Marshal(t.InputSchema)
	if err != nil {
		return nil, fmt.Errorf("tool %s: input schema: %w", t.Name, err)
	}
	var s jsonschema.Schema
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("tool %s: input schema: %w", t.Name, err)
	}
	// Every tool takes node and timeout; the server explains them once, in
	// its instructions, rather than in every schema.
	if s.Properties == nil {
		s.Properties = map[string]*jsonschema.Schema{}
	}
	for name, prop := range commonSchema {
		if _, ok := s.Properties[name]; !ok {
			s.Properties[name] = prop
		}
	}
	return &s, nil
}

var (
	minTimeout, maxTimeout = 1.0, 120.0
	commonSchema           = map[string]*jsonschema.Schema{
		"node":    {Type: "string", Description: `run the tool on this cluster node ("*": every node, for the tools that say so)`},
		"timeout": {Type: "integer", Minimum: &minTimeout, Maximum: &maxTimeout, Description: "seconds for the whole call, remote hop included (default 30)"},
	}
)

// argNames lists the schema's properties: the tool's own sorted, then the
// common ones.
func argNames(s *jsonschema.Schema) []string {
	var own, common []string
	for name := range s.Properties {
		if slices.Contains(commonArgs, name) {
			common = append(common, name)
		} else {
			own = append(own, name)
		}
	}
	slices.Sort(own)
	slices.Sort(common)
	return append(own, common...)
}

// schemaType is the JSON type of s, skipping "null" in a type list (Go
// slices and pointers are nullable in derived schemas); "" when the schema
// does not say.
func schemaType(s *jsonschema.Schema) string {
	if s == nil {
		return ""
	}
	if s.Type != "" {
		return s.Type
	}
	for _, t := range s.Types {
		if t != "null" {
			return t
		}
	}
	return ""
}

// parseArgs turns the command-line words into tool arguments typed by the
// tool's input schema. Every error is a usage error: nothing is sent with a
// name the tool does not take or a value its schema rejects, so a typo
// costs no round trip and, for an action tool, does nothing by accident.
func parseArgs(tool string, s *jsonschema.Schema, words []string) (map[string]any, error) {
	args := map[string]any{}
	for _, w := range words {
		key, value, raw := splitArg(w)
		prop, ok := s.Properties[key]
		if !ok {
			return nil, unknownArg(tool, s, key)
		}
		typ := schemaType(prop)
		old, seen := args[key]
		if seen && typ != "array" {
			return nil, usagef("argument %q given twice", key)
		}
		v, err := argValue(key, prop, typ, value, raw)
		if err != nil {
			return nil, err
		}
		if seen {
			v = append(old.([]any), v.([]any)...) // repeated key extends an array
		}
		args[key] = v
	}
	return args, nil
}

// splitArg splits key=value, key:=json and a bare key (value nil).
func splitArg(w string) (key string, value *string, raw bool) {
	i := strings.IndexByte(w, '=')
	if i < 0 {
		return w, nil, false
	}
	if i > 0 && w[i-1] == ':' {
		v := w[i+1:]
		return w[:i-1], &v, true
	}
	v := w[i+1:]
	return w[:i], &v, false
}

func unknownArg(tool string, s *jsonschema.Schema, key string) error {
	names := argNames(s)
	if len(names) == 0 {
		return usagef("unknown argument %q: %s takes no arguments", key, tool)
	}
	return usagef("unknown argument %q for %s; it takes: %s", key, tool, strings.Join(names, ", "))
}

// argValue converts one value to the JSON type its schema wants.
func argValue(key string, prop *jsonschema.Schema, typ string, value *string, raw bool) (any, error) {
	if value == nil {
		// A bare name is only a boolean switch: "recursive" reads well,
		// "limit" alone means nothing.
		if typ != "boolean" {
			return nil, usagef("argument %q needs a value: %s=...", key, key)
		}
		return true, nil
	}
	if raw {
		v, err := decodeJSON(*value)
		if err != nil {
			return nil, usagef("argument %q: %s:= needs JSON: %v", key, key, err)
		}
		if typ == "array" {
			if _, ok := v.([]any); !ok {
				v = []any{v}
			}
		}
		return v, nil
	}
	if typ == "array" {
		var items []any
		if *value != "" {
			for part := range strings.SplitSeq(*value, ",") {
				item, err := scalarValue(key, prop.Items, schemaType(prop.Items), strings.TrimSpace(part))
				if err != nil {
					return nil, err
				}
				items = append(items, item)
			}
		}
		return items, nil
	}
	return scalarValue(key, prop, typ, *value)
}

func scalarValue(key string, prop *jsonschema.Schema, typ, value string) (any, error) {
	var v any
	switch typ {
	case "integer":
		n, err := strconv.ParseInt(value, 10, 64)
		if err != nil {
			return nil, usagef("argument %q must be an integer, got %q", key, value)
		}
		v = n
	case "number":
		f, err := strconv.ParseFloat(value, 64)
		if err != nil {
			return nil, usagef("argument %q must be a number, got %q", key, value)
		}
		v = f
	case "boolean":
		b, err := strconv.ParseBool(value)
		if err != nil {
			return nil, usagef("argument %q must be true or false, got %q", key, value)
		}
		v = b
	case "object", "array":
		j, err := decodeJSON(value)
		if err != nil {
			return nil, usagef("argument %q must be JSON (%s), got %q: %v", key, typ, value, err)
		}
		v = j
	case "string":
		v = value
	default:
		// The schema does not say: JSON if it parses (numbers, true),
		// otherwise the text.
		if j, err := decodeJSON(value); err == nil {
			v = j
		} else {
			v = value
		}
	}
	if prop != nil && len(prop.Enum) > 0 && !inEnum(prop.Enum, v) {
		return nil, usagef("argument %q must be one of %s, got %q", key, enumText(prop.Enum), value)
	}
	return v, nil
}

// decodeJSON decodes one JSON value, keeping numbers exact.
func decodeJSON(s string) (any, error) {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("trailing data after the JSON value")
	}
	return v, nil
}

// inEnum compares as text, so that 5 from the command line (int64) matches
// 5 from the schema (float64); the type was checked before.
func inEnum(enum []any, v any) bool {
	return slices.ContainsFunc(enum, func(e any) bool { return fmt.Sprint(e) == fmt.Sprint(v) })
}

func enumText(enum []any) string {
	parts := make([]string, len(enum))
	for i, e := range enum {
		parts[i] = fmt.Sprint(e)
	}
	return strings.Join(parts, ", ")
}
