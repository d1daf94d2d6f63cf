package tools

import (
	"os"
	"strings"
	"testing"
)

// TestFilesSayWhatTheyHold: a file in tools/ named like a tool holds that
// tool; code several tools share, or a part of one tool, lives in a
// shared_*.go file, so nobody takes a helper for a tool (events.go beside
// event_list.go) or looks for a tool in a helper.
func TestFilesSayWhatTheyHold(t *testing.T) {
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	tools := map[string]bool{}
	for _, tool := range Builtins().Tools() {
		tools[tool.Name] = true
	}
	held := map[string]bool{}
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".go")
		if !ok || strings.HasSuffix(name, "_test") {
			continue
		}
		switch {
		case name == "tools", strings.HasPrefix(name, "shared_"):
		case tools[name]:
			held[name] = true
		default:
			t.Errorf("%s.go is neither a tool's file (no tool %q) nor shared_*.go", name, name)
		}
	}
	for name := range tools {
		if !held[name] && !strings.HasPrefix(name, "test_") { // test_* tools are the tests' own
			t.Errorf("tool %s has no file %s.go", name, name)
		}
	}
}
