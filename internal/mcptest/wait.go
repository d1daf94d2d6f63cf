package mcptest

import (
	"net"
	neturl "net/url"
	"testing"
	"time"
)

// Wait is how long WaitFor and Receive wait: what they wait for happens
// within milliseconds on an idle machine, and within seconds on a loaded
// one under the race detector.
const Wait = 5 * time.Second

// poll is how often a condition is checked again.
const poll = 5 * time.Millisecond

// Eventually checks cond until it holds, failing the test when within
// passes first; what names the condition in the failure.
func Eventually(tb testing.TB, within time.Duration, what string, cond func() bool) {
	tb.Helper()
	for deadline := time.Now().Add(within); !cond(); time.Sleep(poll) {
		if time.Now().After(deadline) {
			tb.Fatalf("not within %s: %s", within, what)
		}
	}
}

// WaitFor is Eventually within Wait, for a condition its test names
// by the lines around it.
func WaitFor(tb testing.TB, cond func() bool) {
	tb.Helper()
	Eventually(tb, Wait, "condition", cond)
}

// Receive takes one value from ch, failing the test when none comes
// within Wait; what names the value in the failure.
func Receive[T any](tb testing.TB, what string, ch <-chan T) T {
	tb.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(Wait):
		tb.Fatalf("not within %s: %s", Wait, what)
		panic("unreachable")
	}
}

// WaitServing waits until something accepts connections at url's host
// and port (a server started in another process), failing the test when
// within passes first.
func WaitServing(tb testing.TB, url string, within time.Duration) {
	tb.Helper()
	u, err := neturl.Parse(url)
	if err != nil {
		tb.Fatalf("endpoint %q: %v", url, err)
	}
	Eventually(tb, within, "something listening on "+u.Host, func() bool {
		c, err := net.DialTimeout("tcp", u.Host, time.Second)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
}
