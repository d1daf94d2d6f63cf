package record

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// Chains of one kind of container, k deep, around an int: the int is never
// depth-checked, so the container's own check decides where the limit falls.
var chains = []struct {
	kind  string
	build func(k int) any
}{
	{"pointer", func(k int) any {
		return chain(k, func(v reflect.Value) reflect.Value { p := reflect.New(v.Type()); p.Elem().Set(v); return p })
	}},
	{"slice", func(k int) any {
		return chain(k, func(v reflect.Value) reflect.Value {
			s := reflect.MakeSlice(reflect.SliceOf(v.Type()), 1, 1)
			s.Index(0).Set(v)
			return s
		})
	}},
	{"array", func(k int) any {
		return chain(k, func(v reflect.Value) reflect.Value {
			a := reflect.New(reflect.ArrayOf(1, v.Type())).Elem()
			a.Index(0).Set(v)
			return a
		})
	}},
	{"map", func(k int) any {
		return chain(k, func(v reflect.Value) reflect.Value {
			m := reflect.MakeMap(reflect.MapOf(reflect.TypeFor[string](), v.Type()))
			m.SetMapIndex(reflect.ValueOf("k"), v)
			return m
		})
	}},
	{"struct", func(k int) any {
		return chain(k, func(v reflect.Value) reflect.Value {
			s := reflect.New(reflect.StructOf([]reflect.StructField{{Name: "F", Type: v.Type()}})).Elem()
			s.Field(0).Set(v)
			return s
		})
	}},
	// Interfaces alternate with slices: behind a pointer the interfaces
	// fall on even depths, so the deepest one meets the limit first.
	{"interface", func(k int) any {
		var v any = 1
		for range k - 1 {
			v = []any{v}
		}
		s := []any{v}
		return &s
	}},
}

func chain(k int, wrap func(reflect.Value) reflect.Value) any {
	v := reflect.ValueOf(1)
	for range k {
		v = wrap(v)
	}
	return v.Interface()
}

// TestDepthLimit: a value nested maxDepth (64) containers deep is written,
// one more is refused, for every kind of container, both as a value and as
// an extra field (which sits one level inside its record).
func TestDepthLimit(t *testing.T) {
	for _, c := range chains {
		deepest, deepestField := maxDepth, maxDepth-1
		if c.kind == "interface" {
			// Two levels per k (slice and interface) after the pointer: the
			// 32nd interface sits at depth 64; as a field, one level down,
			// the 32nd slice does.
			deepest, deepestField = maxDepth/2-1, maxDepth/2-1
		}
		for _, k := range []int{deepest - 1, deepest, deepest + 1, deepestField - 1, deepestField, deepestField + 1} {
			v := c.build(k)
			b, err := AppendValue([]byte("x"), v)
			if fits := k <= deepest; fits != (err == nil) {
				t.Errorf("%s %d deep: %v; want written: %v", c.kind, k, err, fits)
			} else if err == nil && !json.Valid(b[1:]) {
				t.Errorf("%s %d deep: invalid JSON %s", c.kind, k, b)
			} else if err != nil && (!strings.Contains(err.Error(), "nested deeper than 64") || string(b) != "x") {
				t.Errorf("%s %d deep: error %v, dst %q; want the depth error and dst unchanged", c.kind, k, err, b)
			}
			b, err = Append([]byte("x"), nil, nil, Field{"v", v})
			if fits := k <= deepestField; fits != (err == nil) {
				t.Errorf("%s %d deep as an extra field: %v; want written: %v", c.kind, k, err, fits)
			} else if err != nil && string(b) != "x" {
				t.Errorf("%s %d deep as an extra field: dst %q, want unchanged", c.kind, k, b)
			}
		}
	}
}
