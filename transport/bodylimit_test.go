package transport

import (
	"net/http"
	"strings"
	"testing"

	"github.com/ergomcp/ergomcp/internal/mcptest"
)

// TestBodyLimitEdges: a body of exactly Config.MaxBodyBytes is served, one
// byte more is refused with 413 naming the option, whether the client
// declares the length or streams the body chunked (which ergomcp reads
// itself, to count sessions, before the go-sdk would cap it).
func TestBodyLimitEdges(t *testing.T) {
	const limit = 1024
	hs := newHarness(t, func(c *Config) { c.MaxBodyBytes = limit })
	sized := func(n int) string { return mcptest.InitializeBody + strings.Repeat(" ", n-len(mcptest.InitializeBody)) }
	for _, c := range []struct {
		name    string
		size    int
		chunked bool
		want    int
	}{
		{"declared, one under", limit - 1, false, http.StatusOK},
		{"declared, at the limit", limit, false, http.StatusOK},
		{"declared, one over", limit + 1, false, http.StatusRequestEntityTooLarge},
		{"chunked, at the limit", limit, true, http.StatusOK},
		{"chunked, one over", limit + 1, true, http.StatusRequestEntityTooLarge},
		{"chunked, far over", 64 * limit, true, http.StatusRequestEntityTooLarge},
	} {
		body := sized(c.size)
		var status int
		var resp string
		if c.chunked {
			status, _, resp = mcptest.Post(t, nil, hs.url(), nil, struct{ *strings.Reader }{strings.NewReader(body)})
		} else {
			status, _, resp = mcptest.Post(t, nil, hs.url(), nil, strings.NewReader(body))
		}
		if status != c.want {
			t.Errorf("%s (%d bytes): status %d (%.80s), want %d", c.name, c.size, status, resp, c.want)
			continue
		}
		if c.want == http.StatusRequestEntityTooLarge && !strings.Contains(resp, "request body exceeds 1024 bytes (Config.MaxBodyBytes)") {
			t.Errorf("%s: refusal %q does not name Config.MaxBodyBytes", c.name, resp)
		}
	}
}
