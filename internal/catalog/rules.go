package catalog

import (
	"fmt"
	"reflect"
	"strconv"
)

// Named rules are argument rules that several tools' arguments share,
// declared once in Go (beside the code that relies on them) and taken by a
// tag with arg:"rule=NAME": the declaration feeds every such argument's
// schema, decoder check and ARGUMENTS.md line, and the declaring package
// reads its bounds from the returned rule instead of repeating them in
// constants.
//
// The table is written only while packages initialise, so reads need no
// lock.
var named = map[string]string{}

// DeclareRule declares the rule tag (the arg tag's syntax, without rule=)
// under name and returns it as an ArgRule. It panics on a bad tag or a
// name declared twice: declarations are static, made by package-level
// variables, which Go initialises before any init function registers a
// tool that uses them.
func DeclareRule(name, tag string) ArgRule {
	// Named rules hold numeric bounds: a default is checked as a number.
	s := &argSpec{name: name, kind: reflect.Float64}
	if err := s.parseTag(tag); err != nil {
		panic(fmt.Sprintf("catalog: rule %s: %v", name, err))
	}
	if _, dup := named[name]; dup {
		panic(fmt.Sprintf("catalog: rule %s declared twice", name))
	}
	named[name] = tag
	return s.rule()
}

// namedRule returns the tag declared under name.
func namedRule(name string) (string, error) {
	tag, ok := named[name]
	if !ok {
		return "", fmt.Errorf("no rule named %q is declared", name)
	}
	return tag, nil
}

// Check enforces the rule's bounds on v, the value of argument arg, with
// the decoder's own error text: for code that fills arguments in Go
// rather than decoding them.
func (r ArgRule) Check(arg string, v float64) error {
	if (r.Min != nil && v < *r.Min) || (r.Max != nil && v > *r.Max) || v != v {
		return rangeError(arg, r.Range, v)
	}
	return nil
}

// DefaultInt returns the rule's default as an int (0 when it has none).
func (r ArgRule) DefaultInt() int {
	if r.Default == nil {
		return 0
	}
	f, _ := strconv.ParseFloat(*r.Default, 64)
	return int(f)
}

func rangeError(arg, rng string, v float64) error {
	return Errorf("%s must be %s, got %s", arg, rng, num(v))
}
