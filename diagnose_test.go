package ergomcp_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"ergo.services/ergo/act"
	"ergo.services/ergo/gen"

	"github.com/ergomcp/ergomcp"
	"github.com/ergomcp/ergomcp/internal/mcptest"
)

// diagReport is the part of diagnose's answer the tests read; findings
// stay raw so that a culprit is looked for anywhere in their evidence.
type diagReport struct {
	Scenario   string
	WindowMs   int64
	Summary    string
	Findings   []json.RawMessage
	Checked    []string
	NotChecked map[string]string
}

type diagFinding struct {
	Severity   string
	Rule       string
	Conclusion string
	Evidence   json.RawMessage
	Next       []struct {
		Tool string
		Args map[string]any
	}
}

func (r *diagReport) findings(t *testing.T) []diagFinding {
	t.Helper()
	out := make([]diagFinding, len(r.Findings))
	for i, raw := range r.Findings {
		if err := json.Unmarshal(raw, &out[i]); err != nil {
			t.Fatalf("finding %s: %v", raw, err)
		}
	}
	return out
}

// diagnoseScenarioOf is the playbook that targets each example scenario.
var diagnoseScenarioOf = map[string]string{
	"slow_consumer":     "performance",
	"cpu_burner":        "performance",
	"leak":              "leak",
	"restart_loop":      "restart_loop",
	"stuck":             "stuck",
	"call_cycle":        "stuck",
	"events":            "events",
	"event_unpublished": "events",
	"memory":            "memory",
	"heap_retention":    "memory",
	"goroutine_leak":    "leak",
	"log_flood":         "performance",
}

func joinRaw(rs []json.RawMessage) string {
	var b strings.Builder
	for _, r := range rs {
		b.Write(r)
		b.WriteByte('\n')
	}
	return b.String()
}

// ticker is a healthy actor: it wakes every 20 ms, handles its tick and
// sleeps again.
type ticker struct {
	act.Actor
	n int
}

func (x *ticker) Init(args ...any) error {
	x.SendAfter(x.PID(), "tick", 20*time.Millisecond)
	return nil
}

func (x *ticker) HandleMessage(from gen.PID, message any) error {
	x.n++
	x.SendAfter(x.PID(), "tick", 20*time.Millisecond)
	return nil
}

// idle never gets a message.
type idle struct{ act.Actor }

// TestDiagnoseHealthy checks that a node doing ordinary work yields no
// finding of high or critical severity, and that bad arguments are
// refused with the reason.
func TestDiagnoseHealthy(t *testing.T) {
	port := mcptest.FreePort(t)
	node, err := startNode(t, ergomcp.Options{Port: port})
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		if _, err := node.Spawn(func() gen.ProcessBehavior { return &ticker{} }, gen.ProcessOptions{}); err != nil {
			t.Fatal(err)
		}
		if _, err := node.Spawn(func() gen.ProcessBehavior { return &idle{} }, gen.ProcessOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	s := mcptest.Connect(t, mcptest.URL(port), "")
	var rep diagReport
	mcptest.Call(t, s, "diagnose", map[string]any{}, &rep)
	if rep.Scenario != "overview" || rep.WindowMs < 900 {
		t.Errorf("default run: scenario %q, window %d ms", rep.Scenario, rep.WindowMs)
	}
	for _, f := range rep.findings(t) {
		if f.Severity == "high" || f.Severity == "critical" {
			t.Errorf("healthy node: %s finding %s: %s", f.Severity, f.Rule, f.Conclusion)
		}
	}
	if _, ok := rep.NotChecked["peer_not_connected"]; !ok {
		t.Errorf("networking is disabled, yet the network rules ran: checked %v", rep.Checked)
	}

	for _, c := range []struct {
		args map[string]any
		want string
	}{
		{map[string]any{"scenario": "everything"}, "overview, performance"},
		{map[string]any{"budget_ms": 100}, "between 500 and 30000"},
		{map[string]any{"budget_ms": 5000, "timeout": 5}, "shorter than timeout"},
	} {
		if msg := mcptest.ErrorText(t, mcptest.Call(t, s, "diagnose", c.args, nil)); !strings.Contains(msg, c.want) {
			t.Errorf("diagnose %v: %q, want it to mention %q", c.args, msg, c.want)
		}
	}
}
