package tools

import (
	"strings"
	"testing"
	"unicode/utf8"

	"ergo.services/ergo/gen"
)

// The action tools' argument checks run before any node is asked: each
// refusal says what to pass, and every valid shape is let through.
func TestValidateRecipient(t *testing.T) {
	for _, tc := range []struct {
		to   string
		want string // "" when valid
	}{
		{"", "to is required: a PID"},
		{"   ", "to is required: a PID"},
		{"<90A29F11.0.1017>", ""},
		{" <90A29F11.0.1017> ", ""},
		{"<90A29F11.0.x>", "to:"},
		{"Alias#<90A29F11.0.1.2>", ""},
		{"Alias#<nope>", "to:"},
		{"orders", ""},
		{strings.Repeat("n", maxAtomLen), ""},
		{strings.Repeat("n", maxAtomLen+1), "name is 256 bytes long; ergo names are at most 255 bytes"},
	} {
		err := validateRecipient("to", tc.to)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%q: refused: %v", tc.to, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%q: error %v, want one containing %q", tc.to, err, tc.want)
		}
	}
}

func TestValidateMessage(t *testing.T) {
	if err := validateMessage("orders", map[string]any{"ID": 1}, "message", "main.Order"); err != nil {
		t.Errorf("valid message refused: %v", err)
	}
	for _, tc := range []struct {
		to       string
		v        any
		typeName string
		want     string
	}{
		{"", 1, "", "to is required"},
		{"orders", nil, "", "message is required: the JSON value"},
		{"orders", 1, strings.Repeat("t", maxTypeNameLen+1), "type_name is 4096 bytes"},
	} {
		if err := validateMessage(tc.to, tc.v, "message", tc.typeName); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("validateMessage(%q, %v, %d-byte type): %v, want %q", tc.to, tc.v, len(tc.typeName), err, tc.want)
		}
	}
}

func TestValidatePIDArg(t *testing.T) {
	for _, tc := range []struct {
		pid, want string
	}{
		{"<90A29F11.0.1017>", ""},
		{"  <90A29F11.0.1017>\n", ""},
		{"", "pid is required"},
		{"orders", `pid "orders" is not a PID`},
		{"<90A29F11.zero.1017>", "pid:"},
	} {
		err := validatePIDArg(tc.pid)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%q: refused: %v", tc.pid, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%q: error %v, want one containing %q", tc.pid, err, tc.want)
		}
	}
	// A long name is quoted back clipped, not whole.
	err := validatePIDArg(strings.Repeat("x", 1000))
	if err == nil || strings.Contains(err.Error(), strings.Repeat("x", 41)) || !strings.Contains(err.Error(), "…") {
		t.Errorf("a 1000-byte name quoted back: %v", err)
	}
}

func TestValidateTypeNameAtItsBound(t *testing.T) {
	if err := validateTypeName(strings.Repeat("t", maxTypeNameLen)); err != nil {
		t.Errorf("%d bytes refused: %v", maxTypeNameLen, err)
	}
	if err := validateTypeName(strings.Repeat("t", maxTypeNameLen+1)); err == nil {
		t.Errorf("%d bytes accepted", maxTypeNameLen+1)
	}
}

func TestClipArg(t *testing.T) {
	s40 := strings.Repeat("a", 40)
	if got := clipArg(s40); got != s40 {
		t.Errorf("40 bytes clipped: %q", got)
	}
	if got := clipArg(s40 + "b"); got != s40+"…" {
		t.Errorf("41 bytes: %q, want the first 40 and an ellipsis", got)
	}
	// A cut inside a multi-byte rune drops the broken rune rather than
	// quoting invalid UTF-8 back.
	got := clipArg(strings.Repeat("a", 39) + "é" + "tail")
	if !utf8.ValidString(got) || got != strings.Repeat("a", 39)+"…" {
		t.Errorf("cut inside a rune: %q", got)
	}
}

func TestExitNoteSaysWhy(t *testing.T) {
	pid := gen.PID{Node: "n@localhost", ID: 1017}
	for state, want := range map[string]string{
		"gone":                                "has terminated and left the process table",
		gen.ProcessStateTerminated.String():   "is terminating",
		gen.ProcessStateZombee.String():       "is a zombie",
		gen.ProcessStateRunning.String():      "still alive (running) after 1s: it may trap exits",
		gen.ProcessStateWaitResponse.String(): "busy inside a callback",
	} {
		if got := exitNote(pid, state); !strings.Contains(got, want) || !strings.Contains(got, pid.String()) {
			t.Errorf("%s: %q, want the PID and %q", state, got, want)
		}
	}
}
