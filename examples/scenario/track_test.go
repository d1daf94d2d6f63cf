package scenario

import (
	"fmt"
	"os"
	"testing"

	"ergo.services/ergo"
	"ergo.services/ergo/gen"
)

// TestTrackPrunes checks that ended processes do not pile up in a run's
// list (the restart loop adds one every 200 ms for as long as the demo runs).
func TestTrackPrunes(t *testing.T) {
	var opts gen.NodeOptions
	opts.Network.Mode = gen.NetworkModeDisabled
	opts.Log.DefaultLogger.Disable = true
	node, err := ergo.StartNode(gen.Atom(fmt.Sprintf("scenario%d_track@localhost", os.Getpid())), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer node.Stop()
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
