package main

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// stream builds `go test -json` lines for one package.
func stream(pkg string, events ...event) string {
	var b strings.Builder
	for _, e := range events {
		e.Package = pkg
		line, _ := json.Marshal(e)
		b.Write(line)
		b.WriteByte('\n')
	}
	return b.String()
}

func out(test, text string) event { return event{Action: "output", Test: test, Output: text} }

// raceReport renders a race report whose two accesses are made by the
// given functions.
func raceReport(first, second string) string {
	return "==================\nWARNING: DATA RACE\n" +
		"Write at 0x00c0002ad818 by goroutine 150:\n" +
		"  runtime.mapassign()\n      /goroot/src/runtime/map.go:1 +0x1\n" +
		"  " + first + "()\n      /x/a.go:10 +0x2bd\n\n" +
		"Previous read at 0x00c0002ad818 by goroutine 149:\n" +
		"  sync/atomic.(*Int64).Load()\n      /goroot/src/runtime/race_amd64.s:208 +0xb\n" +
		"  " + second + "()\n      /x/b.go:20 +0x10\n" +
		"  github.com/ergomcp/ergomcp/tools.walkProcesses()\n      /x/c.go:1 +0x1\n\n" +
		"Goroutine 150 (running) created at:\n  github.com/ergomcp/ergomcp/actors.(*x).y()\n      /x/d.go:1 +0x1\n" +
		"==================\n"
}

const (
	ergoA = "ergo.services/ergo/node.(*process).run.func1"
	ergoB = "ergo.services/ergo/node.(*node).ProcessListShortInfo"
	ours  = "github.com/ergomcp/ergomcp/tools.(*Runtime).fill"
)

func failedWith(test string, lines ...string) []event {
	ev := []event{{Action: "run", Test: test}, out(test, "=== RUN   "+test+"\n")}
	for _, l := range lines {
		ev = append(ev, out(test, l))
	}
	return append(ev, out(test, "    testing.go:1712: race detected during execution of test\n"),
		out(test, "--- FAIL: "+test+" (0.01s)\n"), event{Action: "fail", Test: test})
}

func judge(t *testing.T, input string) (*summary, string) {
	t.Helper()
	var b strings.Builder
	sum, err := run(strings.NewReader(input), &b, "ergo.services/")
	if err != nil {
		t.Fatal(err)
	}
	return sum, b.String()
}

func TestErgoOnlyRaceIsExcused(t *testing.T) {
	ev := failedWith("TestA", raceReport(ergoA, ergoB))
	ev = append(ev, event{Action: "run", Test: "TestB"}, out("TestB", "--- PASS: TestB\n"), event{Action: "pass", Test: "TestB"},
		out("", "FAIL\n"), out("", "FAIL\tpkg\t0.3s\n"), event{Action: "fail"})
	sum, text := judge(t, stream("pkg", ev...))
	if sum.failed != 0 || sum.brokenPackages != 0 || sum.excused != 1 || sum.passed != 2 {
		t.Fatalf("summary %+v\n%s", sum, text)
	}
	if !strings.Contains(text, ergoA+" ↔ "+ergoB) || !strings.Contains(text, "2 passed, 0 failed, 0 skipped") {
		t.Fatalf("report:\n%s", text)
	}
}

func TestRaceWithOurAccessFails(t *testing.T) {
	for _, pair := range [][2]string{{ours, ergoB}, {ergoA, ours}, {ours, ours}} {
		sum, text := judge(t, stream("pkg", append(failedWith("TestA", raceReport(pair[0], pair[1])), event{Action: "fail"})...))
		if sum.failed != 1 || sum.brokenPackages != 1 || sum.excused != 0 {
			t.Fatalf("%v: summary %+v\n%s", pair, sum, text)
		}
		if !strings.Contains(text, "WARNING: DATA RACE") {
			t.Fatalf("the race report is not shown:\n%s", text)
		}
	}
}

func TestOtherFailureLinesFail(t *testing.T) {
	for _, extra := range []string{
		"    app_test.go:42: got 3, want 4\n",
		"panic: boom\n",
		"    app_test.go:42: just a log line\n", // conservative: a log line is not known to be harmless
	} {
		sum, text := judge(t, stream("pkg", failedWith("TestA", raceReport(ergoA, ergoB), extra)...))
		if sum.failed != 1 || sum.excused != 0 {
			t.Fatalf("%q excused: %+v\n%s", extra, sum, text)
		}
	}
}

func TestFailureWithoutRaceFails(t *testing.T) {
	ev := []event{{Action: "run", Test: "TestA"}, out("TestA", "--- FAIL: TestA\n"), event{Action: "fail", Test: "TestA"}}
	if sum, _ := judge(t, stream("pkg", ev...)); sum.failed != 1 {
		t.Fatalf("summary %+v", sum)
	}
}

func TestSubtests(t *testing.T) {
	ev := failedWith("TestA/sub", raceReport(ergoA, ergoB))
	ev = append(ev, out("TestA", "--- FAIL: TestA (0.02s)\n"), event{Action: "fail", Test: "TestA"})
	sum, text := judge(t, stream("pkg", ev...))
	if sum.failed != 0 || sum.excused != 2 {
		t.Fatalf("parent of an excused subtest: %+v\n%s", sum, text)
	}
	// A parent that failed on its own is not excused by its child.
	ev = failedWith("TestA/sub", raceReport(ergoA, ergoB))
	ev = append(ev, out("TestA", "    a_test.go:9: parent broke\n"), event{Action: "fail", Test: "TestA"})
	if sum, _ := judge(t, stream("pkg", ev...)); sum.failed != 1 {
		t.Fatalf("parent failure excused: %+v", sum)
	}
}

// A subtest flagged "race detected" whose report went to its parent's
// output follows its parent's verdict.
func TestSubtestReportInParent(t *testing.T) {
	sub := failedWith("TestA/sub")
	parent := func(lines ...string) []event {
		ev := []event{}
		for _, l := range lines {
			ev = append(ev, out("TestA", l))
		}
		return append(ev, out("TestA", "--- FAIL: TestA (0.02s)\n"), event{Action: "fail", Test: "TestA"},
			event{Action: "fail"})
	}
	ev := append([]event{{Action: "run", Test: "TestA"}}, sub...)
	sum, text := judge(t, stream("pkg", append(ev, parent(raceReport(ergoA, ergoB))...)...))
	if sum.failed != 0 || sum.excused != 2 || sum.brokenPackages != 0 {
		t.Fatalf("ergo-only report in the parent: %+v\n%s", sum, text)
	}
	sum, text = judge(t, stream("pkg", append(ev, parent(raceReport(ergoA, ours))...)...))
	if sum.failed != 2 {
		t.Fatalf("a report naming our code in the parent excused the child: %+v\n%s", sum, text)
	}
	// No report anywhere: the child and its parent fail.
	sum, text = judge(t, stream("pkg", append(ev, parent()...)...))
	if sum.failed < 2 || sum.excused != 0 {
		t.Fatalf("a race verdict without any report excused: %+v\n%s", sum, text)
	}
	// A child left waiting when the package ends fails.
	sum, _ = judge(t, stream("pkg", append(ev, event{Action: "fail"})...))
	if sum.failed == 0 {
		t.Fatalf("a waiting child was forgotten: %+v", sum)
	}
}

func TestBuildFailureFails(t *testing.T) {
	ev := []event{{Action: "build-output", Output: "x.go:1: syntax error\n"}, {Action: "build-fail"}}
	sum, text := judge(t, stream("pkg", ev...)+"FAIL\tpkg [build failed]\n")
	if sum.brokenPackages != 1 || !strings.Contains(text, "syntax error") {
		t.Fatalf("summary %+v\n%s", sum, text)
	}
}

func TestNoTestsIsNotSuccess(t *testing.T) {
	sum, _ := judge(t, stream("pkg", event{Action: "skip"}))
	if sum.passed != 0 {
		t.Fatal("counted a pass")
	}
}

// TestRecordedErgoRun replays a real `go test -race -json` run of this
// repository's real-node tests against ergo 3.1, in which ergo's own
// unsynchronised counters tripped the race detector in two tests.
func TestRecordedErgoRun(t *testing.T) {
	data, err := os.ReadFile("testdata/ergo_races.json")
	if err != nil {
		t.Fatal(err)
	}
	sum, text := judge(t, string(data))
	if sum.failed != 0 || sum.brokenPackages != 0 || sum.excused != 2 || sum.passed != 6 {
		t.Fatalf("summary %+v\n%s", sum, text)
	}
	// The same run with one access moved into ergomcp's code must fail.
	tampered := strings.Replace(string(data), "ergo.services/ergo/node.(*node).ProcessListShortInfo()", "github.com/ergomcp/ergomcp/tools.walkProcesses()", 1)
	if tampered == string(data) {
		t.Fatal("fixture lacks the expected frame")
	}
	if sum, _ := judge(t, tampered); sum.failed == 0 {
		t.Fatal("a race with an ergomcp access was excused")
	}
}

// lostStackReport is a race whose write kept only its atomic frames, as
// the race detector reports a timer goroutine's counter update at times.
func lostStackReport(reader string) string {
	return "==================\nWARNING: DATA RACE\n" +
		"Write at 0x00c0000b8e10 by goroutine 219:\n" +
		"  sync/atomic.AddInt64()\n      /goroot/src/runtime/race_amd64.s:289 +0xb\n" +
		"  sync/atomic.AddUint64()\n      <autogenerated>:1 +0x15\n\n" +
		"Previous read at 0x00c0000b8e10 by goroutine 218:\n" +
		"  " + reader + "()\n      /x/node.go:734 +0x5d5\n\n" +
		"Goroutine 219 (running) created at:\n  time.goFunc()\n      /goroot/src/time/sleep.go:215 +0x44\n" +
		"==================\n"
}

func TestLostAtomicStack(t *testing.T) {
	// Against ergo's own read: whose memory it is is clear, excused.
	sum, text := judge(t, stream("pkg", failedWith("TestA", lostStackReport(ergoB))...))
	if sum.failed != 0 || sum.excused != 1 || !strings.Contains(text, "?atomic ↔ "+ergoB) {
		t.Fatalf("summary %+v\n%s", sum, text)
	}
	// Against our code's access, or with nothing but lost stacks: a failure.
	for _, reader := range []string{ours, "sync/atomic.LoadUint64"} {
		sum, text = judge(t, stream("pkg", append(failedWith("TestA", lostStackReport(reader)), event{Action: "fail"})...))
		if sum.failed != 1 || sum.excused != 0 {
			t.Fatalf("%s: summary %+v\n%s", reader, sum, text)
		}
	}
}

// TestBuildFailureIsNeverExcused: a package whose test binary did not build
// fails, even though its closing output holds nothing but FAIL lines.
func TestBuildFailureIsNeverExcused(t *testing.T) {
	input := `{"ImportPath":"pkg [pkg.test]","Action":"build-output","Output":"./x_test.go:3:1: syntax error\n"}
{"ImportPath":"pkg [pkg.test]","Action":"build-fail"}
{"Action":"start","Package":"pkg"}
{"Action":"output","Package":"pkg","Output":"FAIL\tpkg [build failed]\n"}
{"Action":"fail","Package":"pkg","Elapsed":0,"FailedBuild":"pkg [pkg.test]"}
`
	sum, text := judge(t, input)
	if sum.brokenPackages == 0 || strings.Contains(text, "ok  \tpkg") || !strings.Contains(text, "FAIL\tpkg") {
		t.Fatalf("summary %+v\n%s", sum, text)
	}
	// Nor is a package failure with no excused test in it.
	sum, text = judge(t, stream("pkg", out("", "FAIL\n"), event{Action: "fail"}))
	if sum.brokenPackages != 1 || strings.Contains(text, "excused") {
		t.Fatalf("bare package failure: %+v\n%s", sum, text)
	}
}

// atomicUnderOurs is a race whose read is a function-form atomic (ergo's
// counter read) right under a frame of ours: the ergo frame in between was
// lost.
func atomicUnderOurs(atomicFn string) string {
	return "==================\nWARNING: DATA RACE\n" +
		"Atomic read at 0x00c0001f1808 by goroutine 97:\n" +
		"  " + atomicFn + "()\n      /goroot/src/runtime/race_amd64.s:208 +0xb\n" +
		"  " + atomicFn + "()\n      <autogenerated>:1 +0x10\n" +
		"  " + ours + "()\n      /x/events.go:182 +0xd2\n\n" +
		"Previous write at 0x00c0001f1808 by goroutine 93:\n" +
		"  " + ergoA + "()\n      /x/process.go:1707 +0x2bd\n\n" +
		"Goroutine 97 (running) created at:\n  net/http.(*conn).serve()\n      /x/server.go:1 +0x1\n" +
		"==================\n"
}

func TestAtomicFunctionUnderOurFrame(t *testing.T) {
	sum, text := judge(t, stream("pkg", failedWith("TestA", atomicUnderOurs("sync/atomic.LoadUint64"))...))
	if sum.failed != 0 || sum.excused != 1 || !strings.Contains(text, "?atomic") || !strings.Contains(text, ergoA) {
		t.Fatalf("summary %+v\n%s", sum, text)
	}
	// Typed atomics are what our own code uses: such an access is ours.
	sum, text = judge(t, stream("pkg", append(failedWith("TestA", atomicUnderOurs("sync/atomic.(*Uint64).Load")), event{Action: "fail"})...))
	if sum.failed != 1 || sum.excused != 0 {
		t.Fatalf("typed atomic under our frame: %+v\n%s", sum, text)
	}
}

// TestNoFunctionFormAtomics keeps true what accessTops relies on: ergomcp's
// code uses the typed atomics only, so a function-form atomic (ergo's way
// with its counters) under a frame of ours is ergo's access.
func TestNoFunctionFormAtomics(t *testing.T) {
	form := regexp.MustCompile(`\batomic\.(Load|Store|Add|Swap|CompareAndSwap|And|Or)(Int32|Int64|Uint32|Uint64|Uintptr|Pointer)\(`)
	err := filepath.WalkDir("../..", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for i, line := range strings.Split(string(b), "\n") {
			if form.MatchString(line) && !strings.Contains(line, "\"") {
				t.Errorf("%s:%d uses a function-form atomic; use the typed ones (atomic.Int64...): %s", path, i+1, strings.TrimSpace(line))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestUnfinishedTestFails: a binary that panics (a -timeout) inside a test
// sends no fail event for it; the test still fails, even when earlier
// tests of the package were excused.
func TestUnfinishedTestFails(t *testing.T) {
	ev := failedWith("TestA", raceReport(ergoA, ergoB))
	ev = append(ev, event{Action: "run", Test: "TestB"}, out("TestB", "=== RUN   TestB\n"),
		out("TestB", "panic: test timed out after 1m0s\n"), out("", "FAIL\tpkg\t60.1s\n"), event{Action: "fail", Elapsed: 60.1})
	sum, text := judge(t, stream("pkg", ev...))
	if sum.failed != 1 || sum.brokenPackages != 1 || !strings.Contains(text, "panic: test timed out") ||
		!strings.Contains(text, "--- FAIL: TestB (never finished") || strings.Contains(text, "ok  \tpkg") {
		t.Fatalf("summary %+v\n%s", sum, text)
	}
}
