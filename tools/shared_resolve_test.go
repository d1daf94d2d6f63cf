package tools

import "testing"

func TestTargetOf(t *testing.T) {
	for in, want := range map[string]Target{
		"<90A29F11.0.1017>":   {PID: "<90A29F11.0.1017>"},
		"  <90A29F11.0.1017>": {PID: "  <90A29F11.0.1017>"}, // trimmed where it is parsed
		"orders":              {Name: "orders"},
		"":                    {Name: ""},
		"orders<1>":           {Name: "orders<1>"},
	} {
		if got := targetOf(in); got != want {
			t.Errorf("targetOf(%q) = %+v, want %+v", in, got, want)
		}
	}
}
