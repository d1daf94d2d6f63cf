package window

import (
	"math"
	"slices"
	"strings"

	"github.com/ergomcp/ergomcp/internal/catalog"
)

// WindowRule bounds process_top's window_ms, declared once (a field tagged
// arg:"rule=window_ms" takes it into its schema, decoder check and
// ARGUMENTS.md): long enough to see a rate, short enough that one call
// does not hold a worker for long.
var WindowRule = catalog.DeclareRule("window_ms", "min=100,max=30000,default=1000")

// The window's bounds in milliseconds, as WindowRule declares them.
var (
	DefaultWindowMs = WindowRule.DefaultInt()
	MinWindowMs     = int(*WindowRule.Min)
	MaxWindowMs     = int(*WindowRule.Max)
)

// sortKeys are process_top's orders, largest first; the first is the
// default. Infinities (a stalled mailbox, one that never drains) are the
// largest values, as they are the worst.
var sortKeys = []struct {
	name  string
	value func(*Rates) float64
}{
	{"cpu", func(r *Rates) float64 { return r.CPU }},
	{"messages_in_rate", func(r *Rates) float64 { return r.InRate }},
	{"messages_out_rate", func(r *Rates) float64 { return r.OutRate }},
	{"mailbox_growth", func(r *Rates) float64 { return r.MailboxGrowth }},
	{"est_latency", func(r *Rates) float64 { return r.EstLatency }},
	{"time_to_drain", func(r *Rates) float64 { return r.TimeToDrain }},
}

// SortKeys names process_top's orders, the default first.
var SortKeys = func() []string {
	names := make([]string, len(sortKeys))
	for i, k := range sortKeys {
		names[i] = k.name
	}
	return names
}()

// Validate checks a window and an order as a caller gave them and fills
// the defaults.
func Validate(windowMs *int, sortBy *string) error {
	if *windowMs == 0 {
		*windowMs = DefaultWindowMs
	}
	if err := WindowRule.Check("window_ms", float64(*windowMs)); err != nil {
		return err
	}
	if *sortBy == "" {
		*sortBy = SortKeys[0]
		return nil
	}
	if !slices.Contains(SortKeys, *sortBy) {
		return catalog.Errorf("sort_by %q is not valid; use one of: %s", *sortBy, strings.Join(SortKeys, ", "))
	}
	return nil
}

// Key returns the value of a sort key that Validate accepted; callers
// look it up once, not per process.
func Key(sortBy string) func(*Rates) float64 {
	for _, k := range sortKeys {
		if k.name == sortBy {
			return k.value
		}
	}
	panic("window: unknown sort key " + sortBy) // Validate refuses it first
}

// Value is r's value for a sort key that Validate accepted.
func (r *Rates) Value(sortBy string) float64 { return Key(sortBy)(r) }

// Finite returns f, or ok false when it is infinite or NaN: JSON has no
// infinity, so callers print a word instead.
func Finite(f float64) (v float64, ok bool) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, false
	}
	return f, true
}
