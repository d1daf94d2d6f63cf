package profiles

import (
	"bytes"
	"fmt"
	"runtime/pprof"

	"github.com/google/pprof/profile"
)

// Heap captures the heap profile in proto form. It does not force a GC:
// in-use figures are as of the last completed collection, which spares a
// live node a full collection on every call.
func Heap() (*profile.Profile, error) {
	return lookup("heap")
}

// lookup writes the named runtime profile in proto form (debug=0, the only
// form that keeps pprof labels) and parses it.
func lookup(name string) (*profile.Profile, error) {
	var buf bytes.Buffer
	if err := pprof.Lookup(name).WriteTo(&buf, 0); err != nil {
		return nil, fmt.Errorf("%s profile: %w", name, err)
	}
	p, err := profile.Parse(&buf)
	if err != nil {
		return nil, fmt.Errorf("%s profile: parse: %w", name, err)
	}
	return p, nil
}
