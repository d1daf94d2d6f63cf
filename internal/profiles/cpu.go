package profiles

import (
	"bytes"
	"context"
	"fmt"
	"runtime/pprof"
	"sync"
	"time"

	"github.com/google/pprof/profile"

	"github.com/ergomcp/ergomcp/internal/window"
)

// progressInterval is how often Profile reports progress; MCP clients show
// it so a long profile does not look like a hung tool call.
const progressInterval = time.Second

// CPUProfiler runs at most one CPU profile at a time in this process
// (runtime/pprof allows only one). The zero value is ready to use; share
// one value between all callers so they see each other as busy.
type CPUProfiler struct {
	mu       sync.Mutex
	running  bool
	until    time.Time // planned end of the running profile
	stopping bool      // its caller cancelled it; it is being stopped
}

// BusyError is returned by CPUProfiler.Profile while another profile from
// the same CPUProfiler is running.
type BusyError struct {
	Until time.Time // when the running profile is planned to end
	// Stopping: the running profile was cancelled and is being stopped;
	// Until no longer says anything.
	Stopping bool
}

// Error tells the caller how long to wait, so an agent can retry at the
// right moment instead of polling. It describes what really runs: a
// cancelled profile that is stopping is not one that "ends in 19s".
func (e *BusyError) Error() string {
	if e.Stopping {
		return "a CPU profile was just cancelled and is being stopped; retry in a moment"
	}
	left := time.Until(e.Until)
	if left <= 0 {
		return "a CPU profile has just ended and its result is being read; retry in a moment"
	}
	return fmt.Sprintf("a CPU profile is already running; it ends in %s (at %s)",
		left.Round(100*time.Millisecond), e.Until.UTC().Format("15:04:05 MST"))
}

// Profile records a CPU profile for d and returns it parsed. Cancelling
// ctx stops recording early and returns what was recorded so far with
// cancelled set. progress, if not nil, is called about once a second with
// the elapsed and planned durations. While a profile runs, other callers
// get a *BusyError at once rather than queueing behind it.
func (c *CPUProfiler) Profile(ctx context.Context, d time.Duration, progress func(elapsed, total time.Duration)) (p *profile.Profile, cancelled bool, err error) {
	if d <= 0 {
		return nil, false, fmt.Errorf("cpu profile: duration must be positive, got %s", d)
	}
	if err := ctx.Err(); err != nil {
		return nil, true, fmt.Errorf("cpu profile: not started: %w", err)
	}
	if err := c.acquire(time.Now().Add(d)); err != nil {
		return nil, false, err
	}
	defer c.release()

	var buf bytes.Buffer
	if err := pprof.StartCPUProfile(&buf); err != nil {
		// Our lock rules out our own callers, so someone else in the
		// process (net/http/pprof, go test -cpuprofile, ...) holds it.
		return nil, false, fmt.Errorf("cpu profile: something else in this process is already CPU profiling (e.g. net/http/pprof or -cpuprofile): %w", err)
	}
	// Marked at the cancel itself: from then on a second caller must not
	// be told to wait the planned remainder.
	markStopping := func() {
		c.mu.Lock()
		c.stopping = true
		c.mu.Unlock()
	}
	stop := context.AfterFunc(ctx, markStopping)
	cancelled = window.Wait(ctx, d, progressInterval, progress)
	stop()
	if cancelled {
		markStopping() // the AfterFunc's goroutine may not have run yet
	}
	pprof.StopCPUProfile() // returns only after the profile is fully written to buf
	p, err = profile.Parse(&buf)
	if err != nil {
		return nil, cancelled, fmt.Errorf("cpu profile: parse: %w", err)
	}
	return p, cancelled, nil
}

func (c *CPUProfiler) acquire(until time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.running {
		return &BusyError{Until: c.until, Stopping: c.stopping}
	}
	c.running, c.until, c.stopping = true, until, false
	return nil
}

func (c *CPUProfiler) release() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.running = false
}
