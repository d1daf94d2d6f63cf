package ergomcp

import (
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// TestReadmeOptionsTable: README's Options table is the option reference
// users read; every exported field of Options has its row there, and every
// row names a field that exists, so the table cannot drift from the code.
func TestReadmeOptionsTable(t *testing.T) {
	data, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	start := strings.Index(text, "\n## Options\n")
	if start < 0 {
		t.Fatal("README has no Options section")
	}
	section := text[start+1:]
	if end := strings.Index(section[1:], "\n## "); end >= 0 {
		section = section[:end+1]
	}
	rows := map[string]bool{}
	for _, m := range regexp.MustCompile("(?m)^\\| `(\\w+)` \\|").FindAllStringSubmatch(section, -1) {
		rows[m[1]] = true
	}
	fields := map[string]bool{}
	for f := range reflect.TypeFor[Options]().Fields() {
		if !f.IsExported() {
			continue
		}
		fields[f.Name] = true
		if !rows[f.Name] {
			t.Errorf("Options.%s has no row in README's Options table", f.Name)
		}
	}
	for name := range rows {
		if !fields[name] {
			t.Errorf("README's Options table has a row for %s, which Options does not have", name)
		}
	}
}
