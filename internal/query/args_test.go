package query

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/ergomcp/ergomcp/internal/catalog"
	"github.com/ergomcp/ergomcp/internal/rank"
)

func TestValidateDefaults(t *testing.T) {
	var a ProcessArgs
	if err := a.Validate(); err != nil || a.Limit != rank.DefaultLimit {
		t.Fatalf("Validate = %v, limit %d", err, a.Limit)
	}
	a = ProcessArgs{Limit: rank.MaxLimit, MaxUptime: 5, MinUptime: 5}
	if err := a.Validate(); err != nil || a.Limit != rank.MaxLimit {
		t.Fatalf("Validate = %v, limit %d", err, a.Limit)
	}
}

func TestValidateErrors(t *testing.T) {
	for _, c := range []struct {
		args ProcessArgs
		want string
	}{
		{ProcessArgs{Limit: -1}, "limit must be between 1 and 10000 (default 20), got -1"},
		{ProcessArgs{Limit: rank.MaxLimit + 1}, "got 10001"},
		{ProcessArgs{State: "asleep"}, `state "asleep" is not valid; use one of: init, sleep, running, wait_response, terminated, zombee`},
		{ProcessArgs{SortBy: "cpu"}, `sort_by "cpu" is not valid; use one of: mailbox, mailbox_latency, running_time, init_time, wakeups, uptime, messages_in, messages_out, drain, utilization, pid`},
		{ProcessArgs{SortBy: "Mailbox"}, `sort_by "Mailbox" is not valid`},
		{ProcessArgs{MinMessagesIn: -1}, "min_messages_in must not be negative, got -1"},
		{ProcessArgs{MinMessagesOut: -1}, "min_messages_out"},
		{ProcessArgs{MinMailbox: -2}, "min_mailbox must not be negative"},
		{ProcessArgs{MinWakeups: -1}, "min_wakeups"},
		{ProcessArgs{MinUptime: -1}, "min_uptime"},
		{ProcessArgs{MaxUptime: -1}, "max_uptime"},
		{ProcessArgs{MinMailboxLatencyMs: -0.5}, "min_mailbox_latency_ms must be between 0 and"},
		{ProcessArgs{MinRunningTimeMs: 1e300}, "min_running_time_ms must be between 0 and"},
		{ProcessArgs{MinInitTimeMs: -1}, "min_init_time_ms"},
		{ProcessArgs{MinDrain: -1}, "min_drain must be between 0 and"},
		{ProcessArgs{MinUptime: 10, MaxUptime: 5}, "min_uptime (10) is greater than max_uptime (5)"},
	} {
		err := c.args.Validate()
		var ce *catalog.Error
		if !errors.As(err, &ce) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: got %v, want catalog error containing %q", c.args, err, c.want)
		}
	}
}

func TestStateAliases(t *testing.T) {
	for arg, want := range map[string]string{
		"wait_response": "wait response", "wait response": "wait response", "WAIT-RESPONSE": "wait response",
		" Sleep ": "sleep", "init": "init", "running": "running", "terminated": "terminated",
		"zombee": "zombee", "Zombie": "zombee",
	} {
		got, err := ergoState(arg)
		if err != nil || got != want {
			t.Errorf("ergoState(%q) = %q, %v; want %q", arg, got, err, want)
		}
	}
}

func TestEnumsAreValid(t *testing.T) {
	e := Enums()
	if len(e["state"]) != 6 || len(e["sort_by"]) != 11 {
		t.Fatalf("Enums = %v", e)
	}
	for _, s := range e["state"] {
		if err := (&ProcessArgs{State: s.(string)}).Validate(); err != nil {
			t.Error(err)
		}
	}
	for _, s := range e["sort_by"] {
		if err := (&ProcessArgs{SortBy: s.(string)}).Validate(); err != nil {
			t.Error(err)
		}
	}
}

// processListArgs is how the tool declares its arguments.
type processListArgs struct {
	catalog.Common
	ProcessArgs
}

func TestCatalogIntegration(t *testing.T) {
	tool := catalog.Define[processListArgs](catalog.Tool{Name: "process_list"})
	props := tool.InputSchema().Properties
	for _, name := range []string{"limit", "application", "behavior", "name", "state", "min_messages_in",
		"min_messages_out", "min_mailbox", "min_mailbox_latency_ms", "min_running_time_ms", "min_init_time_ms",
		"min_wakeups", "min_uptime", "max_uptime", "min_drain", "sort_by"} {
		if p := props[name]; p == nil {
			t.Errorf("schema property %s missing", name)
		}
	}
	// node and timeout are explained once, in the server's instructions.
	for _, name := range []string{"node", "timeout"} {
		if props[name] != nil {
			t.Errorf("schema property %s repeats the instructions", name)
		}
	}
	args, err := tool.Decode([]byte(`{"state":"wait_response","sort_by":"mailbox"}`))
	if err != nil || args.(*processListArgs).Limit != rank.DefaultLimit {
		t.Fatalf("Decode = %v, %v", args, err)
	}
	if _, err := tool.Decode([]byte(`{"limit":20000}`)); err == nil || !strings.Contains(err.Error(), "limit must be") {
		t.Fatalf("Decode over the ceiling: %v", err)
	}
}

// TestValidateBoundaries checks each range at its edges: the last value
// accepted and the first refused.
func TestValidateBoundaries(t *testing.T) {
	above := func(f float64) float64 { return math.Nextafter(f, math.Inf(1)) }
	for _, c := range []struct {
		name  string
		args  ProcessArgs
		ok    bool
		limit int
	}{
		{"limit -1", ProcessArgs{Limit: -1}, false, 0},
		{"limit 0 means the default", ProcessArgs{}, true, rank.DefaultLimit},
		{"limit 1", ProcessArgs{Limit: 1}, true, 1},
		{"limit max", ProcessArgs{Limit: rank.MaxLimit}, true, rank.MaxLimit},
		{"limit max+1", ProcessArgs{Limit: rank.MaxLimit + 1}, false, 0},
		{"latency 0", ProcessArgs{MinMailboxLatencyMs: 0}, true, rank.DefaultLimit},
		{"latency at the ceiling", ProcessArgs{MinMailboxLatencyMs: maxMs}, true, rank.DefaultLimit},
		{"latency past the ceiling", ProcessArgs{MinMailboxLatencyMs: above(maxMs)}, false, 0},
		{"running time at the ceiling", ProcessArgs{MinRunningTimeMs: maxMs}, true, rank.DefaultLimit},
		{"running time past the ceiling", ProcessArgs{MinRunningTimeMs: above(maxMs)}, false, 0},
		{"init time at the ceiling", ProcessArgs{MinInitTimeMs: maxMs}, true, rank.DefaultLimit},
		{"init time past the ceiling", ProcessArgs{MinInitTimeMs: above(maxMs)}, false, 0},
		{"init time just below zero", ProcessArgs{MinInitTimeMs: math.Nextafter(0, -1)}, false, 0},
		{"drain at the largest float", ProcessArgs{MinDrain: math.MaxFloat64}, true, rank.DefaultLimit},
		{"drain infinite", ProcessArgs{MinDrain: math.Inf(1)}, false, 0},
		{"drain NaN", ProcessArgs{MinDrain: math.NaN()}, false, 0},
		{"uptime range of one second", ProcessArgs{MinUptime: 5, MaxUptime: 5}, true, rank.DefaultLimit},
		{"uptime range inverted by one", ProcessArgs{MinUptime: 6, MaxUptime: 5}, false, 0},
		{"no uptime ceiling", ProcessArgs{MinUptime: 6, MaxUptime: 0}, true, rank.DefaultLimit},
	} {
		a := c.args
		err := a.Validate()
		if (err == nil) != c.ok {
			t.Errorf("%s: %v, want ok %v", c.name, err, c.ok)
			continue
		}
		if c.ok && a.Limit != c.limit {
			t.Errorf("%s: limit %d, want %d", c.name, a.Limit, c.limit)
		}
	}
	// The ceiling is chosen so its nanoseconds fit int64 exactly.
	if ns := maxMs * 1e6; ns >= math.MaxInt64 || int64(ns) <= 0 {
		t.Errorf("maxMs %g ms is %g ns, outside int64", maxMs, ns)
	}
}
