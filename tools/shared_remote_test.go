package tools

import (
	"slices"
	"testing"
	"time"

	"ergo.services/ergo/gen"
)

// answerMargin keeps a tenth of what is left for the answer's way back,
// never less than 50 ms nor more than 500 ms.
func TestAnswerMargin(t *testing.T) {
	for left, want := range map[time.Duration]time.Duration{
		0:                       50 * time.Millisecond,
		499 * time.Millisecond:  50 * time.Millisecond,
		500 * time.Millisecond:  50 * time.Millisecond,
		501 * time.Millisecond:  50100 * time.Microsecond,
		2 * time.Second:         200 * time.Millisecond,
		5 * time.Second:         500 * time.Millisecond,
		5001 * time.Millisecond: 500 * time.Millisecond,
		time.Minute:             500 * time.Millisecond,
	} {
		if got := answerMargin(left); got != want {
			t.Errorf("answerMargin(%s) = %s, want %s", left, got, want)
		}
	}
}

func TestCompactAtomsKeepsFirstOfEach(t *testing.T) {
	got := compactAtoms([]gen.Atom{"b@h", "a@h", "b@h", "c@h", "a@h"})
	if want := []gen.Atom{"b@h", "a@h", "c@h"}; !slices.Equal(got, want) {
		t.Errorf("compactAtoms = %v, want %v", got, want)
	}
	if got := knownList([]string{"b@h", "a@h", "b@h"}); got != "a@h, b@h (cluster_nodes lists them)" {
		t.Errorf("knownList = %q", got)
	}
}
