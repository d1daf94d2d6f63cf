package mcptest

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"
)

// fatalRecorder is a testing.TB whose Fatalf records the failure and ends
// the goroutine, as the real one does.
type fatalRecorder struct {
	testing.TB
	failure string
}

func (f *fatalRecorder) Helper() {}

func (f *fatalRecorder) Fatalf(format string, args ...any) {
	f.failure = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// run calls f with a recorder in a goroutine of its own (Fatalf ends it)
// and returns what failed, "" when nothing did.
func run(t *testing.T, f func(tb testing.TB)) string {
	rec := &fatalRecorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(rec)
	}()
	<-done
	return rec.failure
}

func TestEventually(t *testing.T) {
	n := 0
	if failure := run(t, func(tb testing.TB) { Eventually(tb, time.Second, "n reaches 3", func() bool { n++; return n == 3 }) }); failure != "" || n != 3 {
		t.Errorf("a condition that comes true: failure %q after %d checks", failure, n)
	}
	start := time.Now()
	failure := run(t, func(tb testing.TB) {
		Eventually(tb, 50*time.Millisecond, "the impossible", func() bool { return false })
	})
	if failure != "not within 50ms: the impossible" {
		t.Errorf("a condition that never holds: %q", failure)
	}
	if took := time.Since(start); took < 50*time.Millisecond {
		t.Errorf("gave up after %s, before its deadline", took)
	}
}

func TestReceive(t *testing.T) {
	ch := make(chan int, 1)
	ch <- 7
	var got int
	if failure := run(t, func(tb testing.TB) { got = Receive(tb, "a seven", ch) }); failure != "" || got != 7 {
		t.Errorf("a value waiting: %d, failure %q", got, failure)
	}
	if testing.Short() {
		return
	}
	if failure := run(t, func(tb testing.TB) { Receive(tb, "a value nobody sends", ch) }); !strings.HasSuffix(failure, ": a value nobody sends") {
		t.Errorf("nothing sent: %q", failure)
	}
}
