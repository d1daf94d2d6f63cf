package rank

import (
	"fmt"
	"math"
	"reflect"
	"strings"
	"unsafe"

	"github.com/ergomcp/ergomcp/internal/catalog"
)

// Key is one sort_by value of a list of rows of type R: how to read a
// row's rank as a uint64 whose natural order is the list's order (larger
// first), and what the key needs of the source (N: a list's own
// capability type; struct{} when every source has every key).
//
// A key reads either a 64-bit integer field of R (found by name when the
// table is built, read at its offset and XORed with a mask that maps the
// field's order onto uint64 order) or a function of the row (derived
// keys). Reading by offset keeps FieldRead.Of small enough to inline into
// a scan's loop: a call per row costs more than the read.
type Key[R, N any] struct {
	Name  string
	Needs N
	field FieldRead[R]
	fn    func(*R) uint64 // nil: a field key
}

// FieldRead reads a field key: R's 64-bit integer field at off, XORed with
// mask.
type FieldRead[R any] struct {
	off  uintptr
	mask uint64
}

// Of returns r's key.
func (f FieldRead[R]) Of(r *R) uint64 {
	return *(*uint64)(unsafe.Add(unsafe.Pointer(r), f.off)) ^ f.mask
}

const signBit = 1 << 63

// Field is the key of R's field named field, larger first. The field must
// be an int64 or a uint64 (Field panics otherwise, when the table is
// built at init): its order maps onto uint64 order by an XOR.
func Field[R, N any](name, field string, needs N) Key[R, N] {
	off, signed := field64[R](field)
	k := Key[R, N]{Name: name, Needs: needs, field: FieldRead[R]{off: off}}
	if signed {
		k.field.mask = signBit
	}
	return k
}

// FieldAscending is the key of R's int64 or uint64 field named field,
// smaller first (a PID).
func FieldAscending[R, N any](name, field string, needs N) Key[R, N] {
	k := Field[R, N](name, field, needs)
	k.field.mask = ^k.field.mask
	return k
}

// field64 finds R's 64-bit integer field named field: its offset, and
// whether it is signed.
func field64[R any](field string) (uintptr, bool) {
	t := reflect.TypeFor[R]()
	f, ok := t.FieldByName(field)
	switch {
	case !ok || len(f.Index) != 1:
		panic(fmt.Sprintf("rank: %s has no field %s", t, field))
	case f.Type.Kind() == reflect.Int64:
		return f.Offset, true
	case f.Type.Kind() == reflect.Uint64:
		return f.Offset, false
	}
	panic(fmt.Sprintf("rank: %s.%s is a %s, not a 64-bit integer", t, field, f.Type))
}

// Derived is a key computed from the row by fn, larger first (see Float
// and Signed for fn's result). A row passed to Of escapes through fn, so
// a scan keeps its row in one variable rather than one per row.
func Derived[R, N any](name string, needs N, fn func(*R) uint64) Key[R, N] {
	return Key[R, N]{Name: name, Needs: needs, fn: fn}
}

// Tie is a key that ranks every row alike, so the tie-breaker alone
// orders the list (a name order).
func Tie[R, N any](name string, needs N) Key[R, N] {
	return Derived[R, N](name, needs, func(*R) uint64 { return 0 })
}

// Of returns r's key.
func (k *Key[R, N]) Of(r *R) uint64 {
	if k.fn != nil {
		return k.fn(r)
	}
	return k.field.Of(r)
}

// Field returns the read of a field key, ok false for a derived one: a
// scan over every row keeps it and calls its Of, which inlines, where
// Key.Of (which may call fn) costs a call per row.
func (k *Key[R, N]) Field() (f FieldRead[R], ok bool) { return k.field, k.fn == nil }

// Float maps f to a key: larger floats rank first, +Inf above every
// finite value; a missing value (ok false) ranks below every float, so
// rows without the metric come last.
func Float(f float64, ok bool) uint64 {
	if !ok {
		return 0
	}
	b := math.Float64bits(f)
	if b>>63 != 0 {
		return ^b // negative: reverse the magnitude order
	}
	return b | signBit
}

// Signed maps v to a key, larger first, negative values below zero.
func Signed(v int64) uint64 { return uint64(v) ^ signBit }

// Keys is a list's sort_by table, in the order the schema lists its values.
type Keys[R, N any] []Key[R, N]

// Names lists the valid sort_by values, for the schema's enum.
func (ks Keys[R, N]) Names() []any {
	out := make([]any, len(ks))
	for i := range ks {
		out[i] = ks[i].Name
	}
	return out
}

// Lookup returns the key named name (compared exactly: a list that
// forgives case normalises first), or an error naming the valid ones.
func (ks Keys[R, N]) Lookup(name string) (*Key[R, N], error) {
	for i := range ks {
		if ks[i].Name == name {
			return &ks[i], nil
		}
	}
	valid := make([]string, len(ks))
	for i := range ks {
		valid[i] = ks[i].Name
	}
	return nil, catalog.Errorf("sort_by %q is not valid; use one of: %s", name, strings.Join(valid, ", "))
}
