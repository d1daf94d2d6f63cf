package fanout

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestTargets(t *testing.T) {
	got, skipped := Targets("a@h", []string{"c@h", "b@h", "a@h", "c@h", ""})
	if strings.Join(got, ",") != "a@h,b@h,c@h" || skipped != nil {
		t.Fatalf("targets %v skipped %v", got, skipped)
	}
	var many []string
	for i := range MaxNodes + 10 {
		many = append(many, fmt.Sprintf("n%03d@h", i))
	}
	got, skipped = Targets("local@h", many)
	if len(got) != MaxNodes || got[0] != "local@h" || len(skipped) != 11 {
		t.Fatalf("targets %d (first %s), skipped %d", len(got), got[0], len(skipped))
	}
}

// TestPlan: rounds that cannot fit the deadline are refused up front,
// saying why; a plan that fits, or a call of no known length, passes.
func TestPlan(t *testing.T) {
	if r, err := Plan(11, 4, 4*time.Second, 10*time.Second); err == nil || r != 3 || !strings.Contains(err.Error(), "3 rounds") {
		t.Fatalf("11 nodes 4 at a time, 4 s each, in 10 s: rounds %d, %v", r, err)
	}
	if r, err := Plan(11, 64, 2*time.Second, 10*time.Second); err != nil || r != 1 {
		t.Fatalf("one round: %d %v", r, err)
	}
	if r, err := Plan(11, 1, 0, time.Second); err != nil || r != 11 {
		t.Fatalf("no known length: %d %v", r, err)
	}
}

func TestRunPartialFailures(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	var running, most atomic.Int32
	parts := Run(ctx, []string{"ok@h", "bad@h", "slow@h", "dead@h"}, 2, func(ctx context.Context, node string) Answer {
		n := running.Add(1)
		defer running.Add(-1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		switch node {
		case "ok@h":
			return Answer{Text: `{"total":3}`}
		case "bad@h":
			return Answer{Text: "node bad@h does not run ergomcp", IsError: true}
		case "dead@h":
			return Answer{Text: "node dead@h did not answer", IsError: true, Timeout: true}
		}
		<-ctx.Done() // a node that never answers
		return Answer{Text: "tool x: context deadline exceeded", IsError: true}
	})
	want := []struct{ node, status string }{{"ok@h", StatusOK}, {"bad@h", StatusError}, {"slow@h", StatusTimeout}, {"dead@h", StatusTimeout}}
	for i, w := range want {
		if parts[i].Node != w.node || parts[i].Status != w.status {
			t.Errorf("part %d: %+v, want %s %s", i, parts[i], w.node, w.status)
		}
	}
	if string(parts[0].Result) != `{"total":3}` || parts[1].Error == "" {
		t.Errorf("results: %+v", parts)
	}
	if most.Load() > 2 {
		t.Errorf("%d calls ran at once, limit 2", most.Load())
	}
	if dl, _ := ctx.Deadline(); time.Until(dl) < 100*time.Millisecond {
		t.Errorf("Run used the caller's whole deadline: %s left", time.Until(dl))
	}

	text, err := Merge("process_list", parts, nil, "", 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	var m Merged
	if err := json.Unmarshal([]byte(text), &m); err != nil {
		t.Fatal(err)
	}
	if m.Nodes != 4 || m.OK != 1 || m.Errors != 1 || m.Timeouts != 2 || m.Tool != "process_list" {
		t.Fatalf("counts: %s", text)
	}
}

func TestMergeBudgetDropsLargestResults(t *testing.T) {
	big := `{"items":"` + strings.Repeat("x", 4000) + `"}`
	parts := []Part{
		{Node: "a", Status: StatusOK, Result: json.RawMessage(`{"n":1}`)},
		{Node: "b", Status: StatusOK, Result: json.RawMessage(big)},
		{Node: "c", Status: StatusError, Error: "unreachable"},
	}
	text, err := Merge("process_list", parts, []string{"z"}, "", 1500)
	if err != nil {
		t.Fatal(err)
	}
	if len(text) > 1500 || !strings.Contains(text, `"n":1`) || !strings.Contains(text, `call process_list with node=\"b\"`) {
		t.Fatalf("merged: %s", text)
	}
	var m Merged
	if err := json.Unmarshal([]byte(text), &m); err != nil || m.OK != 1 || m.Errors != 2 || m.Nodes != 4 || m.Note == "" {
		t.Fatalf("counts after dropping: %+v %v", m, err)
	}
	if parts[1].Status != StatusOK {
		t.Error("Merge changed the caller's parts")
	}
	if _, err := Merge("x", parts, nil, "", 40); err == nil {
		t.Error("a budget too small for the envelope must be an error")
	}
}

func TestPartNonJSONResult(t *testing.T) {
	p := part("a", Answer{Text: "plain text"}, false, time.Millisecond)
	if p.Status != StatusOK || string(p.Result) != `"plain text"` {
		t.Fatalf("%+v", p)
	}
	// An error after the deadline is a timeout whatever its text.
	if p := part("a", Answer{Text: "boom", IsError: true}, true, 0); p.Status != StatusTimeout {
		t.Fatalf("%+v", p)
	}
}
