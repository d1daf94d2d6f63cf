package tools

import (
	"flag"
	"os"
	"testing"

	"github.com/ergomcp/ergomcp/internal/catalog"
)

var updateArgs = flag.Bool("update-args", false, "rewrite ARGUMENTS.md from the tools' arg tags")

// ARGUMENTS.md is generated from the rules the schemas state and the
// decoder enforces, so the docs cannot drift from them.
func TestArgumentsDoc(t *testing.T) {
	const path = "../ARGUMENTS.md"
	var served []*catalog.Tool
	for _, tool := range Builtins().Tools() {
		if tool.Name != TestPanicTool { // only in this test binary
			served = append(served, tool)
		}
	}
	want := catalog.ArgsDoc(served)
	if *updateArgs {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil || string(got) != want {
		t.Fatalf("ARGUMENTS.md is not the tools' rules (%v); regenerate: go test ./tools -run TestArgumentsDoc -update-args", err)
	}
}
