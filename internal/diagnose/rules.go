package diagnose

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/ergomcp/ergomcp/internal/window"
)

// Thresholds of the rules. Every rule's Doc states the ones it uses; the
// table below is the one place they are written down.
const (
	// mailbox_growing
	MailboxGrowthMin     = 20     // messages gained over the window
	MailboxGrowthRateMin = 10.0   // messages per second gained
	MailboxHigh          = 1000   // queued at the end: high
	MailboxCritical      = 100000 // queued at the end: critical

	// blocked_callback
	BlockedMailboxMin = 10 // queued at the end

	// cpu_hog
	CPUHogShare = 0.5 // of one core, measured: medium
	CPUHogHigh  = 0.8 // of one core, measured (or on CPU in every probe): high

	// process_leak
	LeakMinNet     = 20    // processes gained over the window
	LeakMinRate    = 10.0  // processes gained per second
	LeakHighRate   = 100.0 // per second: high
	LeakHighGrowth = 0.10  // share of the table gained in the window: high

	// restart_loop
	RestartMinDeaths  = 3    // deaths and births under one parent, one behaviour, in the window
	RestartCriticalHz = 10.0 // restarts per second: critical

	// heap_growth
	HeapGrowthMinBytes  = 4 << 20  // live heap gained over the window
	HeapGrowthMinShare  = 0.10     // of the live heap at the start
	HeapGrowthHighRate  = 32 << 20 // bytes per second: high
	HeapLimitHighShare  = 0.90     // of GOMEMLIMIT: high
	HeapUnretainedBytes = 8 << 20  // heap objects gained with no GC in the window: low
	HeapMinShareOfTop   = 10       // a behaviour is named when its bytes are ≥ 1/10 of the top one's

	// gc_pressure
	GCShareMedium = 0.10 // of the available CPU (GOMAXPROCS × window) spent in GC
	GCShareHigh   = 0.25

	// event_slow_subscriber
	SlowSubscriberGrowth = 20 // messages gained over the window by a subscriber
)

// Rule is one entry of the table: what it detects, where it runs, what
// it reads and how it decides.
type Rule struct {
	// ID names the rule in findings and in DIAGNOSE.md.
	ID string
	// Scenarios are the playbooks besides overview that run it.
	Scenarios []string
	// Severity is the rule's severity at its threshold; Doc says what
	// raises it.
	Severity Severity
	// Needs is the data without which the rule cannot decide (it is then
	// reported as not checked); Uses is data it reads when present.
	Needs, Uses Need
	// Doc is the rule in one or two sentences, thresholds included.
	Doc string
	// Check returns the findings the rule supports on f.
	Check func(f *Facts) []Finding
}

// Rules is the table, in the order DIAGNOSE.md lists it.
var Rules = []*Rule{
	{
		ID: "mailbox_growing", Scenarios: []string{"performance", "stuck", "events"}, Severity: Medium,
		Needs: NeedProcesses,
		Doc: fmt.Sprintf("A process's mailbox grew by at least %d messages and %g messages/s over the window: it receives faster than it handles. "+
			"High from %d queued at the end, critical from %d.", MailboxGrowthMin, MailboxGrowthRateMin, MailboxHigh, MailboxCritical),
		Check: mailboxGrowing,
	},
	{
		ID: "blocked_callback", Scenarios: []string{"performance", "stuck"}, Severity: High,
		Needs: NeedProcesses, Uses: NeedStacks,
		Doc: fmt.Sprintf("A process with at least %d queued messages spent the whole window in one callback without handling a message: "+
			"in \"wait response\" (blocked in a synchronous call) or \"running\" with its goroutine parked (or no stack to tell).", BlockedMailboxMin),
		Check: blockedCallback,
	},
	{
		ID: "cpu_hog", Scenarios: []string{"performance"}, Severity: Medium,
		Needs: NeedProcesses, Uses: NeedStacks,
		Doc: fmt.Sprintf("A process used at least %g of a core over the window by its running time (high from %g), or ran one callback the whole "+
			"window with its goroutine on CPU in the goroutine profile (high; inferred where ergo recorded no running time).", CPUHogShare, CPUHogHigh),
		Check: cpuHog,
	},
	{
		ID: "call_chain", Scenarios: []string{"stuck"}, Severity: High,
		Needs: NeedProcesses, Uses: NeedStacks,
		Doc: "Processes stayed in \"wait response\" the whole window without progress; the suspected callees are processes running one callback " +
			"the whole window without progress (no message handled or sent), and waiters whose own mailbox holds requests. Critical when the chain " +
			"has a waiting caller and a suspected callee. The links are inferred: ergo does not record whom a process calls.",
		Check: callChain,
	},
	{
		ID: "process_leak", Scenarios: []string{"leak"}, Severity: Medium,
		Needs: NeedProcesses,
		Doc: fmt.Sprintf("The node gained at least %d processes and %g processes/s over the window, more spawned than terminated; grouped by parent "+
			"and behaviour. High from %g/s or a %g share of the table gained in the window.", LeakMinNet, LeakMinRate, LeakHighRate, LeakHighGrowth),
		Check: processLeak,
	},
	{
		ID: "restart_loop", Scenarios: []string{"restart_loop", "leak"}, Severity: High,
		Needs: NeedProcesses,
		Doc: fmt.Sprintf("Under one parent, processes of one behaviour died and were started again at least %d times each during the window "+
			"(a supervisor restarting a crashing child). Critical from %g restarts/s.", RestartMinDeaths, RestartCriticalHz),
		Check: restartLoop,
	},
	{
		ID: "heap_growth", Scenarios: []string{"memory"}, Severity: Medium,
		Needs: NeedRuntime, Uses: NeedHeap | NeedProcesses,
		Doc: fmt.Sprintf("The live heap (as marked by a GC inside the window) grew by at least %d MiB and a %g share. High from %d MiB/s, at %g of "+
			"GOMEMLIMIT, or with GC using %g of the CPU. Without a GC in the window, heap objects growing by %d MiB is low (retention unknown). "+
			"Allocation sites in the heap profile are attributed to actor behaviours by name (inferred).",
			HeapGrowthMinBytes>>20, HeapGrowthMinShare, HeapGrowthHighRate>>20, HeapLimitHighShare, GCShareHigh, HeapUnretainedBytes>>20),
		Check: heapGrowth,
	},
	{
		ID: "gc_pressure", Scenarios: []string{"memory", "performance"}, Severity: Medium,
		Needs: NeedRuntime,
		Doc:   fmt.Sprintf("The GC used at least %g of the available CPU (GOMAXPROCS × window) during the window; high from %g.", GCShareMedium, GCShareHigh),
		Check: gcPressure,
	},
	peerNotConnectedRule,
	peerHungRule,
	peerFlappingRule,
	{
		ID: "event_no_subscribers", Scenarios: []string{"events"}, Severity: Low,
		Needs: NeedEvents, Uses: NeedProcesses,
		Doc: "An event with no subscribers was published: during the window (medium; on ergo < 3.3, which counts no publications, inferred " +
			"from its producer sending messages in the window) or only before it (low). Skipped where subscribers on other nodes cannot be seen.",
		Check: eventNoSubscribers,
	},
	{
		ID: "event_slow_subscriber", Scenarios: []string{"events", "performance"}, Severity: Medium,
		Needs: NeedEvents | NeedProcesses,
		Doc: fmt.Sprintf("A subscriber of an event gained at least %d messages in its mailbox over the window: the fan-out outruns it. High from %d queued.",
			SlowSubscriberGrowth, MailboxHigh),
		Check: eventSlowSubscriber,
	},
}

// --- helpers shared by the checks ---

func (f *Facts) seconds() float64 {
	if s := f.Window.Seconds(); s > 0 {
		return s
	}
	return 1
}

// evidence describes p for a finding, with metrics.
func evidence(p *Proc, role string, metrics ...Metric) ProcEvidence {
	return ProcEvidence{
		PID: p.PID, Name: p.Name, Behavior: p.Behavior, Application: p.Application, Parent: p.Parent,
		State: p.After.State, Uptime: p.After.Uptime, Role: role, Metrics: metrics,
	}
}

func (p *Proc) before() Counters {
	if p.Before == nil {
		return Counters{}
	}
	return *p.Before
}

func mailboxMetric(p *Proc) Metric {
	b := p.before()
	return windowed("MessagesMailbox", float64(p.After.Mailbox)-float64(b.Mailbox), float64(b.Mailbox), float64(p.After.Mailbox), "messages")
}

// noProgress: nothing handled, sent or timed during the window.
func (p *Proc) noProgress(f *Facts) bool {
	if p.Before == nil {
		return false
	}
	r := p.Rates(f.Window)
	return r.ProcessingRate == 0 && p.After.MessagesOut == p.Before.MessagesOut && p.After.RunningTime == p.Before.RunningTime
}

func step(tool, why string, kv ...any) Step {
	s := Step{Tool: tool, Why: why}
	if len(kv) > 0 {
		s.Args = map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			s.Args[kv[i].(string)] = kv[i+1]
		}
	}
	return s
}

// stackStep is the next step that shows where p's goroutine is.
func stackStep(f *Facts, p *Proc) Step {
	if f.PprofLabels {
		return step("pprof_goroutines", "where its goroutine is now", "pid", p.PID, "debug", 2)
	}
	if fr := behaviorFrame(p.Behavior); fr != "" {
		return step("pprof_goroutines", "goroutines running its behaviour's code (no pid labels: build with -tags=pprof to select by pid)", "filter", fr)
	}
	return step("process_inspect", "whether it answers (a process stuck in a callback does not)", "pid", p.PID)
}

// behaviorFrame is the text a stack frame of the behaviour's methods
// contains: ergo names behaviours "pkg.Type", the profile "path/pkg.(*Type).Method"
// or "path/pkg.Type.Method".
func behaviorFrame(behavior string) string {
	behavior = strings.TrimPrefix(behavior, "*")
	i := strings.LastIndexByte(behavior, '.')
	if i <= 0 || i == len(behavior)-1 {
		return ""
	}
	return behavior[:i] + ".(*" + behavior[i+1:] + ")."
}

// ownsFrame reports whether fn is a method of behavior.
func ownsFrame(fn, behavior string) bool {
	ptr := behaviorFrame(behavior)
	if ptr == "" {
		return false
	}
	val := strings.TrimPrefix(behavior, "*") + "."
	for _, pat := range []string{ptr, val} {
		if j := strings.Index(fn, pat); j == 0 || j > 0 && fn[j-1] == '/' {
			return true
		}
	}
	return false
}

// stackOf finds p's goroutine in f.Goroutines: by pid label, or by
// behaviour name when exactly one candidate busy all window has that
// behaviour (inferred is then true).
func stackOf(f *Facts, p *Proc) (s *Stack, inferred bool) {
	if f.PprofLabels {
		for i := range f.Goroutines {
			if f.Goroutines[i].PID == p.PID {
				return &f.Goroutines[i], false
			}
		}
		return nil, false
	}
	same := 0
	for i := range f.Procs {
		q := &f.Procs[i]
		if q.Behavior == p.Behavior && (q.whole(StateRunning) || q.whole(StateWaitResponse)) {
			same++
		}
	}
	if same != 1 {
		return nil, false // ambiguous: several busy processes share the code
	}
	for i := range f.Goroutines {
		for _, fn := range f.Goroutines[i].Funcs {
			if ownsFrame(fn, p.Behavior) {
				return &f.Goroutines[i], true
			}
		}
	}
	return nil, false
}

// parkedLeaves are the leaf functions of a goroutine that waits rather
// than runs.
var parkedLeaves = []string{"runtime.gopark", "runtime.goparkunlock", "runtime.notetsleepg", "runtime.semasleep", "syscall.", "internal/runtime/syscall."}

// parked reports whether s is waiting (channel, lock, sleep, syscall).
func (s *Stack) parked() bool {
	if len(s.Funcs) == 0 {
		return false
	}
	for _, l := range parkedLeaves {
		if strings.HasPrefix(s.Funcs[0], l) {
			return true
		}
	}
	return false
}

// where is the first frame outside the runtime: what the goroutine is
// doing or waiting in.
func (s *Stack) where() string {
	for _, fn := range s.Funcs {
		if !strings.HasPrefix(fn, "runtime.") && !strings.HasPrefix(fn, "internal/") {
			return fn
		}
	}
	if len(s.Funcs) > 0 {
		return s.Funcs[0]
	}
	return "?"
}

func (s *Stack) line() string {
	n := min(len(s.Funcs), 6)
	return strings.Join(s.Funcs[:n], " < ")
}

func firstN[T any](s []T, n int) []T { return s[:min(len(s), n)] }

func name(p *Proc) string {
	if p.Name != "" {
		return p.PID + " (" + p.Name + ")"
	}
	if p.Behavior != "" {
		return p.PID + " (" + p.Behavior + ")"
	}
	return p.PID
}

// --- the checks ---

func mailboxGrowing(f *Facts) []Finding {
	type hit struct {
		p    *Proc
		rate float64
	}
	var hits []hit
	for i := range f.Procs {
		p := &f.Procs[i]
		b := p.before()
		if p.After.Mailbox < b.Mailbox+MailboxGrowthMin {
			continue
		}
		if rate := float64(p.After.Mailbox-b.Mailbox) / f.seconds(); rate >= MailboxGrowthRateMin {
			hits = append(hits, hit{p, rate})
		}
	}
	if len(hits) == 0 {
		return nil
	}
	slices.SortFunc(hits, func(a, b hit) int { return cmp.Compare(b.rate, a.rate) })
	worst := hits[0].p
	sev := Medium
	var ev Evidence
	for _, h := range firstN(hits, MaxEvidence) {
		r := h.p.Rates(f.Window)
		ms := []Metric{mailboxMetric(h.p), metric("MailboxGrowthRate", h.rate, "messages/s"),
			metric("MessagesInRate", r.InRate, "messages/s"), metric("ProcessingRate", r.ProcessingRate, "messages/s")}
		if v, ok := window.Finite(r.EstLatency); ok {
			ms = append(ms, metric("EstLatency", v, "s"))
		}
		ev.Processes = append(ev.Processes, evidence(h.p, "mailbox growing", ms...))
		switch {
		case h.p.After.Mailbox >= MailboxCritical:
			sev = Critical
		case h.p.After.Mailbox >= MailboxHigh && sev < High:
			sev = High
		}
	}
	if len(hits) > MaxEvidence {
		ev.Total = len(hits)
	}
	r := worst.Rates(f.Window)
	return []Finding{{
		Severity: sev,
		Conclusion: fmt.Sprintf("%d process(es) receive faster than they handle; worst %s: mailbox %d→%d (+%.0f/s) while handling %.0f/s",
			len(hits), name(worst), worst.before().Mailbox, worst.After.Mailbox, hits[0].rate, r.ProcessingRate),
		Evidence:  ev,
		Magnitude: hits[0].rate / MailboxGrowthRateMin,
		Next: []Step{
			step("process_top", "rates of the busiest mailboxes over a longer window", "sort_by", "mailbox_growth", "window_ms", 3000),
			stackStep(f, worst),
			step("process_info", "its links, monitors and queues by priority", "pid", worst.PID),
		},
	}}
}

func blockedCallback(f *Facts) []Finding {
	var hits []*Proc
	var why []string
	inferred := false
	var sites []string
	for i := range f.Procs {
		p := &f.Procs[i]
		if p.After.Mailbox < BlockedMailboxMin || !p.noProgress(f) {
			continue
		}
		switch {
		case p.whole(StateWaitResponse):
			hits = append(hits, p)
			why = append(why, "in wait response (a synchronous call)")
		case p.whole(StateRunning):
			s, byName := stackOf(f, p)
			switch {
			case s == nil:
				inferred = true
				why = append(why, "running one callback (blocked or spinning: no goroutine stack to tell)")
			case !s.parked():
				continue // on CPU: cpu_hog reports it
			default:
				inferred = inferred || byName
				why = append(why, "blocked in "+s.where())
				sites = append(sites, p.PID+": "+s.line())
			}
			hits = append(hits, p)
		}
	}
	if len(hits) == 0 {
		return nil
	}
	order := make([]int, len(hits))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return cmp.Compare(hits[b].After.Mailbox, hits[a].After.Mailbox) })
	var ev Evidence
	for _, i := range firstN(order, MaxEvidence) {
		ev.Processes = append(ev.Processes, evidence(hits[i], why[i], mailboxMetric(hits[i]),
			windowed("MessagesIn", float64(hits[i].After.MessagesIn-hits[i].before().MessagesIn), float64(hits[i].before().MessagesIn), float64(hits[i].After.MessagesIn), "messages")))
	}
	ev.Sites = firstN(sites, MaxEvidence)
	if len(hits) > MaxEvidence {
		ev.Total = len(hits)
	}
	worst := hits[order[0]]
	fd := Finding{
		Severity: High,
		Conclusion: fmt.Sprintf("%d process(es) stayed in one callback all window with messages queued; worst %s, %s, %d queued",
			len(hits), name(worst), why[order[0]], worst.After.Mailbox),
		Evidence:  ev,
		Magnitude: float64(worst.After.Mailbox) / BlockedMailboxMin,
		Next: []Step{
			stackStep(f, worst),
			step("process_inspect", "a process stuck in a callback does not answer: confirms it", "pid", worst.PID),
			step("process_list", "every process waiting for a call's response", "state", "wait_response", "sort_by", "mailbox"),
		},
	}
	if inferred {
		fd.Inferred = "the goroutine's state comes from a stack matched by behaviour name, or is unknown; ergo records no per-process blocking reason"
	}
	return []Finding{fd}
}

func cpuHog(f *Facts) []Finding {
	type hit struct {
		p        *Proc
		share    float64
		measured bool
		stack    *Stack
		byName   bool
	}
	var hits []hit
	for i := range f.Procs {
		p := &f.Procs[i]
		r := p.Rates(f.Window)
		if r.CPU >= CPUHogShare && !r.New && !r.Reset {
			hits = append(hits, hit{p: p, share: r.CPU, measured: true})
			continue
		}
		if !p.whole(StateRunning) {
			continue
		}
		if s, byName := stackOf(f, p); s != nil && !s.parked() {
			hits = append(hits, hit{p: p, share: 1, stack: s, byName: byName})
		}
	}
	if len(hits) == 0 {
		return nil
	}
	slices.SortFunc(hits, func(a, b hit) int { return cmp.Compare(b.share, a.share) })
	sev := Medium
	var ev Evidence
	inferred := false
	for _, h := range firstN(hits, MaxEvidence) {
		b := h.p.before()
		var m Metric
		if h.measured {
			m = windowed("CPU", h.share, float64(b.RunningTime)/1e9, float64(h.p.After.RunningTime)/1e9, "share of one core (RunningTime in s before/after)")
		} else {
			inferred = true
			m = metric("CPU", h.share, "share of one core, inferred: running in every probe, goroutine on CPU")
			ev.Sites = append(ev.Sites, h.p.PID+": "+h.stack.line())
		}
		ev.Processes = append(ev.Processes, evidence(h.p, "CPU-bound callback", m))
		if h.share >= CPUHogHigh {
			sev = High
		}
	}
	if len(hits) > MaxEvidence {
		ev.Total = len(hits)
	}
	worst := hits[0].p
	cpu := step("pprof_cpu", "which functions use the CPU", "duration", 5)
	if f.PprofLabels {
		cpu = step("pprof_cpu", "CPU per actor from pid labels", "duration", 5, "group_by", "pid")
	}
	fd := Finding{
		Severity:   sev,
		Conclusion: fmt.Sprintf("%d process(es) burn CPU in their callbacks; worst %s at %.2f of a core", len(hits), name(worst), hits[0].share),
		Evidence:   ev,
		Magnitude:  hits[0].share / CPUHogShare,
		Next: []Step{cpu, step("process_top", "CPU share per process over a longer window", "sort_by", "cpu", "window_ms", 3000),
			stackStep(f, worst)},
	}
	if inferred {
		fd.Inferred = "ergo 3.1/3.2 record running time only when a mailbox empties, so a callback that has not returned shows none; " +
			"its CPU use is inferred from its state in every probe and its goroutine's stack (matched by pid label, or by behaviour name when no labels)"
	}
	return []Finding{fd}
}

func callChain(f *Facts) []Finding {
	var heads, middles, tails []*Proc
	for i := range f.Procs {
		p := &f.Procs[i]
		switch {
		case p.whole(StateWaitResponse) && p.Before != nil && p.After.MessagesOut == p.Before.MessagesOut:
			if p.After.Mailbox > 0 {
				middles = append(middles, p)
			} else {
				heads = append(heads, p)
			}
		case p.whole(StateRunning) && p.noProgress(f):
			if s, _ := stackOf(f, p); s != nil && !s.parked() {
				continue // spinning, not waiting: cpu_hog
			}
			tails = append(tails, p)
		}
	}
	if len(heads)+len(middles) == 0 {
		return nil
	}
	// Suspected callees with queued requests first: a waiter's request
	// sits in its callee's mailbox.
	slices.SortStableFunc(tails, func(a, b *Proc) int { return cmp.Compare(b.After.Mailbox, a.After.Mailbox) })
	var ev Evidence
	add := func(ps []*Proc, role string) {
		for _, p := range ps {
			if len(ev.Processes) == MaxEvidence {
				ev.Total = len(heads) + len(middles) + len(tails)
				return
			}
			ev.Processes = append(ev.Processes, evidence(p, role, mailboxMetric(p)))
			if s, _ := stackOf(f, p); s != nil {
				ev.Sites = append(ev.Sites, p.PID+": "+s.line())
			}
		}
	}
	add(heads, "waiting caller: in wait response all window")
	add(middles, "waiting, with messages queued behind its call (perhaps its own callers' requests): in wait response all window")
	add(tails, "suspected callee: running one callback all window, nothing handled or sent")
	waiters := len(heads) + len(middles)
	sev := High
	var concl string
	var target *Proc
	switch {
	case len(tails) > 0:
		target = tails[0]
		concl = fmt.Sprintf("%d process(es) waited all window for call responses; suspected end of the chain: %s, in one callback all window with %d queued",
			waiters, name(target), target.After.Mailbox)
		sev = Critical
	case len(middles) > 0:
		target = middles[0]
		concl = fmt.Sprintf("%d process(es) waited all window for call responses, %s among them with %d requests queued; the final callee was not seen (remote, or asleep between probes)",
			waiters, name(target), target.After.Mailbox)
	default:
		target = heads[0]
		concl = fmt.Sprintf("%d process(es) waited all window for call responses (first: %s); the callee was not seen among local processes (remote, or asleep between probes)",
			waiters, name(target))
	}
	return []Finding{{
		Severity:   sev,
		Conclusion: concl,
		Inferred: "ergo does not record whom a process calls: callers are processes in wait response in every probe without sending, callees are " +
			"processes running one callback in every probe without handling or sending, or waiters with queued requests; stacks (when shown) come from pid labels or behaviour names",
		Evidence:  ev,
		Magnitude: float64(waiters + len(tails)),
		Next: []Step{
			stackStep(f, target),
			step("process_inspect", "a callee stuck in a callback does not answer", "pid", target.PID),
			step("process_list", "every waiting process", "state", "wait_response", "sort_by", "mailbox"),
		},
	}}
}

func processLeak(f *Facts) []Finding {
	net := f.ProcsAfter - f.ProcsBefore
	rate := float64(net) / f.seconds()
	if net < LeakMinNet || rate < LeakMinRate || f.Born+f.BornUnseen <= f.Died {
		return nil
	}
	var growing []Group
	for _, g := range f.Groups {
		if g.Born > g.Died {
			growing = append(growing, g)
		}
	}
	slices.SortStableFunc(growing, func(a, b Group) int { return cmp.Compare(b.Born-b.Died, a.Born-a.Died) })
	sev := Medium
	if rate >= LeakHighRate || f.ProcsBefore > 0 && float64(net)/float64(f.ProcsBefore) >= LeakHighGrowth {
		sev = High
	}
	ev := Evidence{
		Groups: firstN(growing, MaxEvidence),
		Metrics: []Metric{
			windowed("Processes", float64(net), float64(f.ProcsBefore), float64(f.ProcsAfter), "processes"),
			metric("NetGrowthRate", rate, "processes/s"),
			metric("Spawned", float64(f.Born+f.BornUnseen), "processes"),
			metric("Terminated", float64(f.Died), "processes"),
		},
	}
	if len(growing) > MaxEvidence {
		ev.Total = len(growing)
	}
	concl := fmt.Sprintf("the node gained %d processes in %.1fs (%.0f/s): spawns outrun terminations", net, f.seconds(), rate)
	next := []Step{step("diagnose", "confirm over a longer window", "scenario", "leak", "budget_ms", 10000)}
	if len(growing) > 0 {
		g := growing[0]
		concl += fmt.Sprintf("; most under parent %s, behaviour %s (+%d)", g.Parent, g.Behavior, g.Born-g.Died)
		if g.Parent != "" && g.Parent != OverflowGroup {
			ev.Processes = append(ev.Processes, ProcEvidence{PID: g.Parent, Behavior: g.ParentBehavior, Role: "parent spawning them"})
			next = append(next, step("process_children", "the parent's children, to see what they wait for", "parent", g.Parent, "limit", 20))
		}
		for _, pid := range firstN(g.Alive, 3) {
			ev.Processes = append(ev.Processes, ProcEvidence{PID: pid, Behavior: g.Behavior, Parent: g.Parent, Role: "born in the window, still alive"})
		}
		if g.Behavior != "" {
			next = append(next, step("process_list", "every process of that behaviour, oldest first", "behavior", g.Behavior, "sort_by", "uptime", "limit", 20))
		}
	}
	return []Finding{{Severity: sev, Conclusion: concl, Evidence: ev, Magnitude: rate / LeakMinRate, Next: next}}
}

func restartLoop(f *Facts) []Finding {
	var out []Finding
	for _, g := range f.Groups {
		if g.Parent == OverflowGroup || g.Died < RestartMinDeaths || g.Born < RestartMinDeaths {
			continue
		}
		restarts := min(g.Born, g.Died)
		hz := float64(restarts) / f.seconds()
		sev := High
		if hz >= RestartCriticalHz {
			sev = Critical
		}
		ev := Evidence{
			Groups:  []Group{g},
			Metrics: []Metric{metric("Restarts", float64(restarts), "in the window"), metric("RestartRate", hz, "per second")},
		}
		if g.Parent != "" {
			ev.Processes = append(ev.Processes, ProcEvidence{PID: g.Parent, Behavior: g.ParentBehavior, Role: "parent restarting them (supervisor)"})
		}
		for _, pid := range firstN(g.Alive, 3) {
			ev.Processes = append(ev.Processes, ProcEvidence{PID: pid, Behavior: g.Behavior, Parent: g.Parent, Role: "current incarnation, born in the window"})
		}
		for _, pid := range firstN(g.Gone, 3) {
			ev.Processes = append(ev.Processes, ProcEvidence{PID: pid, Behavior: g.Behavior, Parent: g.Parent, Role: "died in the window"})
		}
		next := []Step{
			step("sample_listen", "record the crash reasons the node logs", "log_levels", []string{"error", "panic"}, "duration_sec", 30),
		}
		if g.Parent != "" {
			next = append(next, step("process_children", "the supervisor's children and their uptimes", "parent", g.Parent))
		}
		if len(g.Alive) > 0 {
			next = append(next, step("process_info", "the live incarnation", "pid", g.Alive[0]))
		}
		out = append(out, Finding{
			Severity: sev,
			Conclusion: fmt.Sprintf("%s restarts its %s children in a loop: %d died and %d were started in %.1fs",
				orNone(g.Parent), g.Behavior, g.Died, g.Born, f.seconds()),
			Evidence:  ev,
			Magnitude: float64(restarts) / RestartMinDeaths,
			Next:      next,
		})
	}
	return firstN(out, 5)
}

func orNone(pid string) string {
	if pid == "" {
		return "(no parent)"
	}
	return pid
}

func heapGrowth(f *Facts) []Finding {
	b, a := f.Runtime.Before, f.Runtime.After
	gcs := a.GCCycles - b.GCCycles
	mib := func(v uint64) float64 { return float64(v) / (1 << 20) }
	ev := Evidence{Metrics: []Metric{
		windowed("HeapLiveBytes", mib(a.HeapLiveBytes)-mib(b.HeapLiveBytes), mib(b.HeapLiveBytes), mib(a.HeapLiveBytes), "MiB"),
		windowed("HeapObjectsBytes", mib(a.HeapObjectsBytes)-mib(b.HeapObjectsBytes), mib(b.HeapObjectsBytes), mib(a.HeapObjectsBytes), "MiB"),
		windowed("GCCycles", float64(gcs), float64(b.GCCycles), float64(a.GCCycles), "cycles"),
	}}
	var fd Finding
	switch {
	case gcs > 0 && a.HeapLiveBytes >= b.HeapLiveBytes+HeapGrowthMinBytes &&
		float64(a.HeapLiveBytes-b.HeapLiveBytes) >= HeapGrowthMinShare*float64(b.HeapLiveBytes):
		grew := a.HeapLiveBytes - b.HeapLiveBytes
		rate := float64(grew) / f.seconds()
		fd = Finding{Severity: Medium, Magnitude: float64(grew) / HeapGrowthMinBytes,
			Conclusion: fmt.Sprintf("the live heap grew %.1f→%.1f MiB in %.1fs (%.1f MiB/s) across %d GCs: memory is retained", mib(b.HeapLiveBytes), mib(a.HeapLiveBytes), f.seconds(), rate/(1<<20), gcs)}
		share, _ := gcShare(f)
		if rate >= HeapGrowthHighRate || share >= GCShareHigh ||
			a.MemoryLimitBytes > 0 && a.MemoryLimitBytes < 1<<62 && float64(a.HeapLiveBytes) >= HeapLimitHighShare*float64(a.MemoryLimitBytes) {
			fd.Severity = High
		}
	case gcs == 0 && a.HeapObjectsBytes >= b.HeapObjectsBytes+HeapUnretainedBytes:
		fd = Finding{Severity: Low, Magnitude: float64(a.HeapObjectsBytes-b.HeapObjectsBytes) / HeapUnretainedBytes,
			Conclusion: fmt.Sprintf("heap objects grew %.1f→%.1f MiB with no GC in the window: retained or garbage is unknown until the next GC", mib(b.HeapObjectsBytes), mib(a.HeapObjectsBytes)),
			Inferred:   "without a GC inside the window the live heap is not measured; the growth may be garbage"}
	default:
		return nil
	}
	fd.Evidence = ev
	attributeHeap(f, &fd)
	fd.Next = append(fd.Next,
		step("pprof_heap", "live bytes by allocation site", "sample", "inuse_space", "limit", 20),
		step("pprof_heap", "what allocates most overall", "sample", "alloc_space", "limit", 20),
		step("runtime_stats", "heap goal, limit and GC figures now"))
	return []Finding{fd}
}

// attributeHeap adds the heap profiles' top sites to fd and names the
// processes whose behaviour's code holds or allocated them.
func attributeHeap(f *Facts, fd *Finding) {
	if len(f.Heap)+len(f.HeapAlloc) == 0 {
		return
	}
	held, allocated := map[string]int64{}, map[string]int64{}
	tally := func(stacks []Stack, by map[string]int64, sites map[string]int64) {
		for _, s := range stacks {
			if sites != nil {
				sites[s.where()] += s.Value
			}
			for _, b := range f.Behaviors {
				if slices.ContainsFunc(s.Funcs, func(fn string) bool { return ownsFrame(fn, b.Behavior) }) {
					by[b.Behavior] += s.Value
					break
				}
			}
		}
	}
	bySite := map[string]int64{}
	tally(f.Heap, held, bySite)
	tally(f.HeapAlloc, allocated, nil)
	sites := make([]string, 0, len(bySite))
	for k := range bySite {
		sites = append(sites, k)
	}
	slices.SortFunc(sites, func(x, y string) int { return cmp.Compare(bySite[y], bySite[x]) })
	for _, s := range firstN(sites, 5) {
		fd.Evidence.Sites = append(fd.Evidence.Sites, fmt.Sprintf("%s: %.1f MiB in use", s, float64(bySite[s])/(1<<20)))
	}
	var behaviors []Behavior
	weight := func(b string) int64 { return held[b] + allocated[b] }
	for _, b := range f.Behaviors {
		if weight(b.Behavior) > 0 && len(b.PIDs) > 0 {
			behaviors = append(behaviors, b)
		}
	}
	slices.SortFunc(behaviors, func(x, y Behavior) int { return cmp.Compare(weight(y.Behavior), weight(x.Behavior)) })
	mib := func(v int64) float64 { return float64(v) / (1 << 20) }
	// Behaviours with a small share of the top one's bytes are not named:
	// every actor allocates a little, and listing those would blame them.
	behaviors = slices.DeleteFunc(behaviors, func(b Behavior) bool {
		return weight(b.Behavior)*HeapMinShareOfTop < weight(behaviors[0].Behavior)
	})
	for _, b := range firstN(behaviors, 3) {
		for _, pid := range firstN(b.PIDs, 3) {
			metrics := []Metric{
				metric("HeapInUseBytes", mib(held[b.Behavior]), "MiB (heap profile, as of the last GC)"),
				metric("HeapAllocatedInWindow", mib(allocated[b.Behavior]), "MiB"),
				metric("BehaviorProcesses", float64(b.Count), "processes"),
			}
			role := "its behaviour's code holds or allocated heap memory"
			ev := ProcEvidence{PID: pid, Behavior: b.Behavior, Role: role, Metrics: metrics}
			if p := f.procByPID(pid); p != nil {
				ev = evidence(p, role, metrics...)
			}
			fd.Evidence.Processes = append(fd.Evidence.Processes, ev)
		}
	}
	if len(behaviors) > 0 {
		note := "heap profiles record no pid: allocation sites are attributed to processes by their behaviour's method names"
		if fd.Inferred != "" {
			note = fd.Inferred + "; " + note
		}
		fd.Inferred = note
		fd.Next = append(fd.Next, step("process_info", "the process whose code holds the memory", "pid", behaviors[0].PIDs[0]))
	}
}

// gcShare is the share of the available CPU the GC used in the window.
func gcShare(f *Facts) (float64, bool) {
	if f.Runtime == nil {
		return 0, false
	}
	b, a := f.Runtime.Before, f.Runtime.After
	total := a.CPUSeconds - b.CPUSeconds
	if total <= 0 {
		return 0, false
	}
	return (a.GCCPUSeconds - b.GCCPUSeconds) / total, true
}

func gcPressure(f *Facts) []Finding {
	share, ok := gcShare(f)
	if !ok || share < GCShareMedium {
		return nil
	}
	b, a := f.Runtime.Before, f.Runtime.After
	sev := Medium
	if share >= GCShareHigh {
		sev = High
	}
	return []Finding{{
		Severity:   sev,
		Conclusion: fmt.Sprintf("the GC used %.0f%% of the available CPU during the window (%d cycles)", share*100, a.GCCycles-b.GCCycles),
		Evidence: Evidence{Metrics: []Metric{
			metric("GCCPUShare", share, "of GOMAXPROCS × window"),
			windowed("GCCycles", float64(a.GCCycles-b.GCCycles), float64(b.GCCycles), float64(a.GCCycles), "cycles"),
			windowed("HeapLiveBytes", float64(a.HeapLiveBytes)-float64(b.HeapLiveBytes), float64(b.HeapLiveBytes), float64(a.HeapLiveBytes), "bytes"),
		}},
		Magnitude: share / GCShareMedium,
		Next: []Step{
			step("pprof_heap", "who allocates: GC work follows allocation", "sample", "alloc_space", "limit", 20),
			step("runtime_stats", "GOGC, memory limit and pause percentiles"),
		},
	}}
}

// procByPID returns the kept process with that PID, or nil.
func (f *Facts) procByPID(pid string) *Proc {
	for i := range f.Procs {
		if f.Procs[i].PID == pid {
			return &f.Procs[i]
		}
	}
	return nil
}

func eventNoSubscribers(f *Facts) []Finding {
	if f.EventsLocalOnly && slices.ContainsFunc(f.Peers, func(p Peer) bool { return p.Connected }) {
		return nil // subscribers may be on the connected peers, which ergo < 3.3 does not show
	}
	type hit struct {
		e        *Event
		inWindow int64 // publications in the window; -1 unknown
		producer *Proc
	}
	var hits []hit
	inferred := false
	for i := range f.Events {
		e := &f.Events[i]
		if e.Subscribers > 0 {
			continue
		}
		h := hit{e: e, inWindow: -1}
		if e.Producer != "" {
			h.producer = f.procByPID(e.Producer)
		}
		switch {
		case e.Published >= 0 && e.PublishedBefore >= 0:
			h.inWindow = e.Published - e.PublishedBefore
			if e.Published == 0 {
				continue
			}
		case h.producer != nil && h.producer.Before != nil && h.producer.After.MessagesOut > h.producer.Before.MessagesOut:
			h.inWindow = int64(h.producer.After.MessagesOut - h.producer.Before.MessagesOut)
			inferred = true
		default:
			continue // no sign it was published
		}
		hits = append(hits, h)
	}
	if len(hits) == 0 {
		return nil
	}
	slices.SortStableFunc(hits, func(a, b hit) int { return cmp.Compare(b.inWindow, a.inWindow) })
	sev := Low
	var ev Evidence
	for _, h := range firstN(hits, MaxEvidence) {
		ev.Events = append(ev.Events, EventEvidence{Name: h.e.Name, Producer: h.e.Producer, Subscribers: 0, Published: h.inWindow})
		if h.inWindow > 0 {
			sev = Medium
		}
		if h.producer != nil {
			b := h.producer.before()
			ev.Processes = append(ev.Processes, evidence(h.producer, "producer of "+h.e.Name,
				windowed("MessagesOut", float64(h.producer.After.MessagesOut-b.MessagesOut), float64(b.MessagesOut), float64(h.producer.After.MessagesOut), "messages")))
		}
	}
	if len(hits) > MaxEvidence {
		ev.Total = len(hits)
	}
	first := hits[0]
	fd := Finding{
		Severity:   sev,
		Conclusion: fmt.Sprintf("%d event(s) are published with no subscriber; first %q by %s", len(hits), first.e.Name, orNone(first.e.Producer)),
		Evidence:   ev,
		Magnitude:  float64(max(first.inWindow, 1)),
		Next: []Step{
			step("event_info", "the event's producer and subscribers", "name", first.e.Name),
			step("event_list", "every event nobody listens to", "utilization_state", "no_subscribers"),
		},
	}
	if first.e.Producer != "" {
		fd.Next = append(fd.Next, step("process_info", "the producer", "pid", first.e.Producer))
	}
	if inferred {
		fd.Inferred = "ergo < 3.3 counts no publications: publishing is inferred from the producer's MessagesOut growing in the window " +
			"(every SendEvent counts one, subscribers or not, but so do its other sends)"
	}
	return []Finding{fd}
}

func eventSlowSubscriber(f *Facts) []Finding {
	type hit struct {
		e   *Event
		sub *Proc
	}
	var hits []hit
	for i := range f.Events {
		e := &f.Events[i]
		for _, pid := range e.SubscriberPIDs {
			p := f.procByPID(pid)
			if p == nil || p.After.Mailbox < p.before().Mailbox+SlowSubscriberGrowth {
				continue
			}
			hits = append(hits, hit{e, p})
		}
	}
	if len(hits) == 0 {
		return nil
	}
	slices.SortStableFunc(hits, func(a, b hit) int { return cmp.Compare(b.sub.After.Mailbox, a.sub.After.Mailbox) })
	sev := Medium
	var ev Evidence
	seen := map[string]bool{}
	for _, h := range firstN(hits, MaxEvidence) {
		if !seen[h.e.Name] {
			seen[h.e.Name] = true
			ev.Events = append(ev.Events, EventEvidence{Name: h.e.Name, Producer: h.e.Producer, Subscribers: h.e.Subscribers, Published: h.e.Published - h.e.PublishedBefore})
		}
		ev.Processes = append(ev.Processes, evidence(h.sub, "slow subscriber of "+h.e.Name, mailboxMetric(h.sub)))
		if h.sub.After.Mailbox >= MailboxHigh {
			sev = High
		}
	}
	if len(hits) > MaxEvidence {
		ev.Total = len(hits)
	}
	w := hits[0]
	return []Finding{{
		Severity: sev,
		Conclusion: fmt.Sprintf("subscriber %s of event %q falls behind: mailbox %d→%d", name(w.sub), w.e.Name,
			w.sub.before().Mailbox, w.sub.After.Mailbox),
		Evidence:  ev,
		Magnitude: float64(w.sub.After.Mailbox-w.sub.before().Mailbox) / SlowSubscriberGrowth,
		Next: []Step{
			step("event_info", "the event's subscribers", "name", w.e.Name),
			step("process_top", "how fast the subscriber handles messages", "sort_by", "mailbox_growth", "window_ms", 3000),
			stackStep(f, w.sub),
		},
	}}
}
