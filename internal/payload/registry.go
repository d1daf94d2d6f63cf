package payload

import (
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
)

// TypeName is the name under which Ergo's EDF registers t:
// "#" + package path + "/" + type name (ergo 3.1/3.2).
func TypeName(t reflect.Type) string {
	return "#" + t.PkgPath() + "/" + t.Name()
}

// GoName is the short Go spelling of a registered name:
// "#github.com/acme/shop/orders/Order" gives "orders.Order". Names of
// another form come back as they are.
func GoName(name string) string {
	s := strings.TrimPrefix(name, "#")
	i := strings.LastIndexByte(s, '/')
	if i < 0 {
		return s
	}
	pkg, typ := s[:i], s[i+1:]
	if j := strings.LastIndexByte(pkg, '/'); j >= 0 {
		pkg = pkg[j+1:]
	}
	return pkg + "." + typ
}

// Match finds the registered name q means. q may be the full name, the
// name without "#", the package path and type joined by a dot, the short
// Go spelling (orders.Order) or the bare type name (Order). It returns the
// name, or "" and the candidates when q is ambiguous (at most 10), or ""
// and nil when nothing matches.
func Match(names []string, q string) (string, []string) {
	q = strings.TrimSpace(q)
	var found []string
	for _, n := range names {
		if n == q {
			return n, nil
		}
		if q != "" && matches(n, q) {
			found = append(found, n)
		}
	}
	if len(found) == 1 {
		return found[0], nil
	}
	sort.Strings(found)
	if len(found) > 10 {
		found = found[:10]
	}
	return "", found
}

func matches(name, q string) bool {
	s := strings.TrimPrefix(name, "#")
	if q == s || q == GoName(name) {
		return true
	}
	i := strings.LastIndexByte(s, '/')
	if i < 0 {
		return false
	}
	return q == s[:i]+"."+s[i+1:] || q == s[i+1:]
}

// Registry reads a message type registry through methods found by name at
// run time: ergo 3.3's network has RegisteredTypes and LookupType, which
// code compiled against ergo 3.1 cannot call directly.
type Registry struct {
	list   reflect.Value // RegisteredTypes(): names or types, in some collection
	lookup reflect.Value // LookupType(name) (reflect.Type, bool|error)
}

var reflectType = reflect.TypeFor[reflect.Type]()

// maxRegistered bounds what Names reads: EDF numbers registered types
// with 16 bits, so no real registry is larger.
const maxRegistered = 1 << 16

// ProbeRegistry looks on v for RegisteredTypes() and LookupType(name). ok
// reports whether at least one has a shape Registry can use.
func ProbeRegistry(v any) (Registry, bool) {
	var r Registry
	if v == nil {
		return r, false
	}
	rv := reflect.ValueOf(v)
	if m := rv.MethodByName("RegisteredTypes"); m.IsValid() && m.Type().NumIn() == 0 && okOuts(m.Type(), nil) {
		r.list = m
	}
	if m := rv.MethodByName("LookupType"); m.IsValid() {
		mt := m.Type()
		if mt.NumIn() == 1 && mt.In(0).Kind() == reflect.String && mt.NumOut() >= 1 && mt.Out(0) == reflectType && okOuts(mt, reflectType) {
			r.lookup = m
		}
	}
	return r, r.list.IsValid() || r.lookup.IsValid()
}

// okOuts accepts (X), (X, bool) and (X, error), with X == first when
// first is not nil.
func okOuts(t reflect.Type, first reflect.Type) bool {
	if t.NumOut() < 1 || t.NumOut() > 2 || first != nil && t.Out(0) != first {
		return false
	}
	if t.NumOut() == 2 {
		last := t.Out(1)
		return last.Kind() == reflect.Bool || last == errorType
	}
	return true
}

// CanList reports whether Names can work.
func (r Registry) CanList() bool { return r.list.IsValid() }

// Names lists the registered names, sorted.
func (r Registry) Names() (names []string, err error) {
	if !r.list.IsValid() {
		return nil, errors.New("no RegisteredTypes method")
	}
	out, err := callWith(r.list)
	if err != nil {
		return nil, fmt.Errorf("RegisteredTypes: %w", err)
	}
	seen := map[string]bool{}
	collectNames(out, &names, seen, 0)
	sort.Strings(names)
	return names, nil
}

// Lookup returns the type registered under name. Without LookupType it
// searches what RegisteredTypes returns when that holds types.
func (r Registry) Lookup(name string) (reflect.Type, bool, error) {
	if r.lookup.IsValid() {
		out := r.lookup.Type()
		res, err := callWith(r.lookup, reflect.ValueOf(name).Convert(out.In(0)))
		if err != nil || !res.IsValid() || res.IsNil() {
			return nil, false, err
		}
		return res.Interface().(reflect.Type), true, nil
	}
	if !r.list.IsValid() {
		return nil, false, errors.New("no LookupType or RegisteredTypes method")
	}
	out, err := callWith(r.list)
	if err != nil {
		return nil, false, fmt.Errorf("RegisteredTypes: %w", err)
	}
	t := findType(out, name, 0)
	return t, t != nil, nil
}

// callWith calls m and splits its results: a false bool is "not found"
// (an invalid value), an error is returned. A panic inside becomes an
// error: a diagnostics tool must not take the node down.
func callWith(m reflect.Value, args ...reflect.Value) (v reflect.Value, err error) {
	defer func() {
		if p := recover(); p != nil {
			v, err = reflect.Value{}, fmt.Errorf("panicked: %v", p)
		}
	}()
	out := m.Call(args)
	if len(out) == 2 {
		switch last := out[1]; {
		case last.Kind() == reflect.Bool && !last.Bool():
			return reflect.Value{}, nil
		case last.Kind() == reflect.Interface && !last.IsNil():
			return reflect.Value{}, last.Interface().(error)
		}
	}
	return out[0], nil
}

// collectNames reads names out of whatever collection RegisteredTypes
// returns: strings, reflect.Types, slices or maps of them, or structs with
// a Name or Type field.
func collectNames(v reflect.Value, out *[]string, seen map[string]bool, depth int) {
	if !v.IsValid() || depth > 4 || len(*out) >= maxRegistered {
		return
	}
	add := func(s string) {
		if s != "" && !seen[s] {
			seen[s] = true
			*out = append(*out, s)
		}
	}
	if t, ok := asType(v); ok {
		add(TypeName(t))
		return
	}
	switch v.Kind() {
	case reflect.Interface, reflect.Pointer:
		if !v.IsNil() {
			collectNames(v.Elem(), out, seen, depth+1)
		}
	case reflect.String:
		add(v.String())
	case reflect.Slice, reflect.Array:
		for i := range min(v.Len(), maxRegistered) {
			collectNames(v.Index(i), out, seen, depth+1)
		}
	case reflect.Map:
		it := v.MapRange()
		for n := 0; it.Next() && n < maxRegistered; n++ {
			if it.Key().Kind() == reflect.String {
				add(it.Key().String())
				continue
			}
			collectNames(it.Value(), out, seen, depth+1)
		}
	case reflect.Struct:
		if f := v.FieldByName("Name"); f.IsValid() && f.Kind() == reflect.String {
			add(f.String())
			return
		}
		if f := v.FieldByName("Type"); f.IsValid() && f.CanInterface() {
			collectNames(f, out, seen, depth+1)
		}
	}
}

// findType searches a RegisteredTypes result for the type named name.
func findType(v reflect.Value, name string, depth int) reflect.Type {
	if !v.IsValid() || depth > 4 {
		return nil
	}
	if t, ok := asType(v); ok {
		if TypeName(t) == name {
			return t
		}
		return nil
	}
	switch v.Kind() {
	case reflect.Interface, reflect.Pointer:
		if !v.IsNil() {
			return findType(v.Elem(), name, depth+1)
		}
	case reflect.Slice, reflect.Array:
		for i := range min(v.Len(), maxRegistered) {
			if t := findType(v.Index(i), name, depth+1); t != nil {
				return t
			}
		}
	case reflect.Map:
		it := v.MapRange()
		for n := 0; it.Next() && n < maxRegistered; n++ {
			if it.Key().Kind() == reflect.String && it.Key().String() == name {
				if t, ok := asType(it.Value()); ok {
					return t
				}
			}
			if t := findType(it.Value(), name, depth+1); t != nil {
				return t
			}
		}
	case reflect.Struct:
		if f := v.FieldByName("Type"); f.IsValid() && f.CanInterface() {
			if t, ok := asType(f); ok {
				n := v.FieldByName("Name")
				if n.IsValid() && n.Kind() == reflect.String && n.String() == name || TypeName(t) == name {
					return t
				}
			}
		}
	}
	return nil
}

func asType(v reflect.Value) (reflect.Type, bool) {
	if !v.IsValid() || !v.CanInterface() || !v.Type().Implements(reflectType) {
		return nil, false
	}
	if v.Kind() == reflect.Interface && v.IsNil() {
		return nil, false
	}
	t, ok := v.Interface().(reflect.Type)
	return t, ok && t != nil
}
