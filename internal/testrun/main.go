// Command testrun reads `go test -json` output, prints it the way go test
// does, and ends with a "N passed, N failed, N skipped" line.
//
// It exists for one judgement go test cannot make: ergo (3.1, 3.2) updates
// its per-process statistics (running time, message counters) and some
// application state without synchronisation, by design, and reads them the
// same way in ProcessInfo and ProcessListShortInfo. Under -race, a
// diagnostics tool that lists processes while they run makes the race
// detector report those accesses, and testing fails whichever test was
// running. testrun excuses such a failure only when every race report in the
// test is between two accesses made by ergo's own code (the first frame of
// each access that is not the Go runtime lies in ergo.services/) and the
// test printed nothing else that signals a failure. (The race detector at
// times loses the ergo frame of an access: it keeps only the sync/atomic
// frames of a counter update on a timer goroutine, or shows ergo's
// atomic.LoadUint64 in ProcessInfo right under our frame that called
// ProcessInfo. ergomcp's code never uses function-form atomics, a test
// keeps it so, so such an access is ergo's and is excused when the other
// access is ergo's too.) Any race with an access
// from ergomcp's code, any other failure line, a panic or a build failure
// still fails the run. Excused races are listed, never hidden.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

func main() {
	sum, err := run(os.Stdin, os.Stdout, "ergo.services/")
	if err != nil {
		fmt.Fprintln(os.Stderr, "testrun:", err)
		os.Exit(2)
	}
	if sum.failed > 0 || sum.brokenPackages > 0 {
		os.Exit(1)
	}
	if sum.passed == 0 {
		fmt.Fprintln(os.Stdout, "testrun: no test ran")
		os.Exit(1)
	}
}

// event is one line of `go test -json` (cmd/test2json).
type event struct {
	Action  string
	Package string
	Test    string
	Output  string
	Elapsed float64
	// FailedBuild names the package whose build failed, on a package's
	// "fail" when its test binary could not be built.
	FailedBuild string
}

type summary struct {
	passed, failed, skipped, excused int
	brokenPackages                   int
	// excusedPairs counts the distinct ergo-internal race pairs seen.
	excusedPairs map[string]int
}

type testKey struct{ pkg, test string }

// run consumes the event stream and writes the human report.
func run(in io.Reader, out io.Writer, allowed string) (*summary, error) {
	sum := &summary{excusedPairs: map[string]int{}}
	outputs := map[testKey]*strings.Builder{}
	excusedIn := map[testKey]bool{} // failed tests judged ergo-only
	excusedPkg := map[string]bool{} // packages with such a test
	realFailIn := map[string]bool{} // package has a failure not excused
	running := map[testKey]bool{}   // tests started and not ended
	// A subtest can fail with "race detected" while the report itself lands
	// in its parent's output (test2json gives the detector's text to the
	// test it last named). Such a subtest waits here for its parent: it is
	// excused with a parent excused for race reports of its own, else fails.
	pending := map[testKey]string{}
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var e event
		if err := json.Unmarshal(line, &e); err != nil {
			// go test prints build errors and the like as plain text.
			fmt.Fprintf(out, "%s\n", line)
			continue
		}
		k := testKey{e.Package, e.Test}
		switch e.Action {
		case "run":
			running[k] = true
		case "output", "build-output":
			b := outputs[k]
			if b == nil {
				b = &strings.Builder{}
				outputs[k] = b
			}
			b.WriteString(e.Output)
		case "pass":
			delete(running, k)
			if e.Test != "" {
				sum.passed++
			} else {
				fmt.Fprintf(out, "ok  \t%s\t%.3fs\n", e.Package, e.Elapsed)
			}
			delete(outputs, k)
		case "skip":
			delete(running, k)
			if e.Test != "" {
				sum.skipped++
			} else {
				fmt.Fprintf(out, "?   \t%s\t[no test files]\n", e.Package)
			}
			delete(outputs, k)
		case "fail", "build-fail":
			text := ""
			if b := outputs[k]; b != nil {
				text = b.String()
			}
			delete(outputs, k)
			delete(running, k)
			if e.Test == "" {
				for pk, ptext := range pending {
					if pk.pkg == e.Package {
						delete(pending, pk)
						sum.failed++
						realFailIn[e.Package] = true
						fmt.Fprint(out, ptext)
					}
				}
			}
			if e.Test == "" && unfinished(running, outputs, e.Package, out) {
				// A test that never ended (the binary panicked or timed out
				// inside it) failed, whatever the rest looked like.
				sum.failed++
				realFailIn[e.Package] = true
			}
			if e.Test == "" {
				// A package failure is excused only as the echo of its excused
				// tests: never when it did not build or excused nothing.
				if e.Action == "build-fail" || e.FailedBuild != "" || !excusedPkg[e.Package] ||
					!packageOutputExcusable(text, allowed) || realFailIn[e.Package] {
					sum.brokenPackages++
					fmt.Fprintf(out, "%sFAIL\t%s\n", text, e.Package)
					continue
				}
				fmt.Fprintf(out, "ok  \t%s\t%.3fs (failures excused: races inside ergo only)\n", e.Package, e.Elapsed)
				continue
			}
			if strings.Contains(e.Test, "/") && reportless(text) {
				pending[k] = text
				continue
			}
			waiting := pendingChildren(pending, e.Package, e.Test)
			pairs, ok := excusable(text, allowed, hasExcusedChild(excusedIn, e.Package, e.Test) || len(waiting) > 0)
			for _, ck := range waiting {
				ctext := pending[ck]
				delete(pending, ck)
				if ok && len(pairs) > 0 {
					sum.excused++
					sum.passed++
					excusedIn[ck] = true
					fmt.Fprintf(out, "--- EXCUSED: %s %s: its race report is in %s's output\n", ck.pkg, ck.test, e.Test)
					continue
				}
				sum.failed++
				realFailIn[e.Package] = true
				fmt.Fprint(out, ctext)
			}
			if ok && len(pairs) == 0 && len(waiting) > 0 && !hasExcusedChild(excusedIn, e.Package, e.Test) {
				ok = false // nobody's report: the children failed, so does the parent
			}
			if ok {
				sum.excused++
				sum.passed++
				excusedIn[k], excusedPkg[e.Package] = true, true
				for _, p := range pairs {
					sum.excusedPairs[p]++
				}
				fmt.Fprintf(out, "--- EXCUSED: %s %s: %d race report(s) between two accesses by ergo's own code\n", e.Package, e.Test, len(pairs))
				continue
			}
			sum.failed++
			realFailIn[e.Package] = true
			fmt.Fprint(out, text)
		}
	}
	if err := sc.Err(); err != nil {
		return sum, err
	}
	if len(sum.excusedPairs) > 0 {
		fmt.Fprintf(out, "\nraces inside ergo (excused; each access made by ergo's code, see internal/testrun):\n")
		keys := make([]string, 0, len(sum.excusedPairs))
		for p := range sum.excusedPairs {
			keys = append(keys, p)
		}
		sort.Strings(keys)
		for _, p := range keys {
			fmt.Fprintf(out, "  %4d × %s\n", sum.excusedPairs[p], p)
		}
	}
	fmt.Fprintf(out, "\n%d passed, %d failed, %d skipped\n", sum.passed, sum.failed+sum.brokenPackages, sum.skipped)
	return sum, nil
}

// unfinished reports the tests of pkg that started and never ended, with
// their output, and forgets them.
func unfinished(running map[testKey]bool, outputs map[testKey]*strings.Builder, pkg string, out io.Writer) bool {
	found := false
	for k := range running {
		if k.pkg != pkg {
			continue
		}
		found = true
		if b := outputs[k]; b != nil {
			fmt.Fprint(out, b.String())
			delete(outputs, k)
		}
		fmt.Fprintf(out, "--- FAIL: %s (never finished: the test binary ended inside it)\n", k.test)
		delete(running, k)
	}
	return found
}

// hasExcusedChild reports whether a subtest of test was excused: its parent
// then fails with it and may be excused too.
func hasExcusedChild(excused map[testKey]bool, pkg, test string) bool {
	for k := range excused {
		if k.pkg == pkg && strings.HasPrefix(k.test, test+"/") {
			return true
		}
	}
	return false
}

// reportless reports whether a failed test's output is only the race
// detector's verdict, with no report and nothing else.
func reportless(text string) bool {
	reports, rest := splitRaces(text)
	if len(reports) > 0 {
		return false
	}
	detected := false
	for _, line := range rest {
		if !harmlessTestLine(line) {
			return false
		}
		detected = detected || strings.HasSuffix(strings.TrimSpace(line), ": race detected during execution of test")
	}
	return detected
}

// pendingChildren lists the subtests of test waiting for its verdict.
func pendingChildren(pending map[testKey]string, pkg, test string) []testKey {
	var keys []testKey
	for k := range pending {
		if k.pkg == pkg && strings.HasPrefix(k.test, test+"/") {
			keys = append(keys, k)
		}
	}
	return keys
}
