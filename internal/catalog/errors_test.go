package catalog

import (
	"errors"
	"fmt"
	"io"
	"testing"
)

// TestErrorKeepsItsChain: the text shows the chain once, and the cause is
// still found with errors.Is, whether it came through Errorf's %w, Wrap or
// a Validate that wrapped an Error in context of its own.
func TestErrorKeepsItsChain(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		text string
	}{
		{"Errorf %w", Errorf("reading %s: %w", "x", io.EOF), "reading x: EOF"},
		{"Errorf %v", Errorf("reading %s: %v", "x", io.EOF), "reading x: EOF"},
		{"Wrap", Wrap(fmt.Errorf("reading x: %w", io.EOF)), "reading x: EOF"},
		{"context around an Error", asError(fmt.Errorf("limit: %w", Errorf("too big: %w", io.EOF))), "limit: too big: EOF"},
	} {
		var ce *Error
		if !errors.As(tc.err, &ce) || tc.err.Error() != tc.text {
			t.Errorf("%s: %T %q, want an *Error reading %q", tc.name, tc.err, tc.err, tc.text)
		}
		if tc.name != "Errorf %v" && !errors.Is(tc.err, io.EOF) {
			t.Errorf("%s: the cause is lost: %q", tc.name, tc.err)
		}
	}
	if Wrap(nil) != nil {
		t.Error("Wrap(nil) is not nil")
	}
	if e := (&Error{Msg: "m"}); e.Unwrap() != nil || e.Error() != "m" {
		t.Errorf("plain Error: %q %v", e, e.Unwrap())
	}
}
