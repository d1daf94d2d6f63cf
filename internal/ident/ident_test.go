package ident

import (
	"strings"
	"testing"
)

func TestNodeHash(t *testing.T) {
	// What ergo 3.1 prints in the PIDs of node "demo@localhost".
	if h := NodeHash("demo@localhost"); h != "9F35C982" {
		t.Fatalf("hash %q", h)
	}
	if NodeHash("a@b") == NodeHash("a@c") {
		t.Fatal("different nodes, same hash")
	}
	if NodeHash("") != "" {
		t.Fatal("empty node has a hash")
	}
}

func TestParsePID(t *testing.T) {
	good := map[string]PID{
		"<90A29F11.0.1017>":       {"90A29F11", 1017},
		" <90a29f11.0.1017> ":     {"90A29F11", 1017},
		"<90A29F11.1.5>":          {"90A29F11", 1<<32 | 5},
		"<90A29F11.0.-1>":         {"90A29F11", 0xFFFFFFFF},
		"<00000000.-1.-1>":        {"00000000", 0xFFFFFFFFFFFFFFFF},
		"<ABCDEF01.0.2147483647>": {"ABCDEF01", 2147483647},
	}
	for in, want := range good {
		got, err := ParsePID(in)
		if err != nil || got != want {
			t.Errorf("ParsePID(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, p := range good {
		back, err := ParsePID(p.String())
		if err != nil || back != p {
			t.Errorf("round trip %v: %v %v", p, back, err)
		}
	}
	bad := []string{"", "<>", "90A29F11.0.1017", "<90A29F11.0>", "<90A29F1.0.1>", "<90A29F11.0.1.2>",
		"<XYZXYZXY.0.1>", "<90A29F11.a.1>", "<90A29F11.0.2147483648>", "Alias#<90A29F11.0.1.2>",
		"<" + strings.Repeat("9", 200) + ">", "'name'"}
	for _, in := range bad {
		if _, err := ParsePID(in); err == nil {
			t.Errorf("ParsePID(%q) accepted", in)
		} else if !strings.Contains(err.Error(), "<90A29F11.0.1017>") {
			t.Errorf("error does not show the valid form: %v", err)
		}
	}
}

func TestParseAlias(t *testing.T) {
	a, err := ParseAlias("Alias#<90A29F11.7.8.9>")
	if err != nil || a != (Alias{"90A29F11", [3]uint64{7, 8, 9}}) {
		t.Fatalf("got %+v %v", a, err)
	}
	if back, _ := ParseAlias(a.String()); back != a {
		t.Fatalf("round trip %v", back)
	}
	for _, in := range []string{"", "Alias#<>", "<90A29F11.0.1017>", "Alias#<90A29F11.1.2>", "Alias#<90A29F11.1.2.x>", "Alias#<90A29F11.1.2.3"} {
		if _, err := ParseAlias(in); err == nil {
			t.Errorf("ParseAlias(%q) accepted", in)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"<90A29F11.0.1017>", "Alias#<90A29F11.1.2.3>", "<>", "", "<AAAAAAAA.-1.-1>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if p, err := ParsePID(s); err == nil {
			if q, err := ParsePID(p.String()); err != nil || q != p {
				t.Fatalf("PID %q parsed to %v, which does not round-trip: %v %v", s, p, q, err)
			}
		} else if len(err.Error()) > 300 {
			t.Fatalf("unbounded error text: %d bytes", len(err.Error()))
		}
		if a, err := ParseAlias(s); err == nil {
			if b, err := ParseAlias(a.String()); err != nil || b != a {
				t.Fatalf("alias %q does not round-trip", s)
			}
		}
	})
}
