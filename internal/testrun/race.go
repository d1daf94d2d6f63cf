package main

import (
	"strings"
)

const raceStart = "WARNING: DATA RACE"
const raceRule = "=================="

// excusable decides whether a failed test's output shows only races inside
// ergo. It returns one "a ↔ b" description per race report. A test with no
// race report is never excusable unless a subtest was (its parent fails
// with it).
func excusable(text, allowed string, excusedChild bool) ([]string, bool) {
	reports, rest := splitRaces(text)
	var pairs []string
	for _, r := range reports {
		tops := accessTops(r, allowed)
		if !ergoPair(tops, allowed) {
			return nil, false
		}
		pairs = append(pairs, strings.Join(tops, " ↔ "))
	}
	if len(pairs) == 0 && !excusedChild {
		return nil, false
	}
	for _, line := range rest {
		if !harmlessTestLine(line) {
			return nil, false
		}
	}
	return pairs, true
}

// harmlessTestLine accepts the lines testing prints around a test that
// failed only because the race detector fired.
func harmlessTestLine(line string) bool {
	t := strings.TrimSpace(line)
	switch {
	case t == "":
		return true
	case strings.HasPrefix(t, "=== RUN"), strings.HasPrefix(t, "=== PAUSE"), strings.HasPrefix(t, "=== CONT"), strings.HasPrefix(t, "=== NAME"):
		return true
	case strings.HasPrefix(t, "--- FAIL:"), strings.HasPrefix(t, "--- PASS:"), strings.HasPrefix(t, "--- SKIP:"):
		return true
	case strings.HasPrefix(t, "testing.go:") && strings.HasSuffix(t, ": race detected during execution of test"):
		return true
	}
	return false
}

// ergoPair reports whether a race's accesses are all ergo's: each made by
// ergo's code, or lost (lostAtomic) while at least one other is ergo's.
func ergoPair(tops []string, allowed string) bool {
	if len(tops) < 2 {
		return false
	}
	ergo := 0
	for _, top := range tops {
		switch {
		case strings.HasPrefix(top, allowed):
			ergo++
		case top == lostAtomic:
			// The detector kept only the atomic frames of this access (a
			// timer goroutine's counter update), or an atomic right under a
			// frame of ours (see accessTops): it names no code of ours, and
			// the other access says whose memory it is.
		default:
			return false
		}
	}
	return ergo > 0
}

// packageOutputExcusable accepts a package's closing lines when its only
// failures were excused tests: the FAIL lines, the exit status, and race
// reports inside ergo printed outside any test.
func packageOutputExcusable(text, allowed string) bool {
	reports, rest := splitRaces(text)
	for _, r := range reports {
		if !ergoPair(accessTops(r, allowed), allowed) {
			return false
		}
	}
	for _, line := range rest {
		t := strings.TrimSpace(line)
		switch {
		case t == "", t == "FAIL", t == "PASS", strings.HasPrefix(t, "FAIL\t"), strings.HasPrefix(t, "exit status "):
		default:
			return false
		}
	}
	return true
}

// splitRaces separates race reports from the other lines of text.
func splitRaces(text string) (reports [][]string, rest []string) {
	lines := strings.Split(text, "\n")
	for i := 0; i < len(lines); i++ {
		if strings.TrimSpace(lines[i]) != raceStart {
			if strings.TrimSpace(lines[i]) != raceRule {
				rest = append(rest, lines[i])
			}
			continue
		}
		var r []string
		for i++; i < len(lines) && strings.TrimSpace(lines[i]) != raceRule; i++ {
			r = append(r, lines[i])
		}
		reports = append(reports, r)
	}
	return reports, rest
}

// accessTops returns, for each access of a race report ("Write at ...",
// "Previous read at ..."), the first function of its stack that is not Go's
// runtime or sync machinery: the code that made the access.
func accessTops(report []string, allowedPrefix string) []string {
	var tops []string
	inAccess, found, atomicOnly, atomicFunc := false, false, false, false
	unknown := func() string {
		if atomicOnly {
			return lostAtomic
		}
		return "?"
	}
	for _, line := range report {
		switch {
		case isAccessHeader(line):
			if inAccess && !found {
				tops = append(tops, unknown())
			}
			inAccess, found, atomicOnly, atomicFunc = true, false, false, false
		case strings.HasPrefix(line, "Goroutine "):
			if inAccess && !found {
				tops = append(tops, unknown())
			}
			inAccess = false
		case inAccess && !found && strings.HasPrefix(line, "  ") && !strings.HasPrefix(line, "    "):
			fn := strings.TrimSpace(line)
			if strings.HasPrefix(fn, "sync/atomic.") {
				atomicOnly = true
				atomicFunc = atomicFunc || !strings.HasPrefix(fn, "sync/atomic.(")
			}
			if fn == "" || machinery(fn) {
				continue
			}
			if i := strings.LastIndex(fn, "("); i > 0 && strings.HasSuffix(fn, ")") {
				fn = fn[:i]
			}
			if atomicFunc && !strings.HasPrefix(fn, allowedPrefix) {
				// ergomcp's code uses only the typed atomics (atomic.Int32
				// and the like), never the function forms such as
				// atomic.LoadUint64 that ergo uses on its counters: a
				// function-form atomic right under a frame of ours is an
				// ergo call (ProcessInfo) whose frame the detector lost.
				fn = lostAtomic
			}
			tops = append(tops, fn)
			found = true
		}
	}
	if inAccess && !found {
		tops = append(tops, unknown())
	}
	return tops
}

// lostAtomic stands for an access whose stack shows only sync/atomic.
const lostAtomic = "?atomic"

func isAccessHeader(line string) bool {
	l := strings.TrimPrefix(line, "Previous ")
	l = strings.TrimPrefix(strings.TrimPrefix(l, "atomic "), "Atomic ")
	return (strings.HasPrefix(l, "read at ") || strings.HasPrefix(l, "write at ") ||
		strings.HasPrefix(l, "Read at ") || strings.HasPrefix(l, "Write at ")) && strings.Contains(l, " by ")
}

// machinery is code that performs an access on behalf of its caller.
func machinery(fn string) bool {
	for _, p := range []string{"runtime.", "sync/atomic.", "sync.", "internal/", "reflect.", "<autogenerated>"} {
		if strings.HasPrefix(fn, p) {
			return true
		}
	}
	return false
}
