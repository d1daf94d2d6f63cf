// Package capability finds out, by name and at run time, what the running
// Ergo offers. ergomcp is compiled against ergo 3.1 but runs on 3.1, 3.2
// and 3.3, whose types gained fields and methods; those are looked up once
// here so that the rest of the code asks a question ("does the node measure
// mailbox latency?") instead of naming a type that may not exist.
//
// The package imports nothing from ergo: it works on reflect.Type values, so
// its rules are tested with look-alike types shaped like each ergo version.
package capability

import (
	"reflect"
	"unsafe"
)

// IntField reads one integer field of a struct at a fixed offset. Probing
// checks the field's kind once, so reading it is a plain memory load: this
// is on the hot path of listing 100k processes.
type IntField struct {
	offset uintptr
	kind   reflect.Kind
	ok     bool
}

// Field looks up an integer field by name in struct type t (or *t). The
// result reports !OK when the field is absent or not an integer.
func Field(t reflect.Type, name string) IntField {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct {
		return IntField{}
	}
	f, ok := t.FieldByName(name)
	if !ok || len(f.Index) != 1 || !f.IsExported() {
		return IntField{}
	}
	switch f.Type.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return IntField{offset: f.Offset, kind: f.Type.Kind(), ok: true}
	}
	return IntField{}
}

// OK reports whether the field exists with an integer type.
func (f IntField) OK() bool { return f.ok }

// Int64 reads the field from the struct that p points to; p must point to a
// value of the type the field was probed on. Absent fields read as 0.
func (f IntField) Int64(p unsafe.Pointer) int64 {
	if !f.ok {
		return 0
	}
	at := unsafe.Add(p, f.offset)
	switch f.kind {
	case reflect.Int:
		return int64(*(*int)(at))
	case reflect.Int8:
		return int64(*(*int8)(at))
	case reflect.Int16:
		return int64(*(*int16)(at))
	case reflect.Int32:
		return int64(*(*int32)(at))
	case reflect.Int64:
		return *(*int64)(at)
	case reflect.Uint:
		return int64(*(*uint)(at))
	case reflect.Uint8:
		return int64(*(*uint8)(at))
	case reflect.Uint16:
		return int64(*(*uint16)(at))
	case reflect.Uint32:
		return int64(*(*uint32)(at))
	case reflect.Uint64:
		return int64(*(*uint64)(at))
	}
	return 0
}

// Uint64 is Int64 for counters.
func (f IntField) Uint64(p unsafe.Pointer) uint64 { return uint64(f.Int64(p)) }

// HasMethod reports whether the dynamic type of v has an exported method
// with that name.
func HasMethod(v any, name string) bool {
	if v == nil {
		return false
	}
	_, ok := reflect.TypeOf(v).MethodByName(name)
	return ok
}
