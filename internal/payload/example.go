package payload

import (
	"encoding/json"
	"reflect"
)

// Example bounds: a template is a hint for the agent, not a full map of a
// type graph; past these it writes null (which Build reads as "zero").
const (
	exampleDepth   = 6
	exampleBytes   = 16 << 10
	exampleArrayLn = 32
)

// Example returns JSON text that Build accepts for t: zero values, one
// element per slice and map, nested types down to a few levels. It shows
// an agent the shape of a message; null stands for what it leaves out.
func (b Builder) Example(t reflect.Type) []byte {
	e := &example{b: b, open: map[reflect.Type]bool{}}
	e.write(t, 0)
	return e.buf
}

type example struct {
	b    Builder
	buf  []byte
	open map[reflect.Type]bool // types being written: recursion ends in null
}

func (e *example) write(t reflect.Type, depth int) {
	if sp, ok := e.b.Special[t]; ok && sp.Example != "" {
		e.buf = append(e.buf, sp.Example...)
		return
	}
	if depth > exampleDepth || len(e.buf) > exampleBytes || e.open[t] {
		e.buf = append(e.buf, "null"...)
		return
	}
	switch t {
	case timeType:
		e.buf = append(e.buf, `"2006-01-02T15:04:05Z"`...)
		return
	case durationType:
		e.buf = append(e.buf, `"1s"`...)
		return
	}
	e.open[t] = true
	defer delete(e.open, t)
	switch t.Kind() {
	case reflect.Bool:
		e.buf = append(e.buf, "false"...)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64:
		e.buf = append(e.buf, '0')
	case reflect.String:
		e.buf = append(e.buf, `""`...)
	case reflect.Pointer:
		e.write(t.Elem(), depth+1)
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			e.buf = append(e.buf, `""`...) // base64
			return
		}
		e.buf = append(e.buf, '[')
		e.write(t.Elem(), depth+1)
		e.buf = append(e.buf, ']')
	case reflect.Array:
		if t.Len() > exampleArrayLn {
			e.buf = append(e.buf, "null"...)
			return
		}
		e.buf = append(e.buf, '[')
		for i := range t.Len() {
			if i > 0 {
				e.buf = append(e.buf, ',')
			}
			e.write(t.Elem(), depth+1)
		}
		e.buf = append(e.buf, ']')
	case reflect.Map:
		key := `"key"`
		switch t.Key().Kind() {
		case reflect.String:
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
			reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
			key = `"0"`
		default:
			e.buf = append(e.buf, "null"...)
			return
		}
		e.buf = append(e.buf, '{')
		e.buf = append(e.buf, key...)
		e.buf = append(e.buf, ':')
		e.write(t.Elem(), depth+1)
		e.buf = append(e.buf, '}')
	case reflect.Struct:
		e.buf = append(e.buf, '{')
		for i, f := range Fields(t) {
			if i > 0 {
				e.buf = append(e.buf, ',')
			}
			key, _ := json.Marshal(f.Key) // a string always marshals
			e.buf = append(e.buf, key...)
			e.buf = append(e.buf, ':')
			e.write(f.Type, depth+1)
		}
		e.buf = append(e.buf, '}')
	case reflect.Interface:
		if t == errorType {
			e.buf = append(e.buf, `""`...)
			return
		}
		e.buf = append(e.buf, "null"...)
	default:
		e.buf = append(e.buf, "null"...)
	}
}
