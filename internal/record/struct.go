package record

import (
	"reflect"
	"slices"
	"sync"
)

// structEncoder holds a struct type's field plan. Field encoders are
// resolved on first use rather than when the plan is created: a struct that
// refers to itself through a pointer would otherwise need its own plan while
// building it.
type structEncoder struct {
	names  []string // field names in output order; set at creation
	fields []field  // set by once

	once sync.Once
}

type field struct {
	name  string
	key   []byte // "Name": already escaped
	index []int  // path through embedded structs
	typ   reflect.Type
	enc   encoderFunc
}

var structs sync.Map // reflect.Type -> *structEncoder

func structFor(t reflect.Type) *structEncoder {
	if s, ok := structs.Load(t); ok {
		return s.(*structEncoder)
	}
	s := &structEncoder{}
	s.fields = visibleFields(t)
	for _, f := range s.fields {
		s.names = append(s.names, f.name)
	}
	actual, _ := structs.LoadOrStore(t, s)
	return actual.(*structEncoder)
}

func (s *structEncoder) resolve() {
	for i := range s.fields {
		f := &s.fields[i]
		f.key = append(appendString(nil, f.name), ':')
		f.enc = encoderFor(f.typ)
	}
}

// appendFields writes the fields (without braces) and reports how many.
func (s *structEncoder) appendFields(dst []byte, v reflect.Value, depth int, omit []string) ([]byte, int, error) {
	s.once.Do(s.resolve)
	n := 0
	var err error
	for i := range s.fields {
		f := &s.fields[i]
		if len(omit) > 0 && slices.Contains(omit, f.name) {
			continue
		}
		if n > 0 {
			dst = append(dst, ',')
		}
		n++
		dst = append(dst, f.key...)
		fv := v
		for _, x := range f.index {
			fv = fv.Field(x)
		}
		if dst, err = f.enc(dst, fv, depth); err != nil {
			return dst, n, err
		}
	}
	return dst, n, nil
}

// visibleFields lists the fields Append writes, by Go's promotion rules:
// embedded plain structs are flattened, the shallowest name wins and names
// ambiguous at one depth are dropped. Embedded structs with String or Error
// are kept whole (named by their type), as their text is what they mean.
func visibleFields(t reflect.Type) []field {
	type candidate struct {
		field
		depth int
	}
	var all []candidate
	var walk func(t reflect.Type, index []int, depth int)
	walk = func(t reflect.Type, index []int, depth int) {
		for i := range t.NumField() {
			sf := t.Field(i)
			path := append(slices.Clone(index), i)
			if sf.Anonymous && sf.Type.Kind() == reflect.Struct && !hasOwnText(sf.Type) {
				walk(sf.Type, path, depth+1)
				continue
			}
			if !sf.IsExported() {
				continue
			}
			switch sf.Type.Kind() {
			case reflect.Chan, reflect.Func, reflect.UnsafePointer:
				continue
			}
			all = append(all, candidate{field{name: sf.Name, index: path, typ: sf.Type}, depth})
		}
	}
	walk(t, nil, 0)

	best := make(map[string]int)  // name -> shallowest depth
	count := make(map[string]int) // name -> fields at that depth
	for _, c := range all {
		d, seen := best[c.name]
		switch {
		case !seen || c.depth < d:
			best[c.name], count[c.name] = c.depth, 1
		case c.depth == d:
			count[c.name]++
		}
	}
	var out []field
	for _, c := range all {
		if best[c.name] == c.depth && count[c.name] == 1 {
			out = append(out, c.field)
		}
	}
	return out
}
