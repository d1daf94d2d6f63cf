package query

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/ergomcp/ergomcp/internal/catalog"
	"github.com/ergomcp/ergomcp/internal/rank"
)

var allCaps = Caps{MailboxLatency: true, LatencyMeasured: true, Wakeups: true, InitTime: true}

func mustPlan(t *testing.T, a ProcessArgs, c Caps) *Plan {
	t.Helper()
	p, err := a.Plan(c)
	if err != nil {
		t.Fatalf("Plan(%+v): %v", a, err)
	}
	return p
}

// base passes every filter below but the one each case sets.
func base() Proc {
	return Proc{
		ID: 7, Name: "db_worker_3", Application: "store", Behavior: "*main.Worker", State: "wait response",
		MessagesIn: 100, MessagesOut: 50, Mailbox: 10, RunningTime: 2e9, Uptime: 60,
		MailboxLatency: 5e6, Wakeups: 20, InitTime: 3e6,
	}
}

func TestFilters(t *testing.T) {
	for _, c := range []struct {
		name string
		args ProcessArgs
		pass func(*Proc) // a change that still matches
		fail func(*Proc) // a change that no longer matches
	}{
		{"application", ProcessArgs{Application: "store"}, func(p *Proc) {}, func(p *Proc) { p.Application = "stor" }},
		{"behavior exact", ProcessArgs{Behavior: "*main.Worker"}, func(p *Proc) {}, func(p *Proc) { p.Behavior = "*main.worker" }},
		{"behavior not substring", ProcessArgs{Behavior: "*main.Worker"}, func(p *Proc) {}, func(p *Proc) { p.Behavior = "*main.WorkerPool" }},
		{"name substring", ProcessArgs{Name: "worker"}, func(p *Proc) { p.Name = "worker" }, func(p *Proc) { p.Name = "db_Worker" }},
		{"state", ProcessArgs{State: "wait_response"}, func(p *Proc) {}, func(p *Proc) { p.State = "sleep" }},
		{"min_messages_in", ProcessArgs{MinMessagesIn: 100}, func(p *Proc) {}, func(p *Proc) { p.MessagesIn = 99 }},
		{"min_messages_out", ProcessArgs{MinMessagesOut: 50}, func(p *Proc) {}, func(p *Proc) { p.MessagesOut = 49 }},
		{"min_mailbox", ProcessArgs{MinMailbox: 10}, func(p *Proc) {}, func(p *Proc) { p.Mailbox = 9 }},
		{"min_mailbox_latency_ms", ProcessArgs{MinMailboxLatencyMs: 5}, func(p *Proc) {}, func(p *Proc) { p.MailboxLatency = 5e6 - 1 }},
		{"min_mailbox_latency_ms fraction", ProcessArgs{MinMailboxLatencyMs: 0.0000015}, func(p *Proc) { p.MailboxLatency = 2 }, func(p *Proc) { p.MailboxLatency = 1 }},
		{"min_running_time_ms", ProcessArgs{MinRunningTimeMs: 2000}, func(p *Proc) {}, func(p *Proc) { p.RunningTime = 2e9 - 1 }},
		{"min_init_time_ms", ProcessArgs{MinInitTimeMs: 3}, func(p *Proc) {}, func(p *Proc) { p.InitTime = 3e6 - 1 }},
		{"min_wakeups", ProcessArgs{MinWakeups: 20}, func(p *Proc) {}, func(p *Proc) { p.Wakeups = 19 }},
		{"min_uptime", ProcessArgs{MinUptime: 60}, func(p *Proc) {}, func(p *Proc) { p.Uptime = 59 }},
		{"max_uptime", ProcessArgs{MaxUptime: 60}, func(p *Proc) { p.Uptime = 0 }, func(p *Proc) { p.Uptime = 61 }},
		{"max_uptime 0 is no bound", ProcessArgs{MinUptime: 1}, func(p *Proc) { p.Uptime = math.MaxInt64 }, func(p *Proc) { p.Uptime = 0 }},
		{"min_drain", ProcessArgs{MinDrain: 5}, func(p *Proc) {}, func(p *Proc) { p.MessagesIn = 99 }},
		{"min_drain needs wakeups", ProcessArgs{MinDrain: 0.001}, func(p *Proc) {}, func(p *Proc) { p.Wakeups = 0 }},
	} {
		p := mustPlan(t, c.args, allCaps)
		x := base()
		if !p.Match(&x) {
			t.Errorf("%s: base process does not match", c.name)
		}
		x = base()
		c.pass(&x)
		if !p.Match(&x) {
			t.Errorf("%s: changed process should still match: %+v", c.name, x)
		}
		x = base()
		c.fail(&x)
		if p.Match(&x) {
			t.Errorf("%s: changed process should not match: %+v", c.name, x)
		}
	}
}

func TestNoFiltersMatchAll(t *testing.T) {
	p := mustPlan(t, ProcessArgs{SortBy: "mailbox"}, allCaps)
	for _, x := range []Proc{{}, base(), {Uptime: -1, MailboxLatency: -1}} {
		if !p.Match(&x) {
			t.Errorf("no filters, no match: %+v", x)
		}
	}
}

func TestFiltersCombine(t *testing.T) {
	p := mustPlan(t, ProcessArgs{Application: "store", MinMailbox: 5, State: "wait response"}, allCaps)
	x := base()
	if !p.Match(&x) {
		t.Fatal("all filters pass, no match")
	}
	x.Mailbox = 0
	if p.Match(&x) {
		t.Fatal("one filter fails, still a match")
	}
}

func TestCapsErrors(t *testing.T) {
	old := Caps{}
	noTag := Caps{MailboxLatency: true, Wakeups: true, InitTime: true}
	for _, c := range []struct {
		args ProcessArgs
		caps Caps
		want string
	}{
		{ProcessArgs{MinMailboxLatencyMs: 1}, old, "min_mailbox_latency_ms needs ergo ≥ 3.3 built with -tags=latency, and this node runs an older ergo"},
		{ProcessArgs{SortBy: "mailbox_latency"}, noTag, "sort_by=mailbox_latency needs ergo ≥ 3.3 built with -tags=latency, and this node was built without -tags=latency; min_mailbox or sort_by=mailbox"},
		{ProcessArgs{MinWakeups: 1}, old, "min_wakeups needs ergo ≥ 3.3 (per-process wakeup counts); process_top"},
		{ProcessArgs{SortBy: "wakeups"}, old, "sort_by=wakeups needs ergo ≥ 3.3"},
		{ProcessArgs{MinDrain: 1}, old, "min_drain needs ergo ≥ 3.3"},
		{ProcessArgs{SortBy: "drain"}, old, "sort_by=drain needs ergo ≥ 3.3 (per-process wakeup counts); process_top shows windowed message rates instead"},
		{ProcessArgs{MinInitTimeMs: 1}, old, "min_init_time_ms needs ergo ≥ 3.3 (per-process init time)"},
		{ProcessArgs{SortBy: "init_time"}, old, "sort_by=init_time needs ergo ≥ 3.3"},
		{ProcessArgs{Limit: -5}, allCaps, "limit must be"}, // Plan validates too
	} {
		_, err := c.args.Plan(c.caps)
		var ce *catalog.Error
		if !errors.As(err, &ce) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: got %v, want %q", c.args, err, c.want)
		}
	}
	// What old nodes have works there.
	for _, k := range []string{"mailbox", "running_time", "uptime", "messages_in", "messages_out", "utilization", "pid"} {
		mustPlan(t, ProcessArgs{SortBy: k, MinMailbox: 1, MinRunningTimeMs: 1, MaxUptime: 9}, old)
	}
}

func TestCapsUnavailable(t *testing.T) {
	if u := allCaps.Unavailable(); len(u) != 0 {
		t.Fatalf("all caps: %v", u)
	}
	u := Caps{}.Unavailable()
	for _, f := range []string{"MailboxLatency", "Wakeups", "InitTime", "Drain"} {
		if !strings.Contains(u[f], "ergo ≥ 3.3") {
			t.Errorf("%s: %q", f, u[f])
		}
	}
	if u := (Caps{MailboxLatency: true, Wakeups: true, InitTime: true}).Unavailable(); len(u) != 1 || !strings.Contains(u["MailboxLatency"], "built without") {
		t.Fatalf("no latency tag: %v", u)
	}
}

func TestDerived(t *testing.T) {
	x := Proc{MessagesIn: 10, Wakeups: 4, RunningTime: 3e9, Uptime: 6}
	if d, ok := Drain(&x); !ok || d != 2.5 {
		t.Errorf("Drain = %v, %v", d, ok)
	}
	if u, ok := Utilization(&x); !ok || u != 0.5 {
		t.Errorf("Utilization = %v, %v", u, ok)
	}
	x = Proc{MessagesIn: 10, RunningTime: 5}
	if _, ok := Drain(&x); ok {
		t.Error("Drain without wakeups")
	}
	if _, ok := Utilization(&x); ok {
		t.Error("Utilization at uptime 0")
	}
}

func TestKeyOrder(t *testing.T) {
	ints := []int64{math.MinInt64, -5, -1, 0, 1, 7, math.MaxInt64}
	p := mustPlan(t, ProcessArgs{SortBy: "uptime"}, allCaps)
	for i := 1; i < len(ints); i++ {
		if p.key(&Proc{Uptime: ints[i-1]}) >= p.key(&Proc{Uptime: ints[i]}) {
			t.Errorf("uptime key(%d) >= key(%d)", ints[i-1], ints[i])
		}
	}
	floats := []float64{math.Inf(-1), -1e300, -1, -1e-300, 0, 1e-300, 0.5, 1, 1e300, math.Inf(1)}
	if rank.Float(0, false) >= rank.Float(floats[0], true) {
		t.Error("missing value does not sort below -Inf")
	}
	for i := 1; i < len(floats); i++ {
		if rank.Float(floats[i-1], true) >= rank.Float(floats[i], true) {
			t.Errorf("rank.Float(%g) >= rank.Float(%g)", floats[i-1], floats[i])
		}
	}
}

// TestPidKeyIsTheDefault: without sort_by the order is pid's, the
// tie-breaker of every other key.
func TestPidKeyIsTheDefault(t *testing.T) {
	p := mustPlan(t, ProcessArgs{}, allCaps)
	if pidKey.Name != "pid" || p.sort.Name != "pid" || p.key(&Proc{ID: 1}) <= p.key(&Proc{ID: 2}) {
		t.Errorf("default order is %s", p.sort.Name)
	}
}
