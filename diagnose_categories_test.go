package ergomcp_test

import (
	"cmp"
	"fmt"
	"os"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"ergo.services/ergo/act"
	"ergo.services/ergo/gen"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/ergomcp/ergomcp"
	"github.com/ergomcp/ergomcp/examples/scenario"
	"github.com/ergomcp/ergomcp/internal/mcptest"
)

// warmup is how long a scenario runs before diagnose looks: long enough
// for its misbehaviour to leave a history at its rate (two crashes of a
// slow restart loop, a leak's family born over a few seconds), not for
// it to grow past any threshold.
func warmup(sc scenario.Scenario, rate float64) time.Duration {
	switch sc.Name {
	case "restart_loop":
		return max(time.Duration(2.3/rate*float64(time.Second)), time.Second)
	case "leak":
		return max(time.Duration(5.5/rate*float64(time.Second)), 4*time.Second)
	case "heap_retention", "slow_consumer":
		return 4 * time.Second
	case "call_cycle", "goroutine_leak":
		return 3 * time.Second
	}
	return 1500 * time.Millisecond
}

// rates are the scenario's low and high rate (one when they are equal).
func rates(sc scenario.Scenario) []float64 {
	if sc.Low == sc.High {
		return []float64{sc.Low}
	}
	return []float64{sc.Low, sc.High}
}

// countsPublications: ergo ≥ 3.3 counts event publications.
func countsPublications(node gen.Node) bool {
	_, ok := reflect.TypeOf(node).MethodByName("EventRangeInfo")
	return ok
}

// diagnoseOnce calls diagnose at the default budget on a fresh session.
func diagnoseOnce(t *testing.T, port uint16, args map[string]any) diagReport {
	t.Helper()
	s := mcptest.Connect(t, mcptest.URL(port), "")
	var rep diagReport
	res := mcptest.Call(t, s, "diagnose", args, &rep)
	if os.Getenv("ERGOMCP_DIAGNOSE_DUMP") != "" {
		t.Logf("diagnose %v:\n%s", args, res.Content[0].(*mcp.TextContent).Text)
	}
	return rep
}

// withGCs runs f while a goroutine runs the GC every 400 ms. Heap
// profiles are as of the last GC, and a site's share of what it allocated
// since the process started is diluted by every earlier test's run of the
// same scenario (their memory freed when they stopped); GCs inside the
// window let diagnose read the site over the window instead, as it would
// on a node whose heap grows fast enough to collect often.
func withGCs(f func()) {
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(400 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				runtime.GC()
			}
		}
	}()
	f()
	close(stop)
	<-done
}

// heapScenario: its culprit is found from heap profiles.
func heapScenario(name string) bool { return name == "heap_retention" || name == "memory" }

// blames returns the finding of rule whose evidence names one of pids.
func blames(t *testing.T, rep *diagReport, rule string, pids []gen.PID) *diagFinding {
	for _, f := range rep.findings(t) {
		if f.Rule != rule {
			continue
		}
		for _, pid := range pids {
			if strings.Contains(string(f.Evidence), pid.String()) {
				return &f
			}
		}
	}
	return nil
}

// alsoBy are rules that may name a scenario's culprit instead of its own:
// heap_growth reads the live heap of the whole Go process, which the other
// nodes of a parallel test share (their garbage dilutes the hog's growth),
// while heap_retention reads the hog's own allocation site.
var alsoBy = map[string][]string{"memory": {"heap_retention"}}

// expectCulprit checks that rep names sc's culprits by sc's rule, or, on
// ergo that cannot measure it, says so in NotChecked.
func expectCulprit(t *testing.T, node gen.Node, rep *diagReport, sc scenario.Scenario, run *scenario.Run) {
	t.Helper()
	if msg := culpritProblem(t, node, rep, sc, run); msg != "" {
		t.Error(msg)
	}
}

// culpritProblem says what is wrong with rep for sc, "" when nothing.
func culpritProblem(t *testing.T, node gen.Node, rep *diagReport, sc scenario.Scenario, run *scenario.Run) string {
	if sc.Rule == "event_never_published" && !countsPublications(node) {
		if why := rep.NotChecked[sc.Rule]; !strings.Contains(why, "cannot be told") {
			return fmt.Sprintf("%s: ergo < 3.3 cannot tell, but the rule says %q (checked %v)", sc.Name, why, rep.Checked)
		}
		return ""
	}
	f := blames(t, rep, sc.Rule, run.Culprits)
	for _, alt := range alsoBy[sc.Name] {
		if f == nil {
			f = blames(t, rep, alt, run.Culprits)
		}
	}
	if f == nil {
		return fmt.Sprintf("%s: %s names none of %v; summary %q, not checked %v, findings:\n%s", sc.Name, sc.Rule, run.Culprits,
			rep.Summary, rep.NotChecked, joinRaw(rep.Findings))
	}
	if f.Conclusion == "" || len(f.Next) == 0 || f.Severity == "low" || f.Severity == "info" {
		return fmt.Sprintf("%s: finding is %s, or lacks a conclusion or next steps: %+v", sc.Name, f.Severity, f)
	}
	return ""
}

// diagnoseUntil calls diagnose with args and, when check finds a problem,
// once more: on a loaded machine (the race detector on two shared cores)
// one window may miss a rate that the next, a few seconds of history
// later, shows. A rule that is wrong fails both.
func diagnoseUntil(t *testing.T, port uint16, args map[string]any, heap bool, check func(*diagReport) string) diagReport {
	t.Helper()
	var rep diagReport
	for try := 0; try < 2; try++ {
		if heap {
			withGCs(func() { rep = diagnoseOnce(t, port, args) })
		} else {
			rep = diagnoseOnce(t, port, args)
		}
		if check(&rep) == "" {
			break
		}
	}
	return rep
}

// corpusRow is one line of DIAGNOSE.md's corpus table.
type corpusRow struct {
	scenario, rule string
	rate           float64
	unit           string
	found          string // severity of the expected rule's finding naming the culprit, or why not
	others         []string
}

// corpus collects the rows of one run (subtests run in parallel).
type corpus struct {
	mu   sync.Mutex
	rows []corpusRow
}

func (c *corpus) add(r corpusRow) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.rows = append(c.rows, r)
}

// otherRules lists the rules besides rule that fired, with severities.
func otherRules(t *testing.T, rep *diagReport, rule string) []string {
	var out []string
	for _, f := range rep.findings(t) {
		if f.Rule != rule {
			out = append(out, f.Rule+" ("+f.Severity+")")
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// TestDiagnoseCorpus runs each scenario at its low and its high rate on
// a fresh node and checks that one diagnose call at the default budget
// names its culprit by PID under the scenario's rule; then the healthy
// control, which must yield no finding of medium severity or worse.
// ERGOMCP_UPDATE_CORPUS=1 writes what fired into DIAGNOSE.md's corpus table.
func TestDiagnoseCorpus(t *testing.T) {
	if raceDetector {
		t.Skip("judges rates in real time, which the race detector slows several times: scripts/test.sh runs it again without -race")
	}
	var c corpus
	// The categories run side by side, each on its own node, in one test:
	// parallel subtests would scatter ergo's own race reports (which
	// internal/testrun excuses per test) over tests that did not cause them.
	t.Run("categories", func(t *testing.T) {
		sem := make(chan struct{}, corpusParallel)
		var wg sync.WaitGroup
		only := os.Getenv("ERGOMCP_CORPUS_ONLY") // one scenario, when debugging
		for _, sc := range scenario.All() {
			if only != "" && sc.Name != only {
				continue
			}
			for _, rate := range rates(sc) {
				wg.Add(1)
				go func() {
					defer wg.Done()
					sem <- struct{}{}
					defer func() { <-sem }()
					if m, ok := alone[sc.Name]; ok {
						// Its two rates must not overlap: the goroutine dump
						// and heap profile are the process's, and one run's
						// Stop (freeing its goroutines or memory) would show
						// as a shrinking group in the other's window.
						m.Lock()
						defer m.Unlock()
					}
					categoryAt(t, &c, sc, rate)
				}()
			}
		}
		wg.Wait()
	})
	// Not beside the categories: memory and goroutine rules read the whole
	// Go runtime, which the other nodes of this process share.
	t.Run("healthy", func(t *testing.T) {
		for _, rate := range scenario.HealthyRates {
			healthyAt(t, &c, rate)
		}
	})
	if os.Getenv("ERGOMCP_UPDATE_CORPUS") != "" && !t.Failed() {
		writeCorpus(t, c.rows)
	}
}

// alone are the scenarios whose two rates run one after the other.
var alone = map[string]*sync.Mutex{"goroutine_leak": {}, "heap_retention": {}, "memory": {}}

// corpusParallel is how many categories run at once.
const corpusParallel = 3

// categoryAt runs sc at rate on a fresh node and checks diagnose's
// findings. It runs on a goroutine of its own: failures are reported with
// t.Errorf, and the node's scenario is stopped before it returns.
func categoryAt(t *testing.T, c *corpus, sc scenario.Scenario, rate float64) {
	port := mcptest.FreePort(t)
	node, err := startNode(t, ergomcp.Options{Port: port})
	if err != nil {
		t.Errorf("%s@%g: %v", sc.Name, rate, err)
		return
	}
	run, err := sc.StartAt(node, rate)
	if err != nil {
		t.Errorf("%s@%g: %v", sc.Name, rate, err)
		return
	}
	defer run.Stop()
	time.Sleep(warmup(sc, rate))
	check := func(rep *diagReport) string { return culpritProblem(t, node, rep, sc, run) }
	rep := diagnoseUntil(t, port, map[string]any{}, heapScenario(sc.Name), check)
	expectCulprit(t, node, &rep, sc, run)
	row := corpusRow{scenario: sc.Name, rule: sc.Rule, rate: rate, unit: sc.Unit, others: otherRules(t, &rep, sc.Rule)}
	switch f := blames(t, &rep, sc.Rule, run.Culprits); {
	case f != nil:
		row.found = f.Severity
	case rep.NotChecked[sc.Rule] != "":
		row.found = "not checked: " + rep.NotChecked[sc.Rule]
	default:
		row.found = "not found"
	}
	c.add(row)
	if rate == sc.High {
		// The scenario's own playbook finds it too.
		playbook, ok := diagnoseScenarioOf[sc.Name]
		if !ok {
			t.Errorf("no diagnose scenario for example scenario %s", sc.Name)
			return
		}
		rep := diagnoseUntil(t, port, map[string]any{"scenario": playbook}, heapScenario(sc.Name), check)
		expectCulprit(t, node, &rep, sc, run)
	}
}

func healthyAt(t *testing.T, c *corpus, rate float64) {
	port := mcptest.FreePort(t)
	node, err := startNode(t, ergomcp.Options{Port: port})
	if err != nil {
		t.Fatal(err)
	}
	run, err := scenario.StartHealthy(node, rate)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(run.Stop)
	// The categories before left garbage in this Go process; the GC and
	// the live heap are the process's, not the node's: start clean.
	runtime.GC()
	time.Sleep(time.Second)
	rep := diagnoseOnce(t, port, map[string]any{})
	for _, f := range rep.findings(t) {
		if f.Severity != "low" && f.Severity != "info" {
			t.Errorf("healthy at %g/s: %s finding %s: %s", rate, f.Severity, f.Rule, f.Conclusion)
		}
	}
	found := "nothing blamed"
	for _, f := range rep.findings(t) {
		if strings.Contains(string(f.Evidence), run.Culprits[0].String()) {
			found = "blamed by " + f.Rule + " (" + f.Severity + ")"
		}
	}
	c.add(corpusRow{scenario: "healthy control", rate: rate, unit: "messages/s", found: found, others: otherRules(t, &rep, "")})
}

// writeCorpus rewrites DIAGNOSE.md's corpus section from rows.
func writeCorpus(t *testing.T, rows []corpusRow) {
	slices.SortFunc(rows, func(a, b corpusRow) int {
		if a.scenario != b.scenario {
			if a.scenario == "healthy control" || b.scenario == "healthy control" {
				return cmp.Compare(boolInt(a.scenario == "healthy control"), boolInt(b.scenario == "healthy control"))
			}
			return strings.Compare(a.scenario, b.scenario)
		}
		return cmp.Compare(a.rate, b.rate)
	})
	var b strings.Builder
	fmt.Fprintf(&b, "| scenario | rate | expected rule | culprit named | other findings |\n|---|---|---|---|---|\n")
	for _, r := range rows {
		others := strings.Join(r.others, ", ")
		if others == "" {
			others = "none"
		}
		fmt.Fprintf(&b, "| %s | %g %s | %s | %s | %s |\n", r.scenario, r.rate, r.unit, orDash(r.rule), r.found, others)
	}
	const begin, end = "<!-- corpus:begin", "<!-- corpus:end -->"
	doc, err := os.ReadFile("DIAGNOSE.md")
	if err != nil {
		t.Fatal(err)
	}
	i, j := strings.Index(string(doc), begin), strings.Index(string(doc), end)
	if i < 0 || j < i {
		t.Fatal("DIAGNOSE.md has no corpus markers")
	}
	i += strings.Index(string(doc[i:]), "\n") + 1
	out := string(doc[:i]) + b.String() + string(doc[j:])
	if err := os.WriteFile("DIAGNOSE.md", []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// TestDiagnoseAllAtOnce runs every scenario on one node and checks that
// one diagnose call at the default budget names every culprit.
func TestDiagnoseAllAtOnce(t *testing.T) {
	if raceDetector {
		t.Skip("judges rates in real time, which the race detector slows several times: scripts/test.sh runs it again without -race")
	}
	port := mcptest.FreePort(t)
	node, err := startNode(t, ergomcp.Options{Port: port})
	if err != nil {
		t.Fatal(err)
	}
	all := scenario.All()
	runs := make([]*scenario.Run, len(all))
	wait := time.Duration(0)
	for i, sc := range all {
		if runs[i], err = sc.Start(node); err != nil {
			t.Fatalf("%s: %v", sc.Name, err)
		}
		t.Cleanup(runs[i].Stop)
		wait = max(wait, warmup(sc, sc.Rate))
	}
	// Heap profiles are as of the last GC: give the hogs a few.
	time.Sleep(max(wait, 6*time.Second))
	args := map[string]any{} // the default budget
	rep := diagnoseUntil(t, port, args, true, func(rep *diagReport) string {
		var problems []string
		for i, sc := range all {
			if msg := culpritProblem(t, node, rep, sc, runs[i]); msg != "" {
				problems = append(problems, msg)
			}
		}
		return strings.Join(problems, "\n")
	})
	for i, sc := range all {
		expectCulprit(t, node, &rep, sc, runs[i])
	}
	if os.Getenv("ERGOMCP_DIAGNOSE_DUMP") != "" {
		t.Logf("all at once: %s", rep.Summary)
	}
}

// demoProducer and demoConsumer are the demo's pair (examples/demo): 20
// jobs a second to a consumer that needs 100 ms a job, +10/s.
type demoProducer struct{ act.Actor }

func (p *demoProducer) Init(args ...any) error {
	p.SendAfter(p.PID(), "tick", 50*time.Millisecond)
	return nil
}

func (p *demoProducer) HandleMessage(from gen.PID, message any) error {
	p.Send(gen.Atom("demo_slow_consumer"), "job")
	p.SendAfter(p.PID(), "tick", 50*time.Millisecond)
	return nil
}

type demoConsumer struct{ act.Actor }

func (c *demoConsumer) HandleMessage(from gen.PID, message any) error {
	time.Sleep(100 * time.Millisecond)
	return nil
}

// TestDiagnoseDemoSlowConsumer: diagnose scenario=performance finds the
// demo's slow consumer, whose mailbox grows 10 a second.
func TestDiagnoseDemoSlowConsumer(t *testing.T) {
	port := mcptest.FreePort(t)
	node, err := startNode(t, ergomcp.Options{Port: port})
	if err != nil {
		t.Fatal(err)
	}
	consumer, err := node.SpawnRegister("demo_slow_consumer", func() gen.ProcessBehavior { return &demoConsumer{} }, gen.ProcessOptions{})
	if err != nil {
		t.Fatal(err)
	}
	producer, err := node.Spawn(func() gen.ProcessBehavior { return &demoProducer{} }, gen.ProcessOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { node.Kill(producer); node.Kill(consumer) })
	time.Sleep(time.Second)
	rep := diagnoseOnce(t, port, map[string]any{"scenario": "performance"})
	if f := blames(t, &rep, "mailbox_growing", []gen.PID{consumer}); f == nil {
		t.Errorf("performance does not find the demo's slow consumer %s: %s\n%s", consumer, rep.Summary, joinRaw(rep.Findings))
	}
}
