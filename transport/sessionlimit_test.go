package transport

import (
	"net/http"
	"strings"
	"testing"
)

// TestMaxSessionsCountsInitializedSessions: the ceiling counts sessions
// that completed initialize, every one of them: with the limit reached by
// connected clients, one more initialize is refused, and closing one of
// them makes room for exactly one.
func TestMaxSessionsCountsInitializedSessions(t *testing.T) {
	hs := newHarness(t, func(c *Config) { c.MaxSessions = 3 })
	a := hs.mustConnect(t, nil, nil)
	hs.mustConnect(t, nil, nil)
	hs.mustConnect(t, nil, nil)
	for range 2 {
		status, _, body := post(t, hs.url(), nil, strings.NewReader(initializeBody))
		if status != http.StatusServiceUnavailable || !strings.Contains(body, "limit 3, Config.MaxSessions") {
			t.Fatalf("a fourth session: status %d (%q), want 503 naming the limit", status, body)
		}
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a slot after closing one session", func() bool {
		status, _, _ := post(t, hs.url(), nil, strings.NewReader(initializeBody))
		return status == http.StatusOK
	})
	if status, _, _ := post(t, hs.url(), nil, strings.NewReader(initializeBody)); status != http.StatusServiceUnavailable {
		t.Fatalf("closing one session made room for two: status %d", status)
	}
}
