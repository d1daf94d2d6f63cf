package rank

import "github.com/ergomcp/ergomcp/internal/catalog"

// LimitRule is the rule of every ranked list's limit argument, declared
// once here: a field tagged arg:"rule=list_limit" takes it into its
// schema, its decoder check and ARGUMENTS.md. The ceiling keeps one call's
// memory and response bounded on nodes with hundreds of thousands of
// processes (a cluster of more peers than that is better narrowed with
// filters than read); a list's total still counts every match.
var LimitRule = catalog.DeclareRule("list_limit", "min=1,max=10000,default=20")

// The limit's default and ceiling, as LimitRule declares them.
var (
	DefaultLimit = LimitRule.DefaultInt()
	MaxLimit     = int(*LimitRule.Max)
)

// CheckLimit fills the default into a zero *limit and refuses one outside
// LimitRule, with the decoder's text, for arguments built in Go rather
// than decoded (the decoder has done both by the time Validate runs).
func CheckLimit(limit *int) error {
	if *limit == 0 {
		*limit = DefaultLimit
	}
	return LimitRule.Check("limit", float64(*limit))
}
