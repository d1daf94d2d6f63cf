package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/ergomcp/ergomcp/internal/fanout"
)

// fanText is what the "fan" test tool answers; TestPartialFanOutExits5
// sets it from the real merger.
var fanText string

func merged(t *testing.T, parts ...fanout.Part) string {
	t.Helper()
	text, err := fanout.Merge("runtime_stats", parts, nil, "", 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	return text
}

// TestPartialFanOutExits5: a node="*" answer where nodes failed prints
// the merged result and exits with its own code; a whole one exits 0.
func TestPartialFanOutExits5(t *testing.T) {
	s := newServer(t, "")
	ok := fanout.Part{Node: "a@h", Status: fanout.StatusOK, Result: json.RawMessage(`{"n":1}`)}
	fanText = merged(t, ok,
		fanout.Part{Node: "b@h", Status: fanout.StatusError, Error: "node b@h cannot be reached"},
		fanout.Part{Node: "c@h", Status: fanout.StatusGone, Error: "gone since 21:00", GoneSince: "2026-12-01T21:00:00Z"},
		fanout.Part{Node: "d@h", Status: fanout.StatusTimeout, Error: "did not answer"})
	for _, args := range [][]string{{"call", "fan"}, {"call", "fan", "--json"}} {
		code, stdout, stderr := runCmd(t, s, args...)
		if code != exitPartial || !strings.Contains(stdout, "c@h") || !strings.Contains(stderr, "some nodes did not answer") {
			t.Errorf("%v: exit %d (want %d), stdout %q, stderr %q", args, code, exitPartial, stdout, stderr)
		}
	}
	fanText = merged(t, ok)
	if code, _, stderr := runCmd(t, s, "call", "fan"); code != exitOK {
		t.Errorf("every node answered: exit %d, stderr %q", code, stderr)
	}
	// A result that merely has counters is not a fan-out.
	fanText = `{"errors":3,"total":1}`
	if code, _, _ := runCmd(t, s, "call", "fan"); code != exitOK {
		t.Errorf("not a merged answer: exit %d", code)
	}
}
