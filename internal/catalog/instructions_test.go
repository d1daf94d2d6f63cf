package catalog

import (
	"strings"
	"testing"
)

// The instructions say where to start with the tools the server has, the
// node's version and capabilities, the shared conventions once and how to
// keep answers small.
func TestInstructions(t *testing.T) {
	served := map[string]bool{"diagnose": true, "process_top": true, "process_list": true}
	text := Instructions(Facts{Node: "shop@host", Ergo: "3.1.0", Go: "go1.26", Have: []string{"Wakeups"},
		Lack: []string{"PprofLabels: build the node with -tags=pprof"}, Served: func(n string) bool { return served[n] }})
	for _, want := range []string{"shop@host", "ergo 3.1.0", "Start with diagnose", "process_top", "sort_by=mailbox",
		"summary=true", CommonHelp, FanOutNote, "has: Wakeups", "-tags=pprof", "20 rows", "columns", "same", "format=records",
		"next", "offset", "16k tokens", DataNote} {
		if !strings.Contains(text, want) {
			t.Errorf("instructions lack %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "node_history") {
		t.Errorf("instructions point at a tool the server lacks:\n%s", text)
	}
	if all := Instructions(Facts{Node: "n"}); !strings.Contains(all, "node_history") {
		t.Errorf("without Served every start is named:\n%s", all)
	}
}
