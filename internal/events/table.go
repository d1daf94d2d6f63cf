package events

import (
	"errors"
	"fmt"
	"reflect"
)

// ErrUnknown is Table.Info's answer for an event the table does not hold
// when it had to search the table (a node whose EventInfo method has
// another shape); through EventInfo the node's own error comes back.
var ErrUnknown = errors.New("no such event in the node's event table")

// Table reads the event table of an ergo ≥ 3.3 node through its methods
//
//	EventRangeInfo(func(gen.EventInfo) bool) error
//	EventInfo(gen.Event) (gen.EventInfo, error)
//
// found by name at run time: ergomcp compiles against ergo 3.1, which has
// neither the methods nor gen.EventInfo. The info struct's fields are read by
// name (Event.Name, Producer and the columns of Event), so a field a later
// ergo drops or retypes only makes that column unavailable.
type Table struct {
	rangeInfo reflect.Value // the bound EventRangeInfo method
	callback  reflect.Type  // its argument, func(gen.EventInfo) bool
	info      reflect.Value // the bound EventInfo method; invalid when unusable
	eventArg  reflect.Type  // EventInfo's argument, gen.Event
	layout    *layout
}

var errorType = reflect.TypeFor[error]()

// OpenTable returns a reader of node's event table, or nil when node has no
// EventRangeInfo method of the expected shape (ergo < 3.3).
func OpenTable(node any) *Table {
	if node == nil {
		return nil
	}
	v := reflect.ValueOf(node)
	m := v.MethodByName("EventRangeInfo")
	if !m.IsValid() {
		return nil
	}
	mt := m.Type()
	if mt.NumIn() != 1 || mt.NumOut() != 1 || mt.Out(0) != errorType {
		return nil
	}
	cb := mt.In(0)
	if cb.Kind() != reflect.Func || cb.NumIn() != 1 || cb.NumOut() != 1 || cb.Out(0).Kind() != reflect.Bool {
		return nil
	}
	l := layoutOf(cb.In(0))
	if l == nil {
		return nil
	}
	t := &Table{rangeInfo: m, callback: cb, layout: l}
	if im := v.MethodByName("EventInfo"); im.IsValid() {
		it := im.Type()
		if it.NumIn() == 1 && it.NumOut() == 2 && it.Out(0) == cb.In(0) && it.Out(1) == errorType && eventArgOK(it.In(0)) {
			t.info, t.eventArg = im, it.In(0)
		}
	}
	return t
}

// eventArgOK reports whether t is shaped like gen.Event: a struct with
// string-kinded Name and Node fields.
func eventArgOK(t reflect.Type) bool {
	if t.Kind() != reflect.Struct {
		return false
	}
	for _, name := range []string{"Name", "Node"} {
		f, ok := t.FieldByName(name)
		if !ok || !f.IsExported() || f.Type.Kind() != reflect.String {
			return false
		}
	}
	return true
}

// Availability says which columns this ergo's gen.EventInfo carries.
func (t *Table) Availability() Availability {
	return Availability{have: t.layout.have, why: "this ergo's gen.EventInfo has no such field"}
}

// Range calls fn with every event of the table until fn returns false. fn
// runs inside ergo's iteration: it must not call back into the node.
func (t *Table) Range(fn func(e *Event) bool) error {
	ret := t.callback.Out(0)
	cb := reflect.MakeFunc(t.callback, func(args []reflect.Value) []reflect.Value {
		more := true
		if e, ok := t.layout.read(args[0]); ok {
			more = fn(&e)
		}
		return []reflect.Value{reflect.ValueOf(more).Convert(ret)}
	})
	return errorOf(t.rangeInfo.Call([]reflect.Value{cb})[0])
}

// Info reads one event of the node named node.
func (t *Table) Info(name, node string) (Event, error) {
	if !t.info.IsValid() {
		var found *Event
		err := t.Range(func(e *Event) bool {
			if e.Name == name {
				found = e
			}
			return found == nil
		})
		switch {
		case err != nil:
			return Event{}, err
		case found == nil:
			return Event{}, ErrUnknown
		}
		return *found, nil
	}
	arg := reflect.New(t.eventArg).Elem()
	arg.FieldByName("Name").SetString(name)
	arg.FieldByName("Node").SetString(node)
	out := t.info.Call([]reflect.Value{arg})
	if err := errorOf(out[1]); err != nil {
		return Event{}, err
	}
	if e, ok := t.layout.read(out[0]); ok {
		return e, nil
	}
	return Event{}, ErrUnknown
}

func errorOf(v reflect.Value) error {
	if v.IsNil() {
		return nil
	}
	return v.Interface().(error)
}

// layout is where an info struct keeps each part of an Event.
type layout struct {
	name     []int // Event.Name, or Event itself when it is a string
	producer []int // nil when absent
	cols     []colField
	have     col
}

// colField copies one column: from the info struct's field at index to
// Event's field at to.
type colField struct {
	c         col
	index, to []int
}

// eventType is the type whose fields colField.to indexes.
var eventType = reflect.TypeFor[Event]()

// layoutOf finds Event's parts in info struct type t (or *t); nil when t
// has no event name, without which no record makes sense.
func layoutOf(t reflect.Type) *layout {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil
	}
	l := &layout{}
	ev, ok := t.FieldByName("Event")
	switch {
	case !ok || !ev.IsExported():
		return nil
	case ev.Type.Kind() == reflect.String:
		l.name = ev.Index
	case ev.Type.Kind() == reflect.Struct:
		n, ok := ev.Type.FieldByName("Name")
		if !ok || !n.IsExported() || n.Type.Kind() != reflect.String {
			return nil
		}
		l.name = append(append([]int(nil), ev.Index...), n.Index...)
	default:
		return nil
	}
	if p, ok := t.FieldByName("Producer"); ok && p.IsExported() {
		l.producer = p.Index
	}
	for _, c := range eachCol() {
		f, ok := t.FieldByName(colNames[c])
		if ok && f.IsExported() && kindFits(c, f.Type.Kind()) {
			to, _ := eventType.FieldByName(colNames[c])
			l.cols = append(l.cols, colField{c, f.Index, to.Index})
			l.have |= c
		}
	}
	return l
}

// kindFits reports whether a field of kind k can fill column c: flags are
// bools, everything else integers.
func kindFits(c col, k reflect.Kind) bool {
	if c == colNotify || c == colOpen {
		return k == reflect.Bool
	}
	switch k {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return true
	}
	return false
}

// read converts one info value (a struct or a pointer to one); ok is
// false for a nil pointer.
func (l *layout) read(v reflect.Value) (e Event, ok bool) {
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return Event{}, false
		}
		v = v.Elem()
	}
	e = Event{Name: v.FieldByIndex(l.name).String()}
	if l.producer != nil {
		e.Producer = text(v.FieldByIndex(l.producer))
	}
	dst := reflect.ValueOf(&e).Elem()
	for _, f := range l.cols {
		from, to := v.FieldByIndex(f.index), dst.FieldByIndex(f.to)
		if from.Kind() == reflect.Bool {
			to.SetBool(from.Bool())
		} else {
			to.SetInt(intOf(from))
		}
	}
	return e, true
}

func intOf(v reflect.Value) int64 {
	if v.CanInt() {
		return v.Int()
	}
	return int64(v.Uint())
}

// text prints a PID as ergo does (its String method), whatever its type.
func text(v reflect.Value) string {
	if s, ok := v.Interface().(fmt.Stringer); ok {
		return s.String()
	}
	return fmt.Sprint(v.Interface())
}
