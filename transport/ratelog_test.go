package transport

import (
	"log/slog"
	"strings"
	"testing"
	"time"
)

// TestRateLogCountsWhatItDrops: within its interval a kind logs once; the
// next line after it says how many were dropped, and a first line, with
// nothing dropped, says nothing of the kind. Kinds are counted apart.
func TestRateLogCountsWhatItDrops(t *testing.T) {
	var logs logBuffer
	l := newRateLog(slog.New(slog.NewTextHandler(&logs, nil)), 300*time.Millisecond)
	for range 3 {
		l.log(slog.LevelWarn, "a", "refused a")
	}
	l.log(slog.LevelWarn, "b", "refused b")
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != 2 || strings.Contains(logs.String(), "suppressed_since_last") {
		t.Fatalf("first lines of two kinds:\n%s", logs.String())
	}
	time.Sleep(400 * time.Millisecond)
	l.log(slog.LevelWarn, "a", "refused a")
	lines = strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != 3 || !strings.HasSuffix(lines[2], "suppressed_since_last=2") {
		t.Fatalf("after the interval, want a line counting the 2 dropped:\n%s", logs.String())
	}
}
