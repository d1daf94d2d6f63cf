package diagnose

import (
	"fmt"
	"testing"
	"time"
)

// A node's idle pools (keep-alive connections: large groups that move by
// one) must not crowd a fast-growing smaller group out of the findings,
// whatever the window: the three kept are the three that grew most.
func TestGoroutineLeakKeepsTheFastestGrowing(t *testing.T) {
	for _, window := range []time.Duration{500 * time.Millisecond, 3 * time.Second} {
		f := facts(window)
		f.Behaviors = []Behavior{{Behavior: "main.leaker", Count: 1, PIDs: []string{pid(1800)}}}
		for i, size := range []int{64, 48, 35, 35} {
			f.GoGroups = append(f.GoGroups, GoGroup{Funcs: []string{"runtime.gopark", fmt.Sprintf("net/http.loop%d", i)},
				CreatedBy: "net/http.(*Transport).dialConn", State: "select", Count: size, CountBefore: size - 1 - i%2})
		}
		f.GoGroups = append(f.GoGroups, GoGroup{Funcs: []string{"runtime.gopark", "example.com/app/main.await"},
			CreatedBy: "example.com/app/main.(*leaker).HandleMessage", State: "chan receive", Count: 22, CountBefore: 0})
		fs := only(t, f, "goroutine_leak")
		if len(fs) != 3 {
			t.Fatalf("window %s: %d findings, want the 3 that grew most", window, len(fs))
		}
		var leak bool
		for _, fd := range fs {
			if fd.Severity == Medium && len(fd.Next) > 0 && fd.Next[0].Args["pid"] == pid(1800) {
				leak = true
			}
		}
		if !leak {
			t.Errorf("window %s: the leaker (+22) is not among %+v", window, fs)
		}
		// Of the pools, the two that grew by two are kept, not the
		// largest that grew by one.
		for _, fd := range fs {
			if fd.Severity == Low && fd.Evidence.Metrics[0].Value != 2 {
				t.Errorf("window %s: kept a pool that grew by %g: %s", window, fd.Evidence.Metrics[0].Value, fd.Conclusion)
			}
		}
	}
}
