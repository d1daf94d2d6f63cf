package catalog

import (
	"path"
	"strings"
)

// Policy decides at call time which tools may run. The zero value allows
// every read-only tool and refuses mutating and action tools.
type Policy struct {
	// EnableActions allows Mutating and Action tools. Off by default.
	EnableActions bool
	// Allow, when not empty, is the only set of tools that may run. Entries
	// are tool names or path.Match patterns ("process_*").
	Allow []string
	// Deny lists tools (names or patterns) that never run; it wins over Allow.
	Deny []string
}

// Check returns nil when t may run, or an *Error that says which option
// would allow it.
func (p Policy) Check(t *Tool) error { return p.CheckOn(t, "this node") }

// CheckOn is Check with the node whose policy it is named as where ("node
// a@h"), for calls that cross nodes: the caller must learn whether the
// entry node or the target refused.
func (p Policy) CheckOn(t *Tool, where string) error {
	if matchAny(p.Deny, t.Name) {
		return Errorf("tool %s is disabled on %s by the operator (Options.DenyTools)", t.Name, where)
	}
	if len(p.Allow) > 0 && !matchAny(p.Allow, t.Name) {
		return Errorf("tool %s is not enabled on %s (Options.AllowTools lists: %s)", t.Name, where, strings.Join(p.Allow, ", "))
	}
	if t.Kind != ReadOnly && !p.EnableActions {
		return Errorf("tool %s is %s and refused: the operator has not enabled actions on %s (Options.EnableActions)", t.Name, t.Kind, where)
	}
	return nil
}

// Visible reports whether tools/list should show t: everything Check would
// allow. Hiding is a convenience; Check at call time is the guard.
func (p Policy) Visible(t *Tool) bool { return p.Check(t) == nil }

func matchAny(patterns []string, name string) bool {
	for _, pat := range patterns {
		if pat == name {
			return true
		}
		if ok, err := path.Match(pat, name); err == nil && ok {
			return true
		}
	}
	return false
}
