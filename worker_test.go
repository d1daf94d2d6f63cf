package ergomcp_test

import (
	"testing"

	"github.com/ergomcp/ergomcp"
	"github.com/ergomcp/ergomcp/internal/mcptest"
)

// TestWorkerReplaced kills a dispatcher worker (not the first: ergo 3.1's
// link table mishandles a consumer that is not first in line): the next
// calls still work, a fresh worker takes its place, no extra worker
// lingers, and the application still stops (stopNode waits for it).
func TestWorkerReplaced(t *testing.T) {
	port := mcptest.FreePort(t)
	node, err := startNode(t, ergomcp.Options{Port: port, PoolSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	s := mcptest.Connect(t, mcptest.URL(port), "")
	type workers struct {
		Processes []struct{ PID string }
	}
	var before workers
	mcptest.Call(t, s, "process_children", map[string]any{"parent": "ergomcp_dispatcher"}, &before)
	if len(before.Processes) != 2 {
		t.Fatalf("workers: %+v", before)
	}
	pids, err := node.ProcessList()
	if err != nil {
		t.Fatal(err)
	}
	killed := ""
	for _, pid := range pids {
		if pid.String() == before.Processes[1].PID {
			if err := node.Kill(pid); err != nil {
				t.Fatal(err)
			}
			killed = pid.String()
		}
	}
	if killed == "" {
		t.Fatalf("worker %s not found", before.Processes[1].PID)
	}
	for range 4 { // round robin reaches the dead worker and replaces it
		mcptest.Call(t, s, "node_info", nil, &struct{}{})
	}
	var after workers
	mcptest.Call(t, s, "process_children", map[string]any{"parent": "ergomcp_dispatcher"}, &after)
	if len(after.Processes) != 2 || after.Processes[0].PID == killed || after.Processes[1].PID == killed {
		t.Fatalf("workers after the kill: %+v (killed %s)", after, killed)
	}

	var all struct{ Total int }
	mcptest.WaitFor(t, func() bool {
		mcptest.Call(t, s, "process_list", map[string]any{"behavior": "actors.worker"}, &all)
		return all.Total == 2
	})
}
