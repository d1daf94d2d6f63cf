package catalog

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// TestDecodeTimeoutBounds: the timeout's range at its edges; a refused
// value is an error, never clamped. 0 is outside the range the schema
// states (minimum 1); omitted takes the default.
func TestDecodeTimeoutBounds(t *testing.T) {
	for _, c := range []struct {
		in   int
		want int // 0: refused
	}{{-1, 0}, {0, 0}, {1, 1}, {MaxTimeout - 1, MaxTimeout - 1}, {MaxTimeout, MaxTimeout}, {MaxTimeout + 1, 0}} {
		v, err := probe.Decode(json.RawMessage(fmt.Sprintf(`{"timeout":%d}`, c.in)))
		if c.want == 0 {
			if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("timeout must be between 1 and %d (default %d), got %d", MaxTimeout, DefaultTimeout, c.in)) {
				t.Errorf("timeout %d: %v, want the range error", c.in, err)
			}
			continue
		}
		if err != nil || CommonOf(v).Timeout != c.want {
			t.Errorf("timeout %d: %v, timeout %d; want %d", c.in, err, CommonOf(v).Timeout, c.want)
		}
	}
}

// TestDecodeNamesEmbeddedFields: a wrong type in a field of the embedded
// Common is reported by the argument's own name, as the caller wrote it.
func TestDecodeNamesEmbeddedFields(t *testing.T) {
	for in, want := range map[string]string{
		`{"timeout":"5"}`: `argument "timeout" must be an integer, got JSON string`,
		`{"node":5}`:      `argument "node" must be a string, got JSON number`,
		`{"name":[1]}`:    `argument "name" must be a string, got JSON array`,
	} {
		_, err := probe.Decode(json.RawMessage(in))
		if err == nil || err.Error() != want {
			t.Errorf("%s: %v, want %q", in, err, want)
		}
	}
}
