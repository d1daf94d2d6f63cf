package profiles

import (
	"context"
	"errors"
	"io"
	"runtime/pprof"
	"strings"
	"testing"
	"time"
)

const testPIDBurner = "<BBBBBBBB.0.2001>"

// burnSink keeps the burn loop's result observable so it is not optimised
// away.
var burnSink uint64

// burnInTestCPU spins on register arithmetic (nothing for the race
// detector to instrument, so the samples land in this function) until stop
// is closed, polling stop rarely.
func burnInTestCPU(stop <-chan struct{}) {
	x := uint64(1)
	for {
		for range 1 << 16 {
			x = x*6364136223846793005 + 1442695040888963407
		}
		select {
		case <-stop:
			burnSink = x
			return
		default:
		}
	}
}

func TestCPUProfilerTop(t *testing.T) {
	stop, done := make(chan struct{}), make(chan struct{})
	go pprof.Do(context.Background(), pprof.Labels("pid", testPIDBurner), func(context.Context) {
		defer close(done)
		burnInTestCPU(stop)
	})
	var c CPUProfiler
	p, cancelled, err := c.Profile(context.Background(), time.Second, nil)
	close(stop)
	<-done
	if err != nil || cancelled {
		t.Fatalf("Profile: cancelled=%v err=%v", cancelled, err)
	}

	q := TopQuery{}
	if err := q.Validate("cpu"); err != nil {
		t.Fatal(err)
	}
	r := TopCPU(p, q)
	if r.SampleType != "cpu" || r.Unit != "nanoseconds" || r.Total <= 0 || r.DurationSeconds < 0.9 {
		t.Fatalf("report header: %+v", r)
	}
	var burn *TopEntry
	for i, e := range r.Entries {
		if strings.HasSuffix(e.Name, ".burnInTestCPU") {
			burn = &r.Entries[i]
		}
	}
	// The machine may be loaded, so require a dominant share rather than
	// first place.
	if burn == nil || burn.FlatShare <= 0.3 {
		t.Fatalf("burnInTestCPU missing or below 0.3 flat share: %+v", r.Entries)
	}

	q.GroupBy = "pid"
	r = TopCPU(p, q)
	if len(r.Entries) == 0 || r.Entries[0].Name != testPIDBurner || r.Entries[0].FlatShare <= 0.3 ||
		r.Entries[0].Flat != r.Entries[0].Cum {
		t.Fatalf("group by pid: want %s first: %+v", testPIDBurner, r.Entries)
	}
}

func TestCPUProfilerBusyProgressCancel(t *testing.T) {
	var c CPUProfiler
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const d = 10 * time.Second
	var busy *BusyError
	calls := 0
	start := time.Now()
	// Progress runs while the profile holds the profiler, which makes it a
	// race-free place to try a second profile; then it cancels the first.
	p, cancelled, err := c.Profile(ctx, d, func(elapsed, total time.Duration) {
		calls++
		if calls > 1 {
			return
		}
		if elapsed <= 0 || total != d {
			t.Errorf("progress(%s, %s)", elapsed, total)
		}
		_, _, err := c.Profile(context.Background(), time.Second, nil)
		if !errors.As(err, &busy) {
			t.Errorf("second Profile: %v, want *BusyError", err)
		}
		cancel()
	})
	took := time.Since(start)
	if err != nil || !cancelled || p == nil {
		t.Fatalf("Profile: p=%v cancelled=%v err=%v", p != nil, cancelled, err)
	}
	if calls == 0 {
		t.Fatal("progress never called")
	}
	if took > d/2 {
		t.Fatalf("cancelled profile took %s of %s", took, d)
	}
	if busy == nil || !busy.Until.After(time.Now()) || !strings.Contains(busy.Error(), "a CPU profile is already running; it ends in ") {
		t.Fatalf("BusyError %v", busy)
	}

	// The slot is free again once the cancelled profile returned.
	ctx2, cancel2 := context.WithCancel(context.Background())
	cancel2()
	if _, cancelled, err := c.Profile(ctx2, time.Second, nil); err == nil || !cancelled || errors.As(err, &busy) {
		t.Fatalf("Profile with done ctx: cancelled=%v err=%v, want a not-started error", cancelled, err)
	}
	if _, _, err := c.Profile(context.Background(), 0, nil); err == nil || !strings.Contains(err.Error(), "duration must be positive") {
		t.Fatalf("zero duration: %v", err)
	}
}

func TestBusyErrorMessage(t *testing.T) {
	until := time.Now().Add(3240 * time.Millisecond)
	want := "a CPU profile is already running; it ends in 3.2s (at " + until.UTC().Format("15:04:05") + " UTC)"
	if got := (&BusyError{Until: until}).Error(); got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	if got := (&BusyError{Until: time.Now().Add(-time.Second)}).Error(); !strings.Contains(got, "has just ended") {
		t.Fatalf("past deadline: %q", got)
	}
}

// TestBusyAfterCancelSaysStopping (issue 13, item 10): while a cancelled
// profile is being stopped, a second caller is told so, not "it ends in
// 9.9s". Before: "ends in 9.9s" for the 10-35 ms the stop takes.
func TestBusyAfterCancelSaysStopping(t *testing.T) {
	var c CPUProfiler
	ctx, cancel := context.WithCancel(context.Background())
	started := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.Profile(ctx, 10*time.Second, func(time.Duration, time.Duration) {})
	}()
	go func() {
		for {
			c.mu.Lock()
			r := c.running
			c.mu.Unlock()
			if r {
				close(started)
				return
			}
			time.Sleep(time.Millisecond)
		}
	}()
	<-started
	cancel()
	// Every answer given once the profiler marked itself stopping must say
	// so; answers before the mark (the AfterFunc runs on a goroutine of its
	// own) may still say when it ends.
	checked := 0
	for {
		select {
		case <-done:
			if checked == 0 {
				t.Skip("the profile stopped before a second caller could ask")
			}
			return
		default:
		}
		c.mu.Lock()
		marked := c.stopping
		c.mu.Unlock()
		err := c.acquire(time.Now().Add(time.Second))
		if err == nil {
			c.release()
			continue
		}
		if marked {
			checked++
			if !strings.Contains(err.Error(), "being stopped") {
				t.Fatalf("while the cancelled profile stopped, a caller was told %q", err)
			}
		}
	}
}

func TestCPUProfilerForeignProfile(t *testing.T) {
	if err := pprof.StartCPUProfile(io.Discard); err != nil {
		t.Skipf("cannot start a CPU profile here: %v", err)
	}
	defer pprof.StopCPUProfile()
	var c CPUProfiler
	_, _, err := c.Profile(context.Background(), time.Second, nil)
	if err == nil || !strings.Contains(err.Error(), "something else in this process is already CPU profiling") {
		t.Fatalf("err %v", err)
	}
}
