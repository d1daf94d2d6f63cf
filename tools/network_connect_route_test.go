package tools

import "testing"

func TestScrubSecrets(t *testing.T) {
	const cookie, own = "s3cret-cookie", "node-cookie"
	got := scrubSecrets("handshake with cookie s3cret-cookie failed (node-cookie); s3cret-cookie again", cookie, own, "")
	if want := "handshake with cookie [redacted] failed ([redacted]); [redacted] again"; got != want {
		t.Fatalf("scrubSecrets = %q, want %q", got, want)
	}
	if got := scrubSecrets("nothing to hide", "", ""); got != "nothing to hide" {
		t.Fatalf("empty secrets changed the text: %q", got)
	}
}
