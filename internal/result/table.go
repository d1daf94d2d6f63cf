package result

import (
	"bytes"
	"fmt"
)

// table is a list's items turned into columns and rows: each column name is
// written once instead of once per item, and a column whose value is the
// same in every row is written once beside the rows (same). Nothing is lost:
// a reader rebuilds every item from columns, same and its row. A row that
// lacks a column (an item without that field) holds null there.
type table struct {
	columns [][]byte // encoded column names, first-seen order
	same    [][]byte // encoded "name":value pairs of the constant columns
	rows    [][]byte // encoded rows, [v1,v2,...]
}

// newTable splits items, each a JSON object, into a table. Constant columns
// are found over all items, so they stay constant for any prefix of rows.
func newTable(items [][]byte) (*table, error) {
	t := &table{}
	index := map[string]int{} // encoded name → column
	cells := make([][][]byte, len(items))
	for i, it := range items {
		pairs, err := splitObject(it)
		if err != nil {
			return nil, fmt.Errorf("list item %d: %w", i, err)
		}
		row := make([][]byte, len(t.columns), len(t.columns)+len(pairs)/2)
		for p := 0; p < len(pairs); p += 2 {
			c, ok := index[string(pairs[p])]
			if !ok {
				c = len(t.columns)
				index[string(pairs[p])] = c
				t.columns = append(t.columns, pairs[p])
			}
			for len(row) <= c {
				row = append(row, nil)
			}
			row[c] = pairs[p+1]
		}
		cells[i] = row
	}
	constant := make([]bool, len(t.columns))
	if len(items) > 1 {
		for c := range t.columns {
			constant[c] = true
			first := cell(cells[0], c)
			for _, row := range cells[1:] {
				if v := cell(row, c); first == nil || v == nil || !bytes.Equal(v, first) {
					constant[c] = false
					break
				}
			}
		}
	}
	var kept [][]byte
	for c, name := range t.columns {
		if constant[c] {
			pair := append(append(append([]byte(nil), name...), ':'), cells[0][c]...)
			t.same = append(t.same, pair)
		} else {
			kept = append(kept, name)
		}
	}
	t.rows = make([][]byte, len(items))
	for i, row := range cells {
		b := []byte{'['}
		n := 0
		for c := range t.columns {
			if constant[c] {
				continue
			}
			if n > 0 {
				b = append(b, ',')
			}
			n++
			if v := cell(row, c); v != nil {
				b = append(b, v...)
			} else {
				b = append(b, "null"...)
			}
		}
		t.rows[i] = append(b, ']')
	}
	t.columns = kept
	return t, nil
}

func cell(row [][]byte, c int) []byte {
	if c < len(row) {
		return row[c]
	}
	return nil
}

// header is `"columns":[...],"same":{...},` (same only when any).
func (t *table) header() []byte {
	b := []byte(`"columns":[`)
	b = append(b, bytes.Join(t.columns, []byte{','})...)
	b = append(b, ']')
	if len(t.same) > 0 {
		b = append(b, `,"same":{`...)
		b = append(b, bytes.Join(t.same, []byte{','})...)
		b = append(b, '}')
	}
	return append(b, ',')
}

// splitObject returns the top-level keys and values of the JSON object b
// as alternating encoded slices of b: key (with quotes), value, key, ...
// b must be valid JSON, as record.Append writes it.
func splitObject(b []byte) ([][]byte, error) {
	var out [][]byte
	err := members(b, '{', '}', func(i int) (int, error) {
		if b[i] != '"' {
			return 0, fmt.Errorf("expected a key at byte %d", i)
		}
		end, err := valueEnd(b, i)
		if err != nil {
			return 0, err
		}
		key := b[i:end]
		i = skipSpace(b, end)
		if i >= len(b) || b[i] != ':' {
			return 0, fmt.Errorf("expected ':' at byte %d", i)
		}
		i = skipSpace(b, i+1)
		end, err = valueEnd(b, i)
		if err != nil {
			return 0, err
		}
		out = append(out, key, b[i:end])
		return end, nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// splitArray returns the elements of the JSON array b.
func splitArray(b []byte) ([][]byte, error) {
	var out [][]byte
	err := members(b, '[', ']', func(i int) (int, error) {
		end, err := valueEnd(b, i)
		if err == nil {
			out = append(out, b[i:end])
		}
		return end, err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// members walks the comma-separated members of the JSON object or array
// b, which opens with open and closes with close: member reads the one
// that starts at b[i] and returns the index just past it.
func members(b []byte, open, close byte, member func(i int) (int, error)) error {
	what := "array"
	if open == '{' {
		what = "object"
	}
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != open {
		return fmt.Errorf("not a JSON %s", what)
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == close {
		return nil
	}
	for i < len(b) {
		end, err := member(i)
		if err != nil {
			return err
		}
		i = skipSpace(b, end)
		if i >= len(b) {
			break
		}
		switch b[i] {
		case ',':
			i = skipSpace(b, i+1)
		case close:
			return nil
		default:
			return fmt.Errorf("unexpected %q at byte %d", b[i], i)
		}
	}
	return fmt.Errorf("unterminated %s", what)
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// valueEnd returns the index just past the JSON value starting at b[i].
func valueEnd(b []byte, i int) (int, error) {
	if i >= len(b) {
		return 0, fmt.Errorf("value expected at end")
	}
	switch b[i] {
	case '"':
		for j := i + 1; j < len(b); j++ {
			switch b[j] {
			case '\\':
				j++
			case '"':
				return j + 1, nil
			}
		}
		return 0, fmt.Errorf("unterminated string")
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				end, err := valueEnd(b, j)
				if err != nil {
					return 0, err
				}
				j = end - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1, nil
				}
			}
		}
		return 0, fmt.Errorf("unterminated value")
	}
	j := i
	for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ']' && b[j] != ' ' && b[j] != '\n' && b[j] != '\t' && b[j] != '\r' {
		j++
	}
	if j == i {
		return 0, fmt.Errorf("value expected at byte %d", i)
	}
	return j, nil
}

// Expand rewrites every table-form list inside the JSON value b (at any
// depth: fan-out answers nest one list per node) into the records form:
// one object per row with the same fields (same included) in column
// order. Anything else is copied as it is. Readers that want objects
// (tests, the terminal client) decode through it.
func Expand(b []byte) ([]byte, error) {
	i := skipSpace(b, 0)
	if i >= len(b) {
		return nil, fmt.Errorf("empty JSON")
	}
	switch b[i] {
	case '[':
		elems, err := splitArray(b[i:])
		if err != nil {
			return nil, err
		}
		out := []byte{'['}
		for j, e := range elems {
			x, err := Expand(e)
			if err != nil {
				return nil, err
			}
			if j > 0 {
				out = append(out, ',')
			}
			out = append(out, x...)
		}
		return append(out, ']'), nil
	case '{':
	default:
		return b, nil
	}
	pairs, err := splitObject(b[i:])
	if err != nil {
		return nil, err
	}
	var columns, same []byte
	for p := 0; p < len(pairs); p += 2 {
		switch string(pairs[p]) {
		case `"columns"`:
			columns = pairs[p+1]
		case `"same"`:
			same = pairs[p+1]
		}
	}
	out := []byte{'{'}
	n := 0
	for p := 0; p < len(pairs); p += 2 {
		key, val := pairs[p], pairs[p+1]
		last := p == len(pairs)-2
		if columns != nil && (string(key) == `"columns"` || string(key) == `"same"`) {
			continue
		}
		var x []byte
		if columns != nil && last {
			// The items come last in a table-form list.
			x, err = expandRows(columns, same, val)
		} else {
			x, err = Expand(val)
		}
		if err != nil {
			return nil, err
		}
		if n > 0 {
			out = append(out, ',')
		}
		n++
		out = append(append(append(out, key...), ':'), x...)
	}
	return append(out, '}'), nil
}

func expandRows(columns, same, rows []byte) ([]byte, error) {
	names, err := splitArray(columns)
	if err != nil {
		return nil, fmt.Errorf("columns: %w", err)
	}
	var samePairs [][]byte
	if same != nil {
		if samePairs, err = splitObject(same); err != nil {
			return nil, fmt.Errorf("same: %w", err)
		}
	}
	list, err := splitArray(rows)
	if err != nil {
		return nil, fmt.Errorf("rows: %w", err)
	}
	out := []byte{'['}
	for r, row := range list {
		cells, err := splitArray(row)
		if err != nil {
			return nil, fmt.Errorf("row %d: %w", r, err)
		}
		if len(cells) != len(names) {
			return nil, fmt.Errorf("row %d has %d cells for %d columns", r, len(cells), len(names))
		}
		if r > 0 {
			out = append(out, ',')
		}
		out = append(out, '{')
		n := 0
		for c, name := range names {
			if string(cells[c]) == "null" {
				continue // the row had no such field
			}
			if n > 0 {
				out = append(out, ',')
			}
			n++
			out = append(append(append(out, name...), ':'), cells[c]...)
		}
		for p := 0; p < len(samePairs); p += 2 {
			if n > 0 {
				out = append(out, ',')
			}
			n++
			out = append(append(append(out, samePairs[p]...), ':'), samePairs[p+1]...)
		}
		out = append(out, '}')
	}
	return append(out, ']'), nil
}
