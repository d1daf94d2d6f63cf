package profiles

import (
	"fmt"

	"github.com/google/pprof/profile"
)

// Stack is one sample of a profile reduced to what a rule engine reads:
// its value, its pid label and its function names. diagnose matches the
// names against actor behaviours to say which process a stack belongs to.
type Stack struct {
	// Value is the sample's value of the requested type: goroutines for a
	// goroutine profile, bytes or objects for a heap profile.
	Value int64
	// PID is the sample's pid label (ergo ≥ 3.2 built with -tags=pprof),
	// "" when it has none.
	PID string
	// Funcs are the function names of the stack, leaf first, inlined calls
	// included.
	Funcs []string
}

// Stacks returns the samples of p with their value of sampleType (for
// example "goroutine", "inuse_space"), keeping at most maxFrames frames of
// each (the leaf end, where the interesting part is) and skipping samples
// whose value is 0. An unknown sample type is an error naming the types p
// has.
func Stacks(p *profile.Profile, sampleType string, maxFrames int) ([]Stack, error) {
	idx := -1
	for i, st := range p.SampleType {
		if st.Type == sampleType {
			idx = i
		}
	}
	if idx < 0 {
		var have []string
		for _, st := range p.SampleType {
			have = append(have, st.Type)
		}
		return nil, fmt.Errorf("profile has no sample type %q (it has %v)", sampleType, have)
	}
	out := make([]Stack, 0, len(p.Sample))
	for _, s := range p.Sample {
		if idx >= len(s.Value) || s.Value[idx] == 0 {
			continue
		}
		st := Stack{Value: s.Value[idx]}
		if pids := s.Label["pid"]; len(pids) > 0 {
			st.PID = pids[0]
		}
		for _, f := range stackFrames(s) {
			if len(st.Funcs) == maxFrames {
				break
			}
			st.Funcs = append(st.Funcs, f.Func)
		}
		out = append(out, st)
	}
	return out, nil
}
