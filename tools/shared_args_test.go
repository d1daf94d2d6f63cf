package tools

import "testing"

func TestRequireText(t *testing.T) {
	for _, tc := range []struct {
		in, kept string
		ok       bool
	}{
		{"node@host", "node@host", true},
		{"  node@host\t", "node@host", true},
		{"", "", false},
		{" \t\n", "", false},
	} {
		v := tc.in
		err := requireText(&v, "name is required: the node to connect to")
		if (err == nil) != tc.ok || v != tc.kept {
			t.Errorf("requireText(%q): %q, %v; want %q, ok %v", tc.in, v, err, tc.kept, tc.ok)
		}
		if err != nil && err.Error() != "name is required: the node to connect to" {
			t.Errorf("requireText(%q): error %q is not the text given", tc.in, err)
		}
	}
	// requireNonBlank judges the same way but leaves the value alone.
	if err := requireNonBlank(" x ", "missing"); err != nil {
		t.Errorf("requireNonBlank refused text: %v", err)
	}
	if err := requireNonBlank("  ", "missing"); err == nil || err.Error() != "missing" {
		t.Errorf("requireNonBlank on blanks: %v", err)
	}
}
