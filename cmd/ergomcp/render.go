package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"unicode/utf8"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/ergomcp/ergomcp/internal/result"
)

// object is a decoded JSON object that keeps its keys in order: ergomcp
// writes the envelope (total, returned, truncated) first and the record
// fields in Ergo's order, and a table should show them the same way.
type object []field

type field struct {
	key   string
	value any
}

// decodeOrdered decodes one JSON value into object, []any, string,
// json.Number, bool or nil.
func decodeOrdered(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return tok, nil
	}
	switch d {
	case '{':
		obj := object{}
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return nil, err
			}
			v, err := decodeOrdered(dec)
			if err != nil {
				return nil, err
			}
			obj = append(obj, field{k.(string), v})
		}
		_, err = dec.Token()
		return obj, err
	case '[':
		arr := []any{}
		for dec.More() {
			v, err := decodeOrdered(dec)
			if err != nil {
				return nil, err
			}
			arr = append(arr, v)
		}
		_, err = dec.Token()
		return arr, err
	}
	return nil, fmt.Errorf("unexpected %v", d)
}

func parseOrdered(text string) (any, error) {
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	v, err := decodeOrdered(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("trailing data after the JSON value")
	}
	return v, nil
}

// writeJSON prints a result as indented JSON, or as is when it is not
// JSON (a tool may answer in text).
func writeJSON(w io.Writer, text string) error {
	var buf bytes.Buffer
	if err := json.Indent(&buf, []byte(text), "", "  "); err != nil {
		_, err = fmt.Fprintln(w, text)
		return err
	}
	buf.WriteByte('\n')
	_, err := buf.WriteTo(w)
	return err
}

// writeResult prints a result for a person: objects as "key: value" lines,
// arrays of objects as tables with every column. Text that is not JSON is
// printed as is.
func writeResult(w io.Writer, text string) error {
	// Lists arrive as columns and rows (see compact.go); a person reads
	// them as one table row per record either way.
	if expanded, err := result.Expand([]byte(text)); err == nil {
		text = string(expanded)
	}
	v, err := parseOrdered(text)
	if err != nil {
		_, err = fmt.Fprintln(w, text)
		return err
	}
	r := &renderer{w: w}
	switch v := v.(type) {
	case object:
		r.object(v, "")
	case []any:
		r.array("", v, "")
	default:
		r.printf("%s\n", scalarText(v))
	}
	r.flush()
	return r.err
}

// renderer writes "key: value" lines through a tabwriter, so that the
// values of consecutive lines line up, and tables in between.
type renderer struct {
	w     io.Writer
	lines *tabwriter.Writer // pending key: value block
	blank bool              // a table was printed; separate what follows
	some  bool              // anything was printed
	err   error
}

func (r *renderer) printf(format string, a ...any) {
	if r.err != nil {
		return
	}
	var w io.Writer = r.w
	if r.lines != nil {
		w = r.lines
	}
	_, r.err = fmt.Fprintf(w, format, a...)
}

// line prints one "key: value" line in the current aligned block.
func (r *renderer) line(indent, key, value string) {
	if r.blank {
		r.printf("\n")
		r.blank = false
	}
	r.some = true
	if r.lines == nil {
		r.lines = tabwriter.NewWriter(r.w, 0, 0, 1, ' ', 0)
	}
	r.printf("%s%s:\t%s\n", indent, key, value)
}

// header prints "key:" above a nested block or a table; a tab would pad it
// with spaces.
func (r *renderer) header(indent, key string) {
	if r.blank {
		r.printf("\n")
		r.blank = false
	}
	r.some = true
	r.printf("%s%s:\n", indent, key)
}

// flush ends the aligned block; a nested block or a table aligns on its own.
func (r *renderer) flush() {
	if r.lines != nil {
		if err := r.lines.Flush(); err != nil && r.err == nil {
			r.err = err
		}
		r.lines = nil
	}
}

func (r *renderer) object(obj object, indent string) {
	for _, f := range obj {
		switch v := f.value.(type) {
		case object:
			if len(v) == 0 {
				r.line(indent, f.key, "{}")
				continue
			}
			r.header(indent, f.key)
			r.flush()
			r.object(v, indent+"  ")
			r.flush()
		case []any:
			r.array(f.key, v, indent)
		case string:
			if strings.Contains(strings.TrimRight(v, "\n"), "\n") {
				// Stacks, profiles, state dumps: a block reads, an escaped
				// one-liner does not.
				r.header(indent, f.key)
				r.flush()
				for l := range strings.Lines(strings.TrimRight(v, "\n")) {
					if strings.TrimSpace(l) == "" {
						r.printf("\n")
						continue
					}
					r.printf("%s  %s", indent, l)
				}
				r.printf("\n")
				continue
			}
			r.line(indent, f.key, scalarText(v))
		default:
			r.line(indent, f.key, scalarText(v))
		}
	}
}

// array prints an array of objects as a table, an array of scalars on one
// line, anything else one compact JSON value per line.
func (r *renderer) array(key string, arr []any, indent string) {
	label := func(value string) {
		switch {
		case key == "":
		case value == "":
			r.header(indent, key)
		default:
			r.line(indent, key, value)
		}
	}
	switch {
	case len(arr) == 0:
		label("(none)")
	case all(arr, isObject):
		r.blank = r.some // a table stands apart from the lines above it
		label("")
		r.flush()
		if key != "" {
			indent += "  "
		}
		r.table(arr, indent)
		r.blank = true
	case all(arr, isScalar):
		parts := make([]string, len(arr))
		for i, v := range arr {
			parts[i] = scalarText(v)
		}
		label(strings.Join(parts, ", "))
	default:
		label("")
		r.flush()
		for _, v := range arr {
			r.printf("%s  - %s\n", indent, compactJSON(v))
		}
	}
}

// table prints rows under the union of their keys, in the order they first
// appear: records of different ergo versions or kinds may differ, and a
// column nobody asked to drop must not vanish.
func (r *renderer) table(rows []any, indent string) {
	var cols []string
	seen := map[string]bool{}
	for _, row := range rows {
		for _, f := range row.(object) {
			if !seen[f.key] {
				seen[f.key] = true
				cols = append(cols, f.key)
			}
		}
	}
	tw := tabwriter.NewWriter(r.w, 0, 0, 2, ' ', 0)
	cells := make([]string, len(cols))
	writeRow := func() {
		if r.err == nil {
			_, r.err = fmt.Fprintf(tw, "%s%s\n", indent, strings.Join(cells, "\t"))
		}
	}
	copy(cells, cols)
	writeRow()
	for _, row := range rows {
		for i, c := range cols {
			cells[i] = "-"
			for _, f := range row.(object) {
				if f.key == c {
					cells[i] = cellText(f.value)
					break
				}
			}
		}
		writeRow()
	}
	if err := tw.Flush(); err != nil && r.err == nil {
		r.err = err
	}
}

func all(arr []any, pred func(any) bool) bool {
	for _, v := range arr {
		if !pred(v) {
			return false
		}
	}
	return true
}

func isObject(v any) bool { _, ok := v.(object); return ok }

func isScalar(v any) bool {
	switch v.(type) {
	case object, []any:
		return false
	}
	return true
}

// cellText is one table cell, on one line and whole: an evidence or
// next-step text cut in the middle misleads more than a wide table.
func cellText(v any) string {
	var s string
	if isScalar(v) {
		s = scalarText(v)
	} else {
		s = compactJSON(v)
	}
	return strings.Join(strings.Fields(s), " ")
}

func scalarText(v any) string {
	switch v := v.(type) {
	case nil:
		return "-"
	case string:
		if v == "" {
			return `""` // an empty value, not a missing one
		}
		return v
	case json.Number:
		return numberText(v)
	case bool:
		return strconv.FormatBool(v)
	}
	return fmt.Sprint(v)
}

// numberText keeps integers exact and shortens fractions to four
// significant digits: 2.762e-09 reads, 2.762295081967213e-9 does not, and
// --json has every digit.
func numberText(n json.Number) string {
	s := n.String()
	if !strings.ContainsAny(s, ".eE") {
		return s
	}
	f, err := n.Float64()
	if err != nil {
		return s
	}
	return strconv.FormatFloat(f, 'g', 4, 64)
}

// compactJSON re-encodes a decoded value, keys in their original order.
func compactJSON(v any) string {
	var b strings.Builder
	var enc func(any)
	enc = func(v any) {
		switch v := v.(type) {
		case object:
			b.WriteByte('{')
			for i, f := range v {
				if i > 0 {
					b.WriteByte(',')
				}
				b.WriteString(plainJSON(f.key))
				b.WriteByte(':')
				enc(f.value)
			}
			b.WriteByte('}')
		case []any:
			b.WriteByte('[')
			for i, e := range v {
				if i > 0 {
					b.WriteByte(',')
				}
				enc(e)
			}
			b.WriteByte(']')
		default:
			b.WriteString(plainJSON(v))
		}
	}
	enc(v)
	return b.String()
}

// plainJSON encodes a scalar without HTML escapes: a person reads
// <90A29F11.0.1017>, not \u003c90A29F11.0.1017\u003e.
func plainJSON(v any) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // strings, json.Number, bool, nil cannot fail
	return strings.TrimSuffix(b.String(), "\n")
}

// writeToolTable lists tools: name, what they may do, and one line on what
// they answer.
func writeToolTable(w io.Writer, tools []*mcp.Tool) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TOOL\tKIND\tTITLE")
	for _, t := range tools {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", t.Name, toolKind(t), summary(t))
	}
	tw.Flush()
}

// toolKind reads the MCP annotations ergomcp sets: read-only tools observe,
// destructive ones (mutating and action tools) change the node and run only
// where the operator enabled actions.
func toolKind(t *mcp.Tool) string {
	a := t.Annotations
	switch {
	case a == nil:
		return "-"
	case a.ReadOnlyHint:
		return "read-only"
	case a.DestructiveHint == nil || *a.DestructiveHint:
		// The MCP default for a tool that is not read-only is destructive.
		return "destructive"
	}
	return "write"
}

// summary is a tool's title (ergomcp gives every tool a short one), or
// else the first sentence of its description.
func summary(t *mcp.Tool) string {
	s := t.Title
	if s == "" && t.Annotations != nil {
		s = t.Annotations.Title
	}
	if s == "" {
		s = strings.Join(strings.Fields(t.Description), " ")
		if i := strings.Index(s, ". "); i >= 0 {
			s = s[:i+1]
		}
	}
	if utf8.RuneCountInString(s) > 90 {
		s = string([]rune(s)[:89]) + "…"
	}
	return s
}

// writeToolHelp shows one tool: its description and an argument table.
func writeToolHelp(w io.Writer, t *mcp.Tool, s *jsonschema.Schema) {
	fmt.Fprintf(w, "%s (%s)", t.Name, toolKind(t))
	if title := t.Title; title != "" {
		fmt.Fprintf(w, ": %s", title)
	}
	fmt.Fprintln(w)
	for _, l := range wrap(t.Description, 78) {
		fmt.Fprintf(w, "  %s\n", l)
	}
	names := argNames(s)
	if len(names) == 0 {
		fmt.Fprintln(w, "\nNo arguments.")
		return
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ARGUMENT\tTYPE\tDESCRIPTION")
	for _, name := range names {
		prop := s.Properties[name]
		typ := schemaType(prop)
		if typ == "array" {
			typ = "[]" + schemaType(prop.Items)
		}
		desc := prop.Description
		enum := prop.Enum
		if prop.Items != nil && len(prop.Items.Enum) > 0 {
			enum = prop.Items.Enum
		}
		if len(enum) > 0 {
			if desc != "" && !strings.HasSuffix(desc, ".") {
				desc += "."
			}
			desc = strings.TrimSpace(desc + " One of: " + enumText(enum) + ".")
		}
		// Long descriptions wrap under their own column, not under the name.
		lines := wrap(desc, 70)
		if len(lines) == 0 {
			lines = []string{""}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", name, typ, lines[0])
		for _, l := range lines[1:] {
			fmt.Fprintf(tw, "\t\t%s\n", l)
		}
	}
	tw.Flush()
}

// wrap breaks text into lines of at most width runes at spaces.
func wrap(text string, width int) []string {
	var lines []string
	var cur strings.Builder
	for _, word := range strings.Fields(text) {
		if cur.Len() > 0 && utf8.RuneCountInString(cur.String())+1+utf8.RuneCountInString(word) > width {
			lines = append(lines, cur.String())
			cur.Reset()
		}
		if cur.Len() > 0 {
			cur.WriteByte(' ')
		}
		cur.WriteString(word)
	}
	if cur.Len() > 0 {
		lines = append(lines, cur.String())
	}
	return lines
}
