package profiles

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/google/pprof/profile"

	"github.com/ergomcp/ergomcp/internal/catalog"
)

// frame is one source-level frame of a sample's stack. A Location holds
// several Lines when calls were inlined; each becomes its own frame so that
// filters and tops see inlined functions, which is what a reader of the
// source expects.
type frame struct {
	Func string
	File string
	Line int64
}

// stackFrames returns the frames of s, leaf first. Within a Location the
// proto stores the innermost inlined call first and the physical caller
// last, so that order is kept.
func stackFrames(s *profile.Sample) []frame {
	var out []frame
	for _, loc := range s.Location {
		if len(loc.Line) == 0 {
			// Unsymbolized: the address is all there is to show.
			out = append(out, frame{Func: fmt.Sprintf("0x%x", loc.Address)})
			continue
		}
		for _, ln := range loc.Line {
			f := frame{Line: ln.Line}
			if ln.Function != nil {
				f.Func, f.File = ln.Function.Name, ln.Function.Filename
			}
			if f.Func == "" {
				f.Func = fmt.Sprintf("0x%x", loc.Address)
			}
			out = append(out, f)
		}
	}
	return out
}

// formatLabels renders the string labels of s as {k="v", ...} with sorted
// keys so identical label sets always print (and group) identically. It
// returns "" when s has no labels.
func formatLabels(s *profile.Sample) string {
	if len(s.Label) == 0 {
		return ""
	}
	keys := make([]string, 0, len(s.Label))
	for k := range s.Label {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(strconv.Quote(strings.Join(s.Label[k], ",")))
	}
	b.WriteByte('}')
	return b.String()
}

// checkLimit applies the rule's default for an unset (zero) limit and
// rejects values outside it, with the decoder's text.
func checkLimit(limit *int, rule catalog.ArgRule) error {
	if *limit == 0 {
		*limit = rule.DefaultInt()
	}
	return rule.Check("limit", float64(*limit))
}

// keep reports whether text passes a substring include filter and a
// substring exclude filter; empty strings disable either side.
func keep(text, filter, exclude string) bool {
	if filter != "" && !strings.Contains(text, filter) {
		return false
	}
	return exclude == "" || !strings.Contains(text, exclude)
}
