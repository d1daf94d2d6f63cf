package payload

import (
	"reflect"
	"strings"
)

// Field is one settable field of a struct type, as message_type_info
// lists it and Build fills it.
type Field struct {
	// Key is the JSON key that sets it.
	Key string
	// Name is the Go field name; promoted fields are written Embedded.Name.
	Name string
	// Type is the field's Go type.
	Type reflect.Type
	// Tag is the whole struct tag.
	Tag reflect.StructTag
	// Index leads from the struct to the field (reflect.Value.FieldByIndex).
	Index []int

	depth  int
	tagged bool
}

// structFields are a struct type's settable fields with their key index.
type structFields struct {
	list  []Field
	exact map[string]int
	fold  map[string][]int // lower-cased key -> fields
}

// Fields lists the fields of struct type t that Build can set, in
// declaration order; nil for other kinds.
func Fields(t reflect.Type) []Field {
	if t.Kind() != reflect.Struct {
		return nil
	}
	return newStructFields(t).list
}

func (s *state) fieldsOf(t reflect.Type) *structFields {
	f, ok := s.fields[t]
	if !ok {
		f = newStructFields(t)
		s.fields[t] = f
	}
	return f
}

func newStructFields(t reflect.Type) *structFields {
	var all []Field
	collectFields(t, nil, "", 0, &all, map[reflect.Type]bool{t: true})
	sf := &structFields{exact: map[string]int{}, fold: map[string][]int{}}
	for _, f := range dominant(all) {
		sf.exact[f.Key] = len(sf.list)
		low := strings.ToLower(f.Key)
		sf.fold[low] = append(sf.fold[low], len(sf.list))
		sf.list = append(sf.list, f)
	}
	return sf
}

// collectFields walks t's fields as encoding/json does: a json tag names
// the key, "-" hides the field, and an embedded struct without a tag has
// its fields promoted. seen stops embedding cycles through pointers.
func collectFields(t reflect.Type, index []int, prefix string, depth int, out *[]Field, seen map[reflect.Type]bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		idx := append(append([]int(nil), index...), i)
		if f.Anonymous && name == "" {
			et := f.Type
			if et.Kind() == reflect.Pointer {
				et = et.Elem()
			}
			if et.Kind() == reflect.Struct {
				// An unexported embedded pointer cannot be allocated from
				// outside its package, so its fields are out of reach.
				if seen[et] || !f.IsExported() && f.Type.Kind() == reflect.Pointer {
					continue
				}
				seen[et] = true
				collectFields(et, idx, prefix+f.Name+".", depth+1, out, seen)
				delete(seen, et)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		key := name
		if key == "" {
			key = f.Name
		}
		*out = append(*out, Field{Key: key, Name: prefix + f.Name, Type: f.Type, Tag: f.Tag, Index: idx, depth: depth, tagged: name != ""})
	}
}

// dominant resolves fields that share a key by encoding/json's rules: the
// shallowest wins; at equal depth a single tagged one wins; otherwise the
// key is ambiguous and none is settable. Declaration order is kept.
func dominant(all []Field) []Field {
	byKey := map[string][]int{}
	for i, f := range all {
		byKey[f.Key] = append(byKey[f.Key], i)
	}
	keep := make([]bool, len(all))
	for _, idx := range byKey {
		best := -1
		ambiguous := false
		for _, i := range idx {
			switch {
			case best < 0 || all[i].depth < all[best].depth:
				best, ambiguous = i, false
			case all[i].depth == all[best].depth:
				switch {
				case all[i].tagged && !all[best].tagged:
					best, ambiguous = i, false
				case all[i].tagged == all[best].tagged:
					ambiguous = true
				}
			}
		}
		if !ambiguous {
			keep[best] = true
		}
	}
	var out []Field
	for i, f := range all {
		if keep[i] {
			out = append(out, f)
		}
	}
	return out
}

// lookup finds the field a key sets: the exact key, else the only field
// whose key matches case-insensitively.
func (sf *structFields) lookup(key string) (int, bool) {
	if i, ok := sf.exact[key]; ok {
		return i, true
	}
	if idx := sf.fold[strings.ToLower(key)]; len(idx) == 1 {
		return idx[0], true
	}
	return 0, false
}

// keyList names the keys for an error message, bounded.
func (sf *structFields) keyList() string {
	const most = 25
	if len(sf.list) == 0 {
		return "(none settable)"
	}
	keys := make([]string, 0, min(len(sf.list), most))
	for i, f := range sf.list {
		if i == most {
			keys = append(keys, "…")
			break
		}
		keys = append(keys, f.Key)
	}
	return strings.Join(keys, ", ")
}
