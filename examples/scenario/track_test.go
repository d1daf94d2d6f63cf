package scenario

import (
	"testing"

	"ergo.services/ergo/gen"

	"github.com/ergomcp/ergomcp/internal/testnode"
)

// TestTrackPrunes checks that ended processes do not pile up in a run's
// list (the restart loop adds one every 200 ms for as long as the demo runs).
func TestTrackPrunes(t *testing.T) {
	node := testnode.MustStart(t, "scenario_track", nil)
	r := newRun(node)
	for id := range uint64(10 * minPrune) {
		// PIDs no process has: ended, as far as the node knows.
		r.track(gen.PID{Node: node.Name(), ID: 1<<40 + id, Creation: node.PID().Creation})
	}
	if n := len(r.pids); n > minPrune {
		t.Errorf("%d ended processes kept, want at most %d", n, minPrune)
	}
	r.stop()
}
