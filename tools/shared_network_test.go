package tools

import (
	"fmt"
	"strings"
	"testing"

	"ergo.services/ergo/gen"
)

func TestNameList(t *testing.T) {
	if got := nameList(nil, "network_nodes lists them"); got != "none" {
		t.Errorf("no names: %q", got)
	}
	if got := nameList([]gen.Atom{"b@h", "a@h"}, "network_nodes lists them"); got != "a@h, b@h (network_nodes lists them)" {
		t.Errorf("two names: %q", got)
	}
	for _, n := range []int{maxListedNames, maxListedNames + 1, maxListedNames + 7} {
		names := make([]gen.Atom, n)
		for i := range names {
			names[i] = gen.Atom(fmt.Sprintf("n%03d@h", n-i)) // reversed: the list sorts
		}
		got := nameList(names, "hint")
		if listed := strings.Count(got, "@h"); listed != min(n, maxListedNames) {
			t.Errorf("%d names: %d listed, want %d", n, listed, min(n, maxListedNames))
		}
		more := fmt.Sprintf(" and %d more (hint)", n-maxListedNames)
		if (n > maxListedNames) != strings.HasSuffix(got, more) {
			t.Errorf("%d names: %q, want the suffix %q only past %d", n, got[max(0, len(got)-40):], more, maxListedNames)
		}
		if !strings.HasPrefix(got, "n001@h, n002@h") {
			t.Errorf("%d names not sorted: %q", n, got[:30])
		}
	}
}
