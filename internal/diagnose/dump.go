package diagnose

import (
	"bufio"
	"io"
	"slices"
	"strings"
)

// dumpFrames bounds the frames of a goroutine that group it.
const dumpFrames = 8

// ParseGoroutineDump reads a goroutine dump in the debug=2 text format
// (runtime/pprof's "goroutine" profile) and groups the goroutines by
// stack (function names, leaf first, at most dumpFrames) and creator.
// Count is set; groups are in order of first appearance, at most
// MaxStacks (later distinct groups are dropped).
func ParseGoroutineDump(r io.Reader) []GoGroup {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	index := map[string]int{}
	var out []GoGroup
	var cur *GoGroup
	flush := func() {
		if cur == nil {
			return
		}
		k := groupKeyOf(cur)
		if i, ok := index[k]; ok {
			out[i].Count++
		} else if len(out) < MaxStacks {
			cur.Count = 1
			index[k] = len(out)
			out = append(out, *cur)
		}
		cur = nil
	}
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "goroutine "):
			flush()
			cur = &GoGroup{State: dumpState(line)}
		case cur == nil || line == "" || strings.HasPrefix(line, "\t"):
			// file:line of the frame above, or between goroutines
		case strings.HasPrefix(line, "created by "):
			fn := strings.TrimPrefix(line, "created by ")
			if i := strings.Index(fn, " in goroutine "); i >= 0 {
				fn = fn[:i]
			}
			cur.CreatedBy = fn
		case strings.HasPrefix(line, "...additional frames elided..."):
		default:
			if len(cur.Funcs) < dumpFrames {
				cur.Funcs = append(cur.Funcs, funcName(line))
			}
		}
	}
	flush()
	return out
}

// dumpState is "chan receive" out of "goroutine 7 [chan receive, 3 minutes]:".
func dumpState(header string) string {
	i, j := strings.IndexByte(header, '['), strings.LastIndexByte(header, ']')
	if i < 0 || j < i {
		return ""
	}
	s, _, _ := strings.Cut(header[i+1:j], ",")
	return s
}

// funcName strips a frame line's arguments: "pkg.(*T).M(0x1, ...)" → "pkg.(*T).M".
func funcName(line string) string {
	if i := strings.LastIndexByte(line, '('); i > 0 && strings.HasSuffix(line, ")") {
		return line[:i]
	}
	return line
}

func groupKeyOf(g *GoGroup) string {
	return strings.Join(g.Funcs, "\n") + "\ncreated by " + g.CreatedBy + "\n" + g.State
}

// MergeGoGroups sets, on each group of after, CountBefore from the same
// group of before, and sorts after by Count, largest first.
func MergeGoGroups(before, after []GoGroup) []GoGroup {
	prev := make(map[string]int, len(before))
	for i := range before {
		prev[groupKeyOf(&before[i])] += before[i].Count
	}
	out := slices.Clone(after)
	for i := range out {
		out[i].CountBefore = prev[groupKeyOf(&out[i])]
	}
	slices.SortStableFunc(out, func(a, b GoGroup) int { return b.Count - a.Count })
	return out
}
