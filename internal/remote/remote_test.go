package remote

import (
	"strings"
	"testing"
	"time"
)

func TestNewRequest(t *testing.T) {
	now := time.Unix(1000, 0)
	r, err := NewRequest("process_list", `{"limit":5}`, "ops", now.Add(1500*time.Millisecond), now)
	if err != nil {
		t.Fatal(err)
	}
	if r.Protocol != Protocol || r.TimeoutMs != 1500 || r.Tool != "process_list" || r.Args != `{"limit":5}` || r.Caller != "ops" {
		t.Fatalf("%+v", r)
	}
	if err := r.Check(); err != nil {
		t.Fatal(err)
	}
	if got := r.Deadline(now); !got.Equal(now.Add(1500 * time.Millisecond)) {
		t.Fatalf("deadline %v", got)
	}
	if _, err := NewRequest("x", "", "", now.Add(10*time.Millisecond), now); err == nil || !strings.Contains(err.Error(), "not enough") {
		t.Fatalf("no time left: %v", err)
	}
}

func TestCheck(t *testing.T) {
	if err := (Request{Protocol: Protocol + 1, TimeoutMs: 10}).Check(); err == nil || !strings.Contains(err.Error(), "same ergomcp release") {
		t.Fatalf("version: %v", err)
	}
	if err := (Request{Protocol: Protocol}).Check(); err == nil {
		t.Fatal("zero timeout accepted")
	}
	if err := (Response{Protocol: 0}).CheckResponse(); err == nil {
		t.Fatal("old response accepted")
	}
	if err := (Response{Protocol: Protocol}).CheckResponse(); err != nil {
		t.Fatal(err)
	}
}

func TestCallSeconds(t *testing.T) {
	for left, want := range map[time.Duration]int{
		0: 1, time.Millisecond: 1, time.Second: 1, 1999 * time.Millisecond: 2, 30 * time.Second: 30, 30500 * time.Millisecond: 31, 4900 * time.Millisecond: 5, -time.Second: 1,
	} {
		if got := CallSeconds(left); got != want {
			t.Errorf("CallSeconds(%s) = %d, want %d", left, got, want)
		}
	}
}

func TestRemoteCaller(t *testing.T) {
	if got := RemoteCaller("a@h", ""); got != "anonymous via a@h" {
		t.Fatal(got)
	}
	if got := RemoteCaller("a@h", "ops"); got != "ops via a@h" {
		t.Fatal(got)
	}
}
