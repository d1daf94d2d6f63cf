// Package result renders tool results: compact JSON in one text block, held
// to a response budget so that no call floods the agent's context or the
// transport, and so that a cut list says it was cut.
package result

import (
	"encoding/json"
	"maps"
	"slices"
	"sort"
	"strconv"

	"github.com/ergomcp/ergomcp/internal/catalog"
	"github.com/ergomcp/ergomcp/internal/record"
)

// Response budgets, in bytes of JSON text. An agent pays for every byte
// of a result in tokens of its context: with Claude's tokenizer the table
// form of a list runs at about 2.0 bytes a token, records at 2.9 (see
// BENCHMARKS.md), so the budgets are set for the denser one.
const (
	// DefaultBudget (32 KB, about 16k tokens) leaves room in an agent's
	// context for several results and its own reasoning; lists beyond it
	// are better narrowed with filters or paged than read.
	DefaultBudget = 32_000
	// MaxBudget (48 KB, about 24k tokens) is the ceiling for
	// Options.ResponseBudget: Claude Code refuses a result over 25k tokens,
	// and no single answer deserves more of an agent's context.
	MaxBudget = 48_000
)

// Truncation reasons for a list's truncated_by.
const (
	ByLimit  = "limit"
	ByBudget = "response_budget"
)

// List is a list result before rendering. Items are encoded beforehand
// (record.Append) so that Encode can size prefixes without re-encoding.
//
// By default a list is written as a table: "columns" names the fields once,
// each item is a row (an array of values in column order), and "same" holds
// the fields whose value is the same in every row, once. Records restores
// one object per item.
type List struct {
	// Total is how many items matched, however many are returned.
	Total int
	// Items are the encoded items, best first, starting at rank 0 even
	// when Offset skips some; each must be a valid JSON object.
	Items []json.RawMessage
	// Offset skips that many items of Items: the caller asked for the rows
	// after the ones an earlier answer showed.
	Offset int
	// Truncated reports that the tool's limit cut the list (Total > Offset
	// + the items shown).
	Truncated bool
	// Next, when set, encodes the call that returns the rows from offset
	// on; it is written as "next" whenever the list was cut.
	Next func(offset int) json.RawMessage
	// Records asks for one JSON object per item instead of the table.
	Records bool
	// Unavailable maps field names the node cannot report to the reason
	// (e.g. "MailboxLatency": "needs ergo ≥ 3.3").
	Unavailable map[string]string
	// Extra fields (node, notes...) are written after the envelope and
	// before the items. Names must not repeat the envelope's keys.
	Extra []record.Field
	// ItemsKey names the items array; "items" when empty.
	ItemsKey string
}

// Encode renders the list in at most budget bytes (DefaultBudget when
// budget ≤ 0). Keys come in this order: total, returned, truncated,
// truncated_by (when truncated), offset (when not 0), next (when cut and
// Next is set), unavailable (when any), the extra fields, columns and same
// (the table form), then the items. When the whole list does not fit,
// Encode keeps the longest prefix of Items that does and reports
// truncated_by "response_budget", which wins over "limit" as it is what
// bounded this response. A budget too small for even an empty list is an
// error.
func (l *List) Encode(budget int) (string, error) {
	if budget <= 0 {
		budget = DefaultBudget
	}
	itemsKey := l.ItemsKey
	if itemsKey == "" {
		itemsKey = "items"
	}
	shown := l.Items[min(l.Offset, len(l.Items)):]
	rows := make([][]byte, len(shown))
	for i, it := range shown {
		rows[i] = it
	}
	var tableHead []byte
	if !l.Records {
		// Items that are not objects (names, numbers) have no columns: they
		// stay a plain array.
		if t, err := newTable(rows); err == nil {
			rows, tableHead = t.rows, t.header()
		}
	}
	// Everything between the envelope's head and the items is the same for
	// every prefix: encode it once.
	middle, err := l.middle(itemsKey, tableHead)
	if err != nil {
		return "", err
	}
	n := len(rows)
	// sizes[k] is the encoded size of the first k rows with their commas.
	sizes := make([]int, n+1)
	for i, it := range rows {
		sizes[i+1] = sizes[i] + len(it) + min(i, 1)
	}
	size := func(k int, by string) int {
		return len(l.head(k, by)) + len(middle) + sizes[k] + len("]}")
	}

	k, by := n, ""
	if l.Truncated {
		by = ByLimit
	}
	if size(n, by) > budget {
		// Sizes only grow with k once truncated_by is fixed, so the longest
		// prefix that fits is found by binary search.
		by = ByBudget
		k = sort.Search(n+1, func(k int) bool { return size(k, by) > budget }) - 1
		if k < 0 {
			return "", catalog.Errorf("the response budget of %d bytes cannot hold even an empty result (%d bytes); raise Options.ResponseBudget", budget, size(0, by))
		}
	}
	out := make([]byte, 0, size(k, by))
	out = append(out, l.head(k, by)...)
	out = append(out, middle...)
	for i, it := range rows[:k] {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, it...)
	}
	out = append(out, "]}"...)
	return string(out), nil
}

// head is the envelope up to and including the truncation fields and the
// next call.
func (l *List) head(returned int, truncatedBy string) []byte {
	b := strconv.AppendInt([]byte(`{"total":`), int64(l.Total), 10)
	b = append(b, `,"returned":`...)
	b = strconv.AppendInt(b, int64(returned), 10)
	if truncatedBy == "" {
		b = append(b, `,"truncated":false`...)
	} else {
		b = append(b, `,"truncated":true,"truncated_by":"`...)
		b = append(b, truncatedBy...)
		b = append(b, '"')
	}
	if l.Offset > 0 {
		b = append(b, `,"offset":`...)
		b = strconv.AppendInt(b, int64(l.Offset), 10)
	}
	if truncatedBy != "" && l.Next != nil {
		if next := l.Next(l.Offset + returned); len(next) > 0 {
			b = append(b, `,"next":`...)
			b = append(b, next...)
		}
	}
	return b
}

// middle is unavailable, the extra fields and the items key with its
// opening bracket.
func (l *List) middle(itemsKey string, tableHead []byte) ([]byte, error) {
	var b []byte
	var err error
	if len(l.Unavailable) > 0 {
		b = append(b, `,"unavailable":{`...)
		for i, k := range slices.Sorted(maps.Keys(l.Unavailable)) {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = record.AppendValue(b, k); err != nil {
				return nil, err
			}
			b = append(b, ':')
			if b, err = record.AppendValue(b, l.Unavailable[k]); err != nil {
				return nil, err
			}
		}
		b = append(b, '}')
	}
	// record.Append writes {"a":1,"b":2}; its inside is the fields we need.
	extra, err := record.Append(nil, nil, nil, l.Extra...)
	if err != nil {
		return nil, err
	}
	if inner := extra[1 : len(extra)-1]; len(inner) > 0 {
		b = append(append(b, ','), inner...)
	}
	b = append(b, ',')
	b = append(b, tableHead...)
	if b, err = record.AppendValue(b, itemsKey); err != nil {
		return nil, err
	}
	return append(b, ":["...), nil
}

// Object encodes a single value (a record, a map, a struct of results)
// within budget bytes (DefaultBudget when budget ≤ 0). A result over the
// budget is an error, as a cut object would mislead.
func Object(v any, budget int) (string, error) {
	if budget <= 0 {
		budget = DefaultBudget
	}
	b, err := record.AppendValue(nil, v)
	if err != nil {
		return "", err
	}
	if len(b) > budget {
		return "", catalog.Errorf("the result is %d bytes, over the response budget of %d bytes; narrow the request with the tool's arguments (a filter, a lower limit or depth) or raise Options.ResponseBudget", len(b), budget)
	}
	return string(b), nil
}
