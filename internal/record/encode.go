package record

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// encoderFunc appends v as JSON. depth counts the containers entered so far.
type encoderFunc func(dst []byte, v reflect.Value, depth int) ([]byte, error)

var (
	errorType     = reflect.TypeFor[error]()
	stringerType  = reflect.TypeFor[fmt.Stringer]()
	marshalerType = reflect.TypeFor[json.Marshaler]()
	timeType      = reflect.TypeFor[time.Time]()
)

var encoders sync.Map // reflect.Type -> encoderFunc

// encoderFor returns the cached encoder of t, building it once. Recursive
// types (type L []L) would make building recurse forever, so, as in
// encoding/json, a placeholder that waits for the real encoder is published
// before building and handed to any recursive reference.
func encoderFor(t reflect.Type) encoderFunc {
	if f, ok := encoders.Load(t); ok {
		return f.(encoderFunc)
	}
	var (
		wg sync.WaitGroup
		f  encoderFunc
	)
	wg.Add(1)
	placeholder := encoderFunc(func(dst []byte, v reflect.Value, depth int) ([]byte, error) {
		wg.Wait()
		return f(dst, v, depth)
	})
	if fi, loaded := encoders.LoadOrStore(t, placeholder); loaded {
		return fi.(encoderFunc)
	}
	f = newTypeEncoder(t, true)
	wg.Done()
	encoders.Store(t, f)
	return f
}

// encodeAny encodes a value whose static type is not known in advance
// (interface contents, extra fields).
func encodeAny(dst []byte, v reflect.Value, depth int) ([]byte, error) {
	return encoderFor(v.Type())(dst, v, depth)
}

// hasOwnText reports whether t encodes itself: by Error, String or MarshalJSON.
func hasOwnText(t reflect.Type) bool {
	return t.Implements(errorType) || t.Implements(stringerType) || t.Implements(marshalerType)
}

// newTypeEncoder picks the encoder for t by the package rules. allowAddr
// makes pointer-receiver methods count when the value is addressable.
func newTypeEncoder(t reflect.Type, allowAddr bool) encoderFunc {
	if t == timeType {
		return timeEncoder
	}
	if allowAddr && t.Kind() != reflect.Pointer && !hasOwnText(t) && hasOwnText(reflect.PointerTo(t)) {
		return condAddrEncoder(newTypeEncoder(reflect.PointerTo(t), false), newTypeEncoder(t, false))
	}
	if t.Kind() == reflect.Pointer && t.Elem() == timeType {
		return ptrEncoder(t) // *time.Time has String too, but we want timeEncoder
	}
	switch {
	case t.Implements(marshalerType):
		// A type's own JSON form wins: ergo gives PID, ProcessState and
		// LogLevel one.
		return nilGuard(t, marshalerEncoder)
	case t.Kind() == reflect.String:
		// Named strings are their own text: gen.Atom's String() wraps the
		// name in quotes for display, which a JSON reader does not want.
		return stringEncoder
	case t.Implements(errorType), t.Implements(stringerType):
		return nilGuard(t, textEncoder)
	}
	switch t.Kind() {
	case reflect.Bool:
		return boolEncoder
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return intEncoder
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return uintEncoder
	case reflect.Float32, reflect.Float64:
		return floatEncoder
	case reflect.Complex64, reflect.Complex128:
		return complexEncoder
	case reflect.String:
		return stringEncoder
	case reflect.Struct:
		s := structFor(t)
		return func(dst []byte, v reflect.Value, depth int) ([]byte, error) {
			if depth >= maxDepth {
				return dst, errTooDeep
			}
			return appendObject(dst, s, v, depth+1, nil, nil)
		}
	case reflect.Map:
		return mapEncoder(t)
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 && !hasOwnText(t.Elem()) && !hasOwnText(reflect.PointerTo(t.Elem())) {
			return bytesEncoder
		}
		return arrayEncoder(t)
	case reflect.Array:
		return arrayEncoder(t)
	case reflect.Pointer:
		return ptrEncoder(t)
	case reflect.Interface:
		return interfaceEncoder
	}
	return nullEncoder // chan, func, unsafe pointer: nothing a reader can use
}

var errTooDeep = fmt.Errorf("record: value nested deeper than %d levels (a pointer cycle?)", maxDepth)

func condAddrEncoder(addr, plain encoderFunc) encoderFunc {
	return func(dst []byte, v reflect.Value, depth int) ([]byte, error) {
		if v.CanAddr() {
			return addr(dst, v.Addr(), depth)
		}
		return plain(dst, v, depth)
	}
}

// nilGuard writes null for nil pointers and interfaces, whose methods
// cannot be called.
func nilGuard(t reflect.Type, enc encoderFunc) encoderFunc {
	if t.Kind() != reflect.Pointer && t.Kind() != reflect.Interface {
		return enc
	}
	return func(dst []byte, v reflect.Value, depth int) ([]byte, error) {
		if v.IsNil() {
			return append(dst, "null"...), nil
		}
		return enc(dst, v, depth)
	}
}

// callText calls Error, or else String. A panicking method must not take the
// node's diagnostics down with it, so the panic becomes the text.
func callText(v reflect.Value) (s string) {
	defer func() {
		if r := recover(); r != nil {
			s = fmt.Sprintf("!String panicked: %v", r)
		}
	}()
	x := v.Interface()
	if e, ok := x.(error); ok {
		return e.Error()
	}
	return x.(fmt.Stringer).String()
}

func textEncoder(dst []byte, v reflect.Value, _ int) ([]byte, error) {
	return appendString(dst, callText(v)), nil
}

func marshalerEncoder(dst []byte, v reflect.Value, _ int) ([]byte, error) {
	b, err := v.Interface().(json.Marshaler).MarshalJSON()
	if err != nil {
		return dst, fmt.Errorf("record: %s.MarshalJSON: %w", v.Type(), err)
	}
	buf := bytes.NewBuffer(dst)
	if err := json.Compact(buf, b); err != nil {
		return dst, fmt.Errorf("record: %s.MarshalJSON: %w", v.Type(), err)
	}
	return buf.Bytes(), nil
}

func timeEncoder(dst []byte, v reflect.Value, _ int) ([]byte, error) {
	t := v.Interface().(time.Time)
	dst = append(dst, '"')
	dst = t.AppendFormat(dst, time.RFC3339Nano)
	return append(dst, '"'), nil
}

func nullEncoder(dst []byte, _ reflect.Value, _ int) ([]byte, error) {
	return append(dst, "null"...), nil
}

func boolEncoder(dst []byte, v reflect.Value, _ int) ([]byte, error) {
	return strconv.AppendBool(dst, v.Bool()), nil
}

func intEncoder(dst []byte, v reflect.Value, _ int) ([]byte, error) {
	return strconv.AppendInt(dst, v.Int(), 10), nil
}

func uintEncoder(dst []byte, v reflect.Value, _ int) ([]byte, error) {
	return strconv.AppendUint(dst, v.Uint(), 10), nil
}

func floatEncoder(dst []byte, v reflect.Value, _ int) ([]byte, error) {
	return appendFloat(dst, v.Float(), v.Type().Bits()), nil
}

// appendFloat formats like encoding/json (shortest repr, exponent only for
// very large or small magnitudes); JSON has no NaN or Inf, so those are null.
func appendFloat(dst []byte, f float64, bits int) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(dst, "null"...)
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 {
		if bits == 64 && (abs < 1e-6 || abs >= 1e21) || bits == 32 && (float32(abs) < 1e-6 || float32(abs) >= 1e21) {
			format = 'e'
		}
	}
	dst = strconv.AppendFloat(dst, f, format, -1, bits)
	if format == 'e' {
		// clean up e-09 to e-9
		if n := len(dst); n >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
	}
	return dst
}

func complexEncoder(dst []byte, v reflect.Value, _ int) ([]byte, error) {
	return appendString(dst, strconv.FormatComplex(v.Complex(), 'g', -1, v.Type().Bits())), nil
}

func stringEncoder(dst []byte, v reflect.Value, _ int) ([]byte, error) {
	return appendString(dst, v.String()), nil
}

func bytesEncoder(dst []byte, v reflect.Value, _ int) ([]byte, error) {
	b := v.Bytes()
	dst = append(dst, '"')
	dst = base64.StdEncoding.AppendEncode(dst, b)
	return append(dst, '"'), nil
}

func arrayEncoder(t reflect.Type) encoderFunc {
	elem := encoderFor(t.Elem())
	return func(dst []byte, v reflect.Value, depth int) ([]byte, error) {
		if depth >= maxDepth {
			return dst, errTooDeep
		}
		dst = append(dst, '[')
		var err error
		for i := range v.Len() {
			if i > 0 {
				dst = append(dst, ',')
			}
			if dst, err = elem(dst, v.Index(i), depth+1); err != nil {
				return dst, err
			}
		}
		return append(dst, ']'), nil
	}
}

func mapEncoder(t reflect.Type) encoderFunc {
	elem := encoderFor(t.Elem())
	plainKeys := t.Key().Kind() == reflect.String
	type entry struct {
		key string
		val reflect.Value
	}
	return func(dst []byte, v reflect.Value, depth int) ([]byte, error) {
		if depth >= maxDepth {
			return dst, errTooDeep
		}
		entries := make([]entry, 0, v.Len())
		for it := v.MapRange(); it.Next(); {
			k := it.Key()
			var s string
			if plainKeys {
				s = k.String()
			} else {
				// fmt prefers Error and String, and recovers from their panics.
				s = fmt.Sprint(k.Interface())
			}
			entries = append(entries, entry{s, it.Value()})
		}
		slices.SortFunc(entries, func(a, b entry) int { return strings.Compare(a.key, b.key) })
		dst = append(dst, '{')
		var err error
		for i, e := range entries {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendString(dst, e.key)
			dst = append(dst, ':')
			if dst, err = elem(dst, e.val, depth+1); err != nil {
				return dst, err
			}
		}
		return append(dst, '}'), nil
	}
}

func ptrEncoder(t reflect.Type) encoderFunc {
	elem := encoderFor(t.Elem())
	return func(dst []byte, v reflect.Value, depth int) ([]byte, error) {
		if v.IsNil() {
			return append(dst, "null"...), nil
		}
		if depth >= maxDepth {
			return dst, errTooDeep
		}
		return elem(dst, v.Elem(), depth+1)
	}
}

func interfaceEncoder(dst []byte, v reflect.Value, depth int) ([]byte, error) {
	if v.IsNil() {
		return append(dst, "null"...), nil
	}
	if depth >= maxDepth {
		return dst, errTooDeep
	}
	return encodeAny(dst, v.Elem(), depth+1)
}
