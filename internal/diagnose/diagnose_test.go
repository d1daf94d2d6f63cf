package diagnose

import (
	"encoding/json"
	"flag"
	"os"
	"strings"
	"testing"
	"time"
)

const hash = "ABCDEF01"

func pid(id uint64) string { return (&Collector{hash: hash}).PID(id) }

// proc builds a process seen at both passes.
func proc(id uint64, behavior string, before, after Counters) Proc {
	return Proc{PID: pid(id), ID: id, Behavior: behavior, Name: "p" + behavior, Before: &before, After: after}
}

func sleeping(in, out, mailbox, running uint64) Counters {
	return Counters{MessagesIn: in, MessagesOut: out, Mailbox: mailbox, RunningTime: running, Uptime: 100, State: StateSleep}
}

func state(c Counters, s string) Counters { c.State = s; return c }

// healthy is a node where nothing is wrong: idle and ticking processes,
// a steady runtime, a connected peer, an event with a subscriber.
func healthy() *Facts {
	f := &Facts{Window: time.Second, Probes: 40, ProcsBefore: 100, ProcsAfter: 100, Missing: map[Need]string{}}
	f.Procs = []Proc{
		proc(1001, "main.idle", sleeping(0, 0, 0, 0), sleeping(0, 0, 0, 0)),
		proc(1002, "main.ticker", sleeping(1000, 1000, 0, 5e8), sleeping(1050, 1050, 0, 5.1e8)),
		proc(1003, "main.producer", sleeping(10, 500, 0, 1e6), sleeping(10, 520, 0, 1.1e6)),
		proc(1004, "main.sub", sleeping(500, 0, 0, 1e6), sleeping(520, 0, 1, 1.1e6)),
	}
	f.Runtime = &RuntimeWindow{
		Before: Runtime{HeapLiveBytes: 20 << 20, HeapObjectsBytes: 24 << 20, GCCycles: 10, GCCPUSeconds: 1, CPUSeconds: 100},
		After:  Runtime{HeapLiveBytes: 20 << 20, HeapObjectsBytes: 25 << 20, GCCycles: 11, GCCPUSeconds: 1.01, CPUSeconds: 108},
	}
	f.Peers = []Peer{{Name: "b@h", Connected: true, ConnectedBefore: true, Known: true, Uptime: 1000, ConnectionUptime: 900, ConnectionUptimeBefore: 899}}
	f.Events = []Event{{Name: "orders", Producer: pid(1003), Subscribers: 1, SubscriberPIDs: []string{pid(1004)}, Published: 120, PublishedBefore: 100}}
	f.Families = []Family{{Parent: pid(1), ParentID: 1, Behavior: "main.ticker", Count: 4, MinUptime: 100, MaxUptime: 100}}
	f.Logs = []LogEntry{{Level: "info", Kind: "process", Source: "main.ticker", Template: "tick %d", Count: 500, CountBefore: 480}}
	f.GoGroups = []GoGroup{{Funcs: []string{"runtime.gopark", "net/http.(*conn).serve"}, CreatedBy: "net/http.(*Server).Serve", State: "IO wait", Count: 3, CountBefore: 3}}
	return f
}

func TestHealthyIsSilent(t *testing.T) {
	rep, err := Run(healthy(), Overview)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Findings) != 0 {
		t.Fatalf("healthy facts gave findings: %+v", rep.Findings)
	}
	if len(rep.Checked) != len(Rules) || rep.NotChecked != nil {
		t.Errorf("checked %v, not checked %v", rep.Checked, rep.NotChecked)
	}
}

// cases break the healthy facts in one way each; the rule must fire and
// name culprit in its evidence.
var cases = []struct {
	rule    string
	culprit string
	sev     Severity
	breakIt func(f *Facts)
}{
	{"mailbox_growing", pid(1004), High, func(f *Facts) {
		f.Procs[3].After = state(sleeping(3000, 0, 1500, 1e6), StateRunning)
	}},
	{"blocked_callback", pid(1003), High, func(f *Facts) {
		b := state(sleeping(10, 500, 30, 1e6), StateWaitResponse)
		f.Procs[2].Before, f.Procs[2].After = &b, state(sleeping(40, 500, 60, 1e6), StateWaitResponse)
		f.Procs[2].Probes, f.Procs[2].Waiting = 40, 40
	}},
	{"cpu_hog", pid(1002), High, func(f *Facts) {
		f.Procs[1].After.RunningTime = f.Procs[1].Before.RunningTime + 9e8
	}},
	{"call_chain", pid(1002), Critical, func(f *Facts) {
		w := state(sleeping(5, 5, 0, 1e6), StateWaitResponse)
		f.Procs[0].Before, f.Procs[0].After, f.Procs[0].Probes, f.Procs[0].Waiting = &w, w, 40, 40
		r := state(sleeping(1050, 1050, 0, 5e8), StateRunning)
		f.Procs[1].Before, f.Procs[1].After, f.Procs[1].Probes, f.Procs[1].Running = &r, r, 40, 40
	}},
	{"process_leak", pid(1003), High, func(f *Facts) {
		f.ProcsAfter, f.Born = 250, 150
		f.Families = append(f.Families, Family{Parent: pid(1003), ParentID: 1003, Behavior: "main.worker", Count: 150, NeverReceived: 150, MinUptime: 0, MaxUptime: 10, Youngest: []string{pid(2000)}})
	}},
	{"goroutine_leak", pid(1002), Medium, func(f *Facts) {
		f.Behaviors = []Behavior{{Behavior: "main.ticker", Count: 1, PIDs: []string{pid(1002)}}}
		f.GoGroups = append(f.GoGroups, GoGroup{Funcs: []string{"runtime.gopark", "example.com/app/main.wait"}, CreatedBy: "example.com/app/main.(*ticker).HandleMessage", State: "chan receive", Count: 40, CountBefore: 20})
	}},
	{"log_flood", pid(1003), Medium, func(f *Facts) {
		f.Logs = append(f.Logs, LogEntry{Level: "error", Kind: "process", Source: "pmain.producer", Behavior: "main.producer", Template: "rejected %d", Count: 100, CountBefore: 80, PIDs: []string{pid(1003)}})
	}},
	{"heap_retention", pid(1003), Medium, func(f *Facts) {
		f.Behaviors = []Behavior{{Behavior: "main.producer", Count: 1, PIDs: []string{pid(1003)}}}
		f.Sites = []HeapSite{{Funcs: []string{"runtime.mallocgc", "example.com/app/main.(*producer).HandleMessage"}, InUse: 8 << 20, Allocated: 8 << 20, AllocatedInWindow: 1 << 20}}
	}},
	{"event_never_published", pid(1003), Medium, func(f *Facts) {
		f.Events[0].Published, f.Events[0].PublishedBefore = 0, 0
	}},
	{"restart_loop", pid(1001), Critical, func(f *Facts) {
		f.Born, f.Died = 12, 12
		f.Groups = []Group{{Parent: pid(1001), Behavior: "main.flaky", Born: 12, Died: 12, Alive: []string{pid(3000)}, Gone: []string{pid(2990)}}}
	}},
	{"heap_growth", pid(1003), Medium, func(f *Facts) {
		f.Runtime.After.HeapLiveBytes = 30 << 20
		f.Behaviors = []Behavior{{Behavior: "main.producer", Count: 1, PIDs: []string{pid(1003)}}}
		f.Heap = []Stack{{Value: 10 << 20, Funcs: []string{"runtime.mallocgc", "example.com/app/main.(*producer).HandleMessage"}}}
	}},
	{"gc_pressure", "", High, func(f *Facts) {
		f.Runtime.After.GCCPUSeconds, f.Runtime.After.GCCycles = 4, 12
	}},
	{"peer_not_connected", "c@h", Medium, func(f *Facts) {
		f.Peers = append(f.Peers, Peer{Name: "c@h", Known: true})
	}},
	{"peer_flapping", "b@h", High, func(f *Facts) {
		f.Peers[0].ConnectionUptime = 0
	}},
	{"event_no_subscribers", pid(1003), Medium, func(f *Facts) {
		f.Events[0].Subscribers, f.Events[0].SubscriberPIDs = 0, nil
	}},
	{"event_slow_subscriber", pid(1004), High, func(f *Facts) {
		f.Procs[3].After.Mailbox = 2000
	}},
}

func TestEveryRuleFiresWithItsCulprit(t *testing.T) {
	covered := map[string]bool{}
	for _, c := range cases {
		t.Run(c.rule, func(t *testing.T) {
			covered[c.rule] = true
			f := healthy()
			c.breakIt(f)
			rep, err := Run(f, Overview)
			if err != nil {
				t.Fatal(err)
			}
			var got *Finding
			for i := range rep.Findings {
				if rep.Findings[i].Rule == c.rule {
					got = &rep.Findings[i]
				}
			}
			if got == nil {
				t.Fatalf("%s did not fire: %+v", c.rule, rep.Findings)
			}
			var ev strings.Builder
			enc := json.NewEncoder(&ev)
			enc.SetEscapeHTML(false)
			if err := enc.Encode(got.Evidence); err != nil {
				t.Fatal(err)
			}
			if c.culprit != "" && !strings.Contains(ev.String(), c.culprit) {
				t.Errorf("evidence lacks %s: %s", c.culprit, ev.String())
			}
			if got.Severity != c.sev {
				t.Errorf("severity %s, want %s", got.Severity, c.sev)
			}
			if got.Conclusion == "" || len(got.Next) == 0 || strings.Contains(got.Conclusion, "\n") {
				t.Errorf("finding lacks a one-line conclusion or next steps: %+v", got)
			}
			if _, err := json.Marshal(rep); err != nil {
				t.Errorf("report does not encode: %v", err)
			}
		})
	}
	for _, r := range Rules {
		if !covered[r.ID] {
			t.Errorf("rule %s has no test case", r.ID)
		}
	}
}

func TestRanking(t *testing.T) {
	f := healthy()
	for _, c := range cases {
		if c.rule == "mailbox_growing" || c.rule == "restart_loop" || c.rule == "peer_not_connected" {
			c.breakIt(f)
		}
	}
	rep, err := Run(f, Overview)
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, fd := range rep.Findings {
		order = append(order, fd.Rule+":"+fd.Severity.String())
	}
	// The growing mailbox is an event subscriber's: both rules see it.
	want := []string{"restart_loop:critical", "event_slow_subscriber:high", "mailbox_growing:high", "peer_not_connected:medium"}
	if strings.Join(order, ",") != strings.Join(want, ",") {
		t.Errorf("order %v, want %v", order, want)
	}
	if !strings.HasPrefix(rep.Summary, "4 findings (1 critical, 2 high, 1 medium)") {
		t.Errorf("summary %q", rep.Summary)
	}
	// Within a severity, the larger magnitude first.
	a := Finding{Severity: High, Rule: "a", Magnitude: 2}
	b := Finding{Severity: High, Rule: "b", Magnitude: 5}
	Rules = append(Rules, &Rule{ID: "test_pair", Check: func(*Facts) []Finding {
		a.Evidence.Metrics, b.Evidence.Metrics = []Metric{metric("x", 1, "")}, []Metric{metric("x", 1, "")}
		a.Next, b.Next = []Step{step("t", "")}, []Step{step("t", "")}
		return []Finding{a, b}
	}})
	defer func() { Rules = Rules[:len(Rules)-1] }()
	rep, _ = Run(healthy(), Overview)
	if len(rep.Findings) != 2 || rep.Findings[0].Magnitude != 5 {
		t.Errorf("magnitude order: %+v", rep.Findings)
	}
}

func TestNoFindingWithoutEvidence(t *testing.T) {
	Rules = append(Rules, &Rule{ID: "test_empty", Check: func(*Facts) []Finding {
		return []Finding{{Severity: Critical, Conclusion: "unsupported", Next: []Step{step("t", "")}}}
	}})
	defer func() { Rules = Rules[:len(Rules)-1] }()
	rep, _ := Run(healthy(), Overview)
	if len(rep.Findings) != 0 {
		t.Errorf("a finding without evidence was reported: %+v", rep.Findings)
	}
}

func TestMissingDataIsNotClean(t *testing.T) {
	f := healthy()
	f.Missing[NeedNetwork] = "networking is disabled"
	f.Missing[NeedEvents] = "skipped: the budget of 2s was spent (raise budget_ms)"
	rep, err := Run(f, Overview)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"peer_not_connected", "peer_flapping", "event_no_subscribers", "event_slow_subscriber"} {
		if !strings.Contains(rep.NotChecked[id], "network") && !strings.Contains(rep.NotChecked[id], "budget") {
			t.Errorf("%s: not checked %q", id, rep.NotChecked[id])
		}
	}
	for _, id := range rep.Checked {
		if strings.HasPrefix(id, "peer_") || strings.HasPrefix(id, "event_") {
			t.Errorf("%s ran without its data", id)
		}
	}
}

func TestPlanFor(t *testing.T) {
	p, err := PlanFor("", 0)
	if err != nil || p.Scenario != Overview || p.Budget != 2*time.Second || p.Window != time.Second {
		t.Fatalf("default plan %+v, %v", p, err)
	}
	if p.Gather&NeedNetwork == 0 || p.Gather&NeedHeap == 0 {
		t.Errorf("overview gathers %s", p.Gather)
	}
	p, _ = PlanFor("network", 500)
	if p.Gather != NeedNetwork || p.Window != 250*time.Millisecond {
		t.Errorf("network plan %+v (%s)", p, p.Gather)
	}
	p, _ = PlanFor("stuck", 0)
	if p.Gather&NeedStacks == 0 || p.Gather&NeedHeap != 0 {
		t.Errorf("stuck gathers %s", p.Gather)
	}
	for _, bad := range []struct {
		scenario string
		budget   int
		want     string
	}{
		{"everything", 0, "overview, performance"},
		{"leak", 499, "between 500 and 30000"},
		{"leak", 30001, "between 500 and 30000"},
		{"leak", -1, "between 500 and 30000"},
	} {
		if _, err := PlanFor(bad.scenario, bad.budget); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("PlanFor(%q, %d): %v", bad.scenario, bad.budget, err)
		}
	}
	for _, s := range Scenarios[1:] {
		rules, _ := RulesFor(s)
		if len(rules) == 0 {
			t.Errorf("scenario %s runs no rule", s)
		}
	}
}

func TestCollectorBounds(t *testing.T) {
	c := NewCollector(time.Second, hash)
	c.Want(5000)
	for id := uint64(1000); id < 11000; id++ {
		b := sleeping(0, 0, id%7, 0)
		p := Proc{ID: id, Behavior: "main.w", ParentID: 999, Before: &b, After: sleeping(0, 0, id%7+id%13, 0)}
		c.Add(p)
		c.Born(id, 999, "main.w", id%2 == 0)
		if id%3 == 0 {
			c.Died(id, 999, "main.w")
		}
	}
	for parent := uint64(1); parent < MaxGroups+10; parent++ {
		c.Born(20000+parent, parent, "main.x", true)
	}
	var f Facts
	c.Fill(&f)
	if len(f.Procs) > int(measures)*PerMeasure+1 {
		t.Errorf("kept %d processes", len(f.Procs))
	}
	found := false
	for _, p := range f.Procs {
		found = found || p.ID == 5000 && p.PID == pid(5000) && p.Parent == pid(999)
	}
	if !found {
		t.Error("the wanted process was not kept with its PID and parent")
	}
	if len(f.Groups) != MaxGroups+1 || f.Groups[0].Parent != pid(999) || f.Groups[0].Born != 10000 || len(f.Groups[0].Alive) != MaxEvidence {
		t.Errorf("groups: %d, first %+v", len(f.Groups), f.Groups[0])
	}
	if f.Groups[0].Alive[0] != pid(10998) {
		t.Errorf("alive not youngest first: %v", f.Groups[0].Alive)
	}
	if len(f.Behaviors) != 1 || f.Behaviors[0].Count != 10000 || len(f.Behaviors[0].PIDs) != pidsPerBehavior {
		t.Errorf("behaviours: %+v", f.Behaviors)
	}
}

func TestStacks(t *testing.T) {
	stacks := []Stack{
		{Value: 1, Funcs: []string{"runtime.gopark", "runtime.chanrecv1", "example.com/x/scenario.(*chainEnd).HandleCall"}},
		{Value: 1, PID: pid(7), Funcs: []string{"example.com/x/scenario.(*burner).HandleMessage"}},
		{Value: 1, Funcs: []string{"example.com/x/notscenario.(*chainEnd).HandleCall"}},
	}
	got := SelectGoroutines(stacks, false, nil, []string{"*scenario.chainEnd"})
	if len(got) != 1 || !got[0].parked() || got[0].where() != "example.com/x/scenario.(*chainEnd).HandleCall" {
		t.Errorf("by behaviour: %+v", got)
	}
	got = SelectGoroutines(stacks, true, []string{pid(7)}, nil)
	if len(got) != 1 || got[0].parked() {
		t.Errorf("by label: %+v", got)
	}
	d := Delta([]Stack{{Value: 10, Funcs: []string{"a"}}}, []Stack{{Value: 15, Funcs: []string{"a"}}, {Value: 3, Funcs: []string{"b"}}, {Value: 3, Funcs: []string{"b"}}})
	if len(d) != 2 || d[0].Value != 5 || d[1].Value != 6 {
		t.Errorf("delta %+v", d)
	}
}

var update = flag.Bool("update", false, "rewrite the generated rule table in DIAGNOSE.md")

// TestDoc keeps DIAGNOSE.md's rule table in step with Rules: every rule
// id, its scenarios, severity and doc sentence appear there.
func TestDoc(t *testing.T) {
	const path = "../../DIAGNOSE.md"
	text, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	begin, end := "<!-- rules:begin (generated by go test ./internal/diagnose -run TestDoc -update) -->", "<!-- rules:end -->"
	i, j := strings.Index(string(text), begin), strings.Index(string(text), end)
	if i < 0 || j < i {
		t.Fatalf("%s lacks the markers %q and %q", path, begin, end)
	}
	want := string(text[:i]) + begin + "\n" + RuleTable() + end + string(text[j+len(end):])
	if *update {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if string(text) != want {
		t.Errorf("%s is out of date with the rule table: run go test ./internal/diagnose -run TestDoc -update", path)
	}
	for _, r := range Rules {
		if !strings.Contains(string(text), "`"+r.ID+"`") {
			t.Errorf("%s does not list rule %s", path, r.ID)
		}
	}
}

// TestHeapGrowthNamesOnlyTheHolders: a behaviour that allocated a sliver
// of what the top one holds is not blamed, and the named process carries
// its name from the snapshot.
func TestHeapGrowthNamesOnlyTheHolders(t *testing.T) {
	f := healthy()
	f.Runtime.After.HeapLiveBytes = 60 << 20
	f.Behaviors = []Behavior{
		{Behavior: "main.producer", Count: 1, PIDs: []string{pid(1003)}},
		{Behavior: "main.ticker", Count: 1, PIDs: []string{pid(1002)}},
	}
	f.Heap = []Stack{
		{Value: 40 << 20, Funcs: []string{"runtime.mallocgc", "example.com/app/main.(*producer).HandleMessage"}},
		{Value: 1 << 20, Funcs: []string{"runtime.mallocgc", "example.com/app/main.(*ticker).HandleMessage"}},
	}
	rep, err := Run(f, "memory")
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, fd := range rep.Findings {
		if fd.Rule != "heap_growth" {
			continue
		}
		found = true
		if len(fd.Evidence.Processes) != 1 || fd.Evidence.Processes[0].PID != pid(1003) || fd.Evidence.Processes[0].Name != "pmain.producer" {
			t.Fatalf("heap_growth evidence: %+v", fd.Evidence.Processes)
		}
	}
	if !found {
		t.Fatalf("heap_growth did not fire: %+v", rep.Findings)
	}
}
