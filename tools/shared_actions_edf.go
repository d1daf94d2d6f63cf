//go:build !ergo33

package tools

import (
	"reflect"
	"sort"

	"ergo.services/ergo/net/edf"
)

// The message type registry of ergo 3.1 and 3.2 is EDF's, one per Go
// process. It lists names (edf.GetRegCache) but has no exported lookup of
// a name's Go type, so edfLookup asks edf.Decode for it: a packet that
// carries only a type description — a slice of the registered type — and
// a nil value decodes to a nil slice of exactly that type. The bytes are
// EDF's wire format, which stays fixed because nodes of different ergo
// releases speak it to each other. This file is left out with -tags=ergo33:
// ergo 3.3 keeps the registry on the network (see messageTypes), and
// whether it still has these edf functions is not known here.

// EDF wire tags (ergo.services/ergo/net/edf/edf.go).
const (
	edfType  = 0x82 // a type description follows
	edfReg   = 0x83 // a registered type's name follows
	edfSlice = 0x9d // a slice of the type that follows
	edfNil   = 0xff // a nil value
)

func edfTypes() (typeSource, bool) {
	return typeSource{from: "edf.GetRegCache (ergo 3.1/3.2)", names: edfNames, lookup: edfLookup}, true
}

func edfNames() ([]string, error) {
	cache := edf.GetRegCache()
	names := make([]string, 0, len(cache))
	for _, name := range cache {
		names = append(names, name)
	}
	sort.Strings(names)
	return names, nil
}

func edfLookup(name string) (reflect.Type, bool, error) {
	if name == "" || len(name) > maxTypeNameLen {
		return nil, false, nil
	}
	fold := append([]byte{edfSlice, edfReg, byte(len(name) >> 8), byte(len(name))}, name...)
	packet := append([]byte{edfType, byte(len(fold) >> 8), byte(len(fold))}, fold...)
	packet = append(packet, edfNil)
	v, _, err := edf.Decode(packet, edf.Options{})
	if err != nil || v == nil {
		return nil, false, nil // "unknown reg type": not registered
	}
	t := reflect.TypeOf(v)
	if t.Kind() != reflect.Slice {
		return nil, false, nil
	}
	return t.Elem(), true, nil
}
