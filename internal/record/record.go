package record

import (
	"fmt"
	"reflect"
	"slices"
)

// Field is a named value written after a record's own fields: derived
// metrics, node names and the like. Value is encoded by the package rules.
type Field struct {
	Name  string
	Value any
}

// maxDepth bounds nesting so that a cyclic pointer graph yields an error
// instead of exhausting the stack of the node being diagnosed.
const maxDepth = 64

// Append writes v, a struct or a pointer to one, as a JSON object to dst:
// v's own fields in struct order except those named in omit (top level
// only), then extra in the given order. A nil v (or nil pointer) gives an
// object of the extra fields alone. On error dst is returned unchanged.
//
// Append encodes v's fields even when v's type has a String method, unlike
// nested values: the caller asked for this record's fields.
func Append(dst []byte, v any, omit []string, extra ...Field) ([]byte, error) {
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			rv = reflect.Value{}
			break
		}
		rv = rv.Elem()
	}
	if !rv.IsValid() {
		return appendObject(dst, nil, reflect.Value{}, 0, nil, extra)
	}
	if rv.Kind() != reflect.Struct {
		return dst, fmt.Errorf("record: Append needs a struct, got %s", rv.Type())
	}
	return appendObject(dst, structFor(rv.Type()), rv, 0, omit, extra)
}

// AppendValue writes any value to dst as JSON by the package rules. Unlike
// Append, a struct with a String method is written as its String().
func AppendValue(dst []byte, v any) ([]byte, error) {
	if v == nil {
		return append(dst, "null"...), nil
	}
	rv := reflect.ValueOf(v)
	out, err := encoderFor(rv.Type())(dst, rv, 0)
	if err != nil {
		return dst, err
	}
	return out, nil
}

// Names lists the field names Append writes for v's struct type (v may be
// a pointer to the struct), in order; nil when v is not a struct. Callers use
// it to learn which fields the running Ergo has. The list is cached per type;
// the returned slice is the caller's own.
func Names(v any) []string {
	t := reflect.TypeOf(v)
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct {
		return nil
	}
	return slices.Clone(structFor(t).names)
}

func appendObject(dst []byte, s *structEncoder, v reflect.Value, depth int, omit []string, extra []Field) ([]byte, error) {
	start := len(dst)
	dst = append(dst, '{')
	n := 0
	if s != nil {
		var err error
		if dst, n, err = s.appendFields(dst, v, depth, omit); err != nil {
			return dst[:start], err
		}
	}
	for _, f := range extra {
		if n > 0 {
			dst = append(dst, ',')
		}
		n++
		dst = appendString(dst, f.Name)
		dst = append(dst, ':')
		var err error
		if f.Value == nil {
			dst = append(dst, "null"...)
		} else if dst, err = encodeAny(dst, reflect.ValueOf(f.Value), depth+1); err != nil {
			return dst[:start], fmt.Errorf("record: field %s: %w", f.Name, err)
		}
	}
	return append(dst, '}'), nil
}
