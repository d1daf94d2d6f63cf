package tools

import (
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/ergomcp/ergomcp/internal/catalog"
)

var updateTools = flag.Bool("update", false, "rewrite TOOLS.md from the tool registry")

// regenerateTools is the command that rewrites TOOLS.md.
const regenerateTools = "go test ./tools -run TestToolsDoc -update"

// TOOLS.md is generated from the registry, the same declarations
// tools/list and the decoder use, so the reference cannot drift from them.
func TestToolsDoc(t *testing.T) {
	const path = "../TOOLS.md"
	var served []*catalog.Tool
	for _, tool := range Builtins().Tools() {
		if !strings.HasPrefix(tool.Name, "test_") { // only in this test binary
			served = append(served, tool)
		}
	}
	want := catalog.ToolsDoc(served, regenerateTools)
	if *updateTools {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil || string(got) != want {
		t.Fatalf("%s is not the tool registry (%v); regenerate: %s", path, err, regenerateTools)
	}
	for _, tool := range served {
		if !strings.Contains(string(got), "\n## "+tool.Name+"\n") {
			t.Errorf("%s has no section for %s", path, tool.Name)
		}
	}
}
