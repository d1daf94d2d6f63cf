package payload

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Bounds that a zero Builder applies. A message an agent writes by hand is
// far smaller; the bounds are there so that no input, however built, costs
// the node more than a few megabytes or a deep stack.
const (
	DefaultMaxDepth  = 32
	DefaultMaxValues = 100_000
)

// Error says which part of the JSON could not become the value and why.
type Error struct {
	// Path names the place: the root name, then .Field, [index] and
	// ["key"] steps, e.g. Order.Items[2].Qty.
	Path string
	// Msg says what is wrong and what was expected.
	Msg string
}

func (e *Error) Error() string {
	if e.Path == "" {
		return e.Msg
	}
	return e.Path + ": " + e.Msg
}

// Special builds the values of one type whose JSON form the generic rules
// do not cover, such as a PID written as Ergo prints it.
type Special struct {
	// Build makes the value from decoded JSON (never nil: null leaves the
	// zero value). Its error text is reported after the path.
	Build func(v any) (reflect.Value, error)
	// Example is the JSON text of a valid input, for templates.
	Example string
	// Form says in words what input is expected, for field listings.
	Form string
}

// Builder builds Go values from decoded JSON: the any tree that
// encoding/json produces (map[string]any, []any, string, bool, nil, and
// numbers as json.Number or float64). The zero value is ready to use.
type Builder struct {
	// MaxDepth bounds nesting; 0 means DefaultMaxDepth.
	MaxDepth int
	// MaxValues bounds how many values one message may hold, counting
	// every element, field and map entry; 0 means DefaultMaxValues.
	MaxValues int
	// Special lists types built by their own rules rather than by kind.
	Special map[reflect.Type]Special
}

// Build returns a value of type t made from v. root names the value in
// error paths (usually the type's short name).
func (b Builder) Build(t reflect.Type, root string, v any) (reflect.Value, error) {
	s := b.state()
	out := reflect.New(t).Elem()
	if err := s.set(out, v, &step{name: root}, 0); err != nil {
		return reflect.Value{}, err
	}
	return out, nil
}

// Plain converts v into a value for a process that takes JSON as it
// comes: objects become map[string]any, arrays []any, integers int64 and
// other numbers float64; strings, booleans and null stay as they are. The
// bounds apply as for Build. root names the value in error paths.
func (b Builder) Plain(root string, v any) (any, error) {
	return b.state().plain(v, &step{name: root}, 0)
}

func (b Builder) state() *state {
	if b.MaxDepth <= 0 {
		b.MaxDepth = DefaultMaxDepth
	}
	if b.MaxValues <= 0 {
		b.MaxValues = DefaultMaxValues
	}
	return &state{b: b, fields: map[reflect.Type]*structFields{}}
}

// state is one Build or Plain run.
type state struct {
	b      Builder
	values int
	fields map[reflect.Type]*structFields
}

// step is one link of the path from the root to the value being built;
// the path is rendered only when an error needs it.
type step struct {
	parent *step
	name   string // root or field name
	key    string // map key
	index  int    // slice or array index
	kind   byte   // 0 root, '.' field, '[' index, '"' map key
}

func (p *step) field(name string) *step { return &step{parent: p, name: name, kind: '.'} }
func (p *step) elem(i int) *step        { return &step{parent: p, index: i, kind: '['} }
func (p *step) mapKey(k string) *step   { return &step{parent: p, key: k, kind: '"'} }

func (p *step) String() string {
	var parts []string
	for s := p; s != nil; s = s.parent {
		switch s.kind {
		case '.':
			parts = append(parts, "."+s.name)
		case '[':
			parts = append(parts, "["+strconv.Itoa(s.index)+"]")
		case '"':
			parts = append(parts, "["+strconv.Quote(clip(s.key))+"]")
		default:
			parts = append(parts, s.name)
		}
	}
	var sb strings.Builder
	for i := len(parts) - 1; i >= 0; i-- {
		sb.WriteString(parts[i])
	}
	return sb.String()
}

func fail(p *step, format string, args ...any) error {
	return &Error{Path: p.String(), Msg: fmt.Sprintf(format, args...)}
}

var (
	timeType     = reflect.TypeFor[time.Time]()
	durationType = reflect.TypeFor[time.Duration]()
	errorType    = reflect.TypeFor[error]()
	errorsNew    = reflect.TypeOf(errors.New(""))
)

// enter counts one value at depth and enforces the bounds.
func (s *state) enter(p *step, depth int) error {
	if depth > s.b.MaxDepth {
		return fail(p, "nested deeper than %d levels", s.b.MaxDepth)
	}
	s.values++
	if s.values > s.b.MaxValues {
		return fail(p, "the message holds more than %d values", s.b.MaxValues)
	}
	return nil
}

// set builds in into v, which is settable and holds the zero value.
func (s *state) set(v reflect.Value, in any, p *step, depth int) error {
	if err := s.enter(p, depth); err != nil {
		return err
	}
	if in == nil {
		return nil // null leaves the zero value, as in encoding/json
	}
	t := v.Type()
	if sp, ok := s.b.Special[t]; ok {
		return s.special(v, sp, in, p)
	}
	switch t {
	case timeType:
		str, ok := in.(string)
		if !ok {
			return mismatch(p, "an RFC 3339 time string", in)
		}
		tm, err := time.Parse(time.RFC3339Nano, str)
		if err != nil {
			return fail(p, "expected an RFC 3339 time such as 2006-01-02T15:04:05Z: %v", err)
		}
		v.Set(reflect.ValueOf(tm))
		return nil
	case durationType:
		return setDuration(v, in, p)
	}
	switch t.Kind() {
	case reflect.Bool:
		b, ok := in.(bool)
		if !ok {
			return mismatch(p, "a boolean", in)
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, err := integer(in, t, p)
		if err != nil {
			return err
		}
		v.SetInt(n)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		n, err := unsigned(in, t, p)
		if err != nil {
			return err
		}
		v.SetUint(n)
	case reflect.Float32, reflect.Float64:
		f, err := float(in, t, p)
		if err != nil {
			return err
		}
		v.SetFloat(f)
	case reflect.String:
		str, ok := in.(string)
		if !ok {
			return mismatch(p, "a string", in)
		}
		v.SetString(str)
	case reflect.Slice:
		return s.setSlice(v, in, p, depth)
	case reflect.Array:
		return s.setArray(v, in, p, depth)
	case reflect.Map:
		return s.setMap(v, in, p, depth)
	case reflect.Struct:
		return s.setStruct(v, in, p, depth)
	case reflect.Pointer:
		ptr := reflect.New(t.Elem())
		if err := s.set(ptr.Elem(), in, p, depth+1); err != nil {
			return err
		}
		v.Set(ptr)
	case reflect.Interface:
		return s.setInterface(v, in, p, depth)
	default:
		return fail(p, "a field of type %s cannot be built from JSON", t)
	}
	return nil
}

func (s *state) special(v reflect.Value, sp Special, in any, p *step) error {
	rv, err := sp.Build(in)
	if err != nil {
		return fail(p, "%v", err)
	}
	if !rv.IsValid() || rv.Type() != v.Type() {
		return fail(p, "internal error: building %s gave another type", v.Type())
	}
	v.Set(rv)
	return nil
}

func setDuration(v reflect.Value, in any, p *step) error {
	if str, ok := in.(string); ok {
		d, err := time.ParseDuration(str)
		if err != nil {
			return fail(p, "expected a duration such as \"1.5s\" or a number of nanoseconds: %v", err)
		}
		v.SetInt(int64(d))
		return nil
	}
	n, err := integer(in, v.Type(), p)
	if err != nil {
		return err
	}
	v.SetInt(n)
	return nil
}

func (s *state) setSlice(v reflect.Value, in any, p *step, depth int) error {
	t := v.Type()
	if str, ok := in.(string); ok && t.Elem().Kind() == reflect.Uint8 {
		// []byte is base64 text in JSON, as encoding/json writes it.
		b, err := base64.StdEncoding.DecodeString(str)
		if err != nil {
			return fail(p, "expected base64 text (or an array of bytes): %v", err)
		}
		v.Set(reflect.ValueOf(b).Convert(t))
		return nil
	}
	arr, ok := in.([]any)
	if !ok {
		return mismatch(p, "an array", in)
	}
	// Checked before allocating, so a huge array costs nothing.
	if s.values+len(arr) > s.b.MaxValues {
		return fail(p, "the message holds more than %d values", s.b.MaxValues)
	}
	out := reflect.MakeSlice(t, len(arr), len(arr))
	for i, e := range arr {
		if err := s.set(out.Index(i), e, p.elem(i), depth+1); err != nil {
			return err
		}
	}
	v.Set(out)
	return nil
}

func (s *state) setArray(v reflect.Value, in any, p *step, depth int) error {
	arr, ok := in.([]any)
	if !ok {
		return mismatch(p, fmt.Sprintf("an array of %d", v.Len()), in)
	}
	if len(arr) != v.Len() {
		return fail(p, "expected an array of exactly %d elements (%s), got %d", v.Len(), v.Type(), len(arr))
	}
	for i, e := range arr {
		if err := s.set(v.Index(i), e, p.elem(i), depth+1); err != nil {
			return err
		}
	}
	return nil
}

func (s *state) setMap(v reflect.Value, in any, p *step, depth int) error {
	t := v.Type()
	obj, ok := in.(map[string]any)
	if !ok {
		return mismatch(p, "an object", in)
	}
	if s.values+len(obj) > s.b.MaxValues {
		return fail(p, "the message holds more than %d values", s.b.MaxValues)
	}
	out := reflect.MakeMapWithSize(t, len(obj))
	for _, k := range sortedKeys(obj) {
		kp := p.mapKey(k)
		key, err := mapKey(t.Key(), k, kp)
		if err != nil {
			return err
		}
		elem := reflect.New(t.Elem()).Elem()
		if err := s.set(elem, obj[k], kp, depth+1); err != nil {
			return err
		}
		out.SetMapIndex(key, elem)
	}
	v.Set(out)
	return nil
}

// mapKey converts an object key to the map's key type: string kinds as
// they are, integer kinds parsed, as encoding/json does.
func mapKey(t reflect.Type, k string, p *step) (reflect.Value, error) {
	key := reflect.New(t).Elem()
	switch t.Kind() {
	case reflect.String:
		key.SetString(k)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, err := integer(json.Number(k), t, p)
		if err != nil {
			return key, err
		}
		key.SetInt(n)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		n, err := unsigned(json.Number(k), t, p)
		if err != nil {
			return key, err
		}
		key.SetUint(n)
	default:
		return key, fail(p, "maps keyed by %s cannot be built from JSON (only string and integer keys)", t)
	}
	return key, nil
}

func (s *state) setStruct(v reflect.Value, in any, p *step, depth int) error {
	obj, ok := in.(map[string]any)
	if !ok {
		return mismatch(p, "an object", in)
	}
	fields := s.fieldsOf(v.Type())
	set := make(map[int]string, len(obj)) // field number -> key that set it
	for _, k := range sortedKeys(obj) {
		i, ok := fields.lookup(k)
		if !ok {
			return fail(p, "unknown field %q in %s; its fields: %s", clip(k), v.Type(), fields.keyList())
		}
		if prev, dup := set[i]; dup {
			return fail(p, "keys %q and %q both set field %s", prev, clip(k), fields.list[i].Name)
		}
		set[i] = k
		f := &fields.list[i]
		fv, err := fieldByIndex(v, f.Index)
		if err != nil {
			return fail(p.field(f.Key), "%v", err)
		}
		if err := s.set(fv, obj[k], p.field(f.Key), depth+1); err != nil {
			return err
		}
	}
	return nil
}

// fieldByIndex reaches a promoted field, allocating embedded pointers on
// the way.
func fieldByIndex(v reflect.Value, index []int) (reflect.Value, error) {
	for i, x := range index {
		if i > 0 && v.Kind() == reflect.Pointer {
			if v.IsNil() {
				if !v.CanSet() {
					return reflect.Value{}, fmt.Errorf("cannot be set: it is reached through an unexported embedded pointer")
				}
				v.Set(reflect.New(v.Type().Elem()))
			}
			v = v.Elem()
		}
		v = v.Field(x)
	}
	if !v.CanSet() {
		return reflect.Value{}, fmt.Errorf("cannot be set from outside its package")
	}
	return v, nil
}

func (s *state) setInterface(v reflect.Value, in any, p *step, depth int) error {
	t := v.Type()
	if t.NumMethod() == 0 {
		x, err := s.plain(in, p, depth)
		if err != nil {
			return err
		}
		if x != nil {
			v.Set(reflect.ValueOf(x))
		}
		return nil
	}
	if t == errorType || errorsNew.Implements(t) && t.Implements(errorType) {
		str, ok := in.(string)
		if !ok {
			return mismatch(p, "a string (the error text)", in)
		}
		v.Set(reflect.ValueOf(errors.New(str)))
		return nil
	}
	return fail(p, "a field of interface type %s cannot be built from JSON: there is no way to choose its concrete type", t)
}

func (s *state) plain(in any, p *step, depth int) (any, error) {
	if err := s.enter(p, depth); err != nil {
		return nil, err
	}
	switch x := in.(type) {
	case nil, string, bool, float64:
		return x, nil
	case json.Number:
		if n, err := strconv.ParseInt(string(x), 10, 64); err == nil {
			return n, nil
		}
		f, err := strconv.ParseFloat(string(x), 64)
		if err != nil {
			return nil, fail(p, "number %s does not fit a float64", clip(string(x)))
		}
		return f, nil
	case []any:
		if s.values+len(x) > s.b.MaxValues {
			return nil, fail(p, "the message holds more than %d values", s.b.MaxValues)
		}
		out := make([]any, len(x))
		for i, e := range x {
			v, err := s.plain(e, p.elem(i), depth+1)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	case map[string]any:
		if s.values+len(x) > s.b.MaxValues {
			return nil, fail(p, "the message holds more than %d values", s.b.MaxValues)
		}
		out := make(map[string]any, len(x))
		for _, k := range sortedKeys(x) {
			v, err := s.plain(x[k], p.mapKey(k), depth+1)
			if err != nil {
				return nil, err
			}
			out[k] = v
		}
		return out, nil
	}
	return nil, fail(p, "%T is not a JSON value", in)
}

// integer reads a signed integer of t's size.
func integer(in any, t reflect.Type, p *step) (int64, error) {
	bits := t.Bits()
	switch x := in.(type) {
	case json.Number:
		n, err := strconv.ParseInt(string(x), 10, bits)
		if err == nil {
			return n, nil
		}
		if errors.Is(err, strconv.ErrRange) {
			return 0, fail(p, "%s is out of range for %s (%d..%d)", clip(string(x)), t, int64(-1)<<(bits-1), int64(uint64(1)<<(bits-1)-1))
		}
		return 0, fail(p, "expected an integer (%s), got %s", t, clip(string(x)))
	case float64:
		limit := math.Ldexp(1, bits-1)
		if x != math.Trunc(x) || math.IsInf(x, 0) {
			return 0, fail(p, "expected an integer (%s), got %v", t, x)
		}
		if x < -limit || x >= limit {
			return 0, fail(p, "%v is out of range for %s", x, t)
		}
		return int64(x), nil
	}
	return 0, mismatch(p, fmt.Sprintf("an integer (%s)", t), in)
}

// unsigned reads a non-negative integer of t's size.
func unsigned(in any, t reflect.Type, p *step) (uint64, error) {
	bits := t.Bits()
	switch x := in.(type) {
	case json.Number:
		if strings.HasPrefix(string(x), "-") {
			return 0, fail(p, "expected a non-negative integer (%s), got %s", t, clip(string(x)))
		}
		n, err := strconv.ParseUint(string(x), 10, bits)
		if err == nil {
			return n, nil
		}
		if errors.Is(err, strconv.ErrRange) {
			return 0, fail(p, "%s is out of range for %s (0..%d)", clip(string(x)), t, uint64(math.MaxUint64)>>(64-bits))
		}
		return 0, fail(p, "expected a non-negative integer (%s), got %s", t, clip(string(x)))
	case float64:
		if x != math.Trunc(x) || math.IsInf(x, 0) || x < 0 {
			return 0, fail(p, "expected a non-negative integer (%s), got %v", t, x)
		}
		if x >= math.Ldexp(1, bits) {
			return 0, fail(p, "%v is out of range for %s", x, t)
		}
		return uint64(x), nil
	}
	return 0, mismatch(p, fmt.Sprintf("a non-negative integer (%s)", t), in)
}

// float reads a number that fits t.
func float(in any, t reflect.Type, p *step) (float64, error) {
	var f float64
	switch x := in.(type) {
	case json.Number:
		var err error
		f, err = strconv.ParseFloat(string(x), t.Bits())
		if errors.Is(err, strconv.ErrRange) {
			return 0, fail(p, "%s overflows %s", clip(string(x)), t)
		}
		if err != nil {
			return 0, fail(p, "expected a number (%s), got %s", t, clip(string(x)))
		}
	case float64:
		f = x
		if t.Bits() == 32 && math.Abs(f) > math.MaxFloat32 {
			return 0, fail(p, "%v overflows %s", f, t)
		}
	default:
		return 0, mismatch(p, fmt.Sprintf("a number (%s)", t), in)
	}
	return f, nil
}

// mismatch reports a JSON value of the wrong kind. Strings are not quoted
// back: they may be long, and they are the caller's own text.
func mismatch(p *step, want string, got any) error {
	return fail(p, "expected %s, got %s", want, describe(got))
}

func describe(v any) string {
	switch x := v.(type) {
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case json.Number:
		return "the number " + clip(string(x))
	case float64:
		return "the number " + strconv.FormatFloat(x, 'g', -1, 64)
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	case nil:
		return "null"
	}
	return fmt.Sprintf("a %T", v)
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// clip bounds caller text quoted in errors.
func clip(s string) string {
	const max = 40
	if len(s) > max {
		return strings.ToValidUTF8(s[:max], "") + "…"
	}
	return s
}
