package window

import (
	"math"
	"strings"

	"github.com/ergomcp/ergomcp/tools/catalog"
)

// Window bounds for process_top, in milliseconds: long enough to see a
// rate, short enough that one call does not hold a worker for long.
const (
	DefaultWindowMs = 1000
	MinWindowMs     = 100
	MaxWindowMs     = 30000
)

// SortKeys are process_top's orders, largest first; the first is the
// default.
var SortKeys = []string{"cpu", "messages_in_rate", "messages_out_rate", "mailbox_growth", "est_latency", "time_to_drain"}

// Validate checks a window and an order as a caller gave them and fills
// the defaults.
func Validate(windowMs *int, sortBy *string) error {
	switch {
	case *windowMs == 0:
		*windowMs = DefaultWindowMs
	case *windowMs < MinWindowMs || *windowMs > MaxWindowMs:
		return catalog.Errorf("window_ms must be between %d and %d (0 or omitted means %d), got %d", MinWindowMs, MaxWindowMs, DefaultWindowMs, *windowMs)
	}
	if *sortBy == "" {
		*sortBy = SortKeys[0]
		return nil
	}
	for _, k := range SortKeys {
		if k == *sortBy {
			return nil
		}
	}
	return catalog.Errorf("sort_by %q is not valid; use one of: %s", *sortBy, strings.Join(SortKeys, ", "))
}

// Value is r's value for a sort key from SortKeys; infinities (a stalled
// mailbox, one that never drains) are the largest values, as they are the
// worst.
func (r *Rates) Value(sortBy string) float64 {
	switch sortBy {
	case "messages_in_rate":
		return r.InRate
	case "messages_out_rate":
		return r.OutRate
	case "mailbox_growth":
		return r.MailboxGrowth
	case "est_latency":
		return r.EstLatency
	case "time_to_drain":
		return r.TimeToDrain
	}
	return r.CPU
}

// Finite returns f, or ok false when it is infinite or NaN: JSON has no
// infinity, so callers print a word instead.
func Finite(f float64) (v float64, ok bool) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, false
	}
	return f, true
}
