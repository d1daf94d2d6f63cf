package diagnose

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Thresholds of the rules. Every rule's Doc states the ones it uses; the
// table below is the one place they are written down.
const (
	// mailbox_growing
	LatencyObjective = 0.25   // s a new message may wait (Little's law: mailbox / processing rate)
	HighWait         = 5.0    // s of estimated wait: high
	MailboxMinRise   = 1      // messages the mailbox rose across the probes
	MailboxMinQueued = 3      // queued at the end
	MailboxHigh      = 1000   // queued at the end: high
	MailboxCritical  = 100000 // queued at the end: critical
	MinSeries        = 6      // probes a trend or a share is read from

	// blocked_callback
	BlockedMailboxMin = 10 // queued at the end

	// cpu_hog
	CPUHogShare = 0.5 // of one core, measured: medium
	CPUHogHigh  = 0.8 // of one core, measured (or on CPU in every probe): high

	// call_chain
	CycleWaitShare  = 0.8  // of the probes in wait response: a member of a cycle
	CycleMatchShare = 0.25 // out and in counts of a link agree within this share ...
	CycleMatchSlack = 1    // ... or this many messages

	// process_leak
	LeakMinAlive        = 5    // live processes of one parent and behaviour
	LeakMinSpan         = 3    // s between the oldest's and the youngest's birth
	LeakRecentIntervals = 3    // the youngest is at most this many spawn intervals old
	LeakIdleShare       = 0.5  // share that never received a message: medium
	LeakHighRate        = 10.0 // spawned per second: high
	LeakHighGrowth      = 0.10 // share of the table: high

	// restart_loop
	RestartMinDeaths  = 3    // deaths and births under one parent, one behaviour, in the window
	RestartCriticalHz = 10.0 // restarts per second: critical
	RestartMinLogged  = 2    // panics logged by as many incarnations (the log's history)

	// heap_growth
	HeapGrowthMinBytes  = 4 << 20  // live heap gained over the window
	HeapGrowthMinShare  = 0.10     // of the live heap at the start
	HeapGrowthHighRate  = 32 << 20 // bytes per second: high
	HeapLimitHighShare  = 0.90     // of GOMEMLIMIT: high
	HeapUnretainedBytes = 8 << 20  // heap objects gained with no GC in the window: low
	HeapMinShareOfTop   = 10       // a behaviour is named when its bytes are ≥ 1/10 of the top one's

	// heap_retention
	HeapRetainMinBytes   = 1 << 20 // in use at one site
	HeapRetainShare      = 0.8     // of what the site allocated since start
	HeapRetainMinObjects = 4       // objects held: accumulated, not one buffer

	// goroutine_leak
	GoLeakMinGroup = 10   // goroutines with one stack and creator
	GoLeakHigh     = 1000 // of them: high

	// log_flood
	LogFloodMin  = 5    // messages of one level, source and template in the window
	LogFloodRate = 5.0  // per second
	LogFloodHigh = 50.0 // per second: high

	// gc_pressure
	GCShareMedium = 0.10 // of the available CPU (GOMAXPROCS × window) spent in GC
	GCShareHigh   = 0.25
	GCMinCycles   = 2 // GC cycles ending in the window

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
	// Unknown, when set, says why the rule cannot decide on f even though
	// its data was gathered (the node does not measure what it reads);
	// the rule is then reported as not checked.
	Unknown func(f *Facts) string
}

// Rules is the table, in the order DIAGNOSE.md lists it.
var Rules = []*Rule{
	{
		ID: "mailbox_growing", Scenarios: []string{"performance", "stuck", "events"}, Severity: Medium,
		Needs: NeedProcesses, Uses: NeedStacks,
		Doc: fmt.Sprintf("A process's mailbox grows steadily across the window's probes (the last third of the readings above the first, "+
			"at least %d more at the end, %d queued) and a new message would wait at least %gs by Little's law (mailbox / the rate it "+
			"handles messages), whatever the absolute rates. High from %gs of wait or %d queued, critical from %d.",
			MailboxMinRise, MailboxMinQueued, LatencyObjective, HighWait, MailboxHigh, MailboxCritical),
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
		Doc: fmt.Sprintf("A process used at least %g of a core over the window by its running time outside \"wait response\" (never in it at "+
			"a probe; high from %g), or ran one callback the whole window with its goroutine on CPU (high; inferred where ergo recorded no "+
			"running time). More than one core for one process is a measurement artefact and never reported; a stack that is parked "+
			"contradicts the claim and drops it.", CPUHogShare, CPUHogHigh),
		Check: cpuHog,
	},
	{
		ID: "call_chain", Scenarios: []string{"stuck", "performance"}, Severity: High,
		Needs: NeedProcesses, Uses: NeedStacks | NeedLogs,
		Doc: fmt.Sprintf("A call cycle (critical): processes in \"wait response\" in at least %g of the probes, each with a message queued, each one's messages out "+
			"matching the next one's messages in (within %g or %d, in the window or since they started), closing a ring; with the "+
			"period of their timeout warnings when the log has them. Otherwise a chain: processes waiting the whole window without "+
			"progress and the suspected callee running one callback all window (critical), or waiters with requests queued (high). "+
			"The links are inferred: ergo does not record whom a process calls.", CycleWaitShare, CycleMatchShare, CycleMatchSlack),
		Check: callChain,
	},
	{
		ID: "process_leak", Scenarios: []string{"leak"}, Severity: Medium,
		Needs: NeedProcesses,
		Doc: fmt.Sprintf("Among the whole table, one parent's live processes of one behaviour (at least %d) were born over at least %d s "+
			"and the youngest within %d spawn intervals: spawned minus terminated grows whatever the rate. Medium when at least %g of "+
			"them never received a message (low otherwise, and only when the window shows births without deaths); high from %g/s or "+
			"%g of the table.", LeakMinAlive, LeakMinSpan, LeakRecentIntervals, LeakIdleShare, LeakHighRate, LeakHighGrowth),
		Check: processLeak,
	},
	{
		ID: "restart_loop", Scenarios: []string{"restart_loop", "leak"}, Severity: High,
		Needs: NeedProcesses, Uses: NeedLogs,
		Doc: fmt.Sprintf("Under one parent, processes of one behaviour died and were started again at least %d times each during the "+
			"window (critical from %g restarts/s); or, from the log's history, one name's panics were logged by at least %d "+
			"incarnations and one is alive now (a slow loop), with the crash period and the panic's reason.",
			RestartMinDeaths, RestartCriticalHz, RestartMinLogged),
		Check: restartLoop,
	},
	{
		ID: "goroutine_leak", Scenarios: []string{"leak", "performance"}, Severity: Medium,
		Needs: NeedGoroutineDump, Uses: NeedProcesses | NeedRuntime,
		Doc: fmt.Sprintf("At least %d parked goroutines share one stack and one `created by` frame and their number grew in the window. "+
			"Medium when the creating frame is a method of a behaviour on this node (its processes named), high from %d; low when "+
			"no actor of this node created them.", GoLeakMinGroup, GoLeakHigh),
		Check: goroutineLeak,
	},
	{
		ID: "log_flood", Scenarios: []string{"performance"}, Severity: Medium,
		Needs: NeedLogs, Uses: NeedProcesses,
		Doc: fmt.Sprintf("One source (process name, behaviour, meta or node) logged one message template at warning, error or panic level "+
			"at least %d times and %g times a second in the window; high from %g/s.", LogFloodMin, LogFloodRate, LogFloodHigh),
		Check: logFlood,
	},
	{
		ID: "heap_retention", Scenarios: []string{"memory", "leak"}, Severity: Medium,
		Needs: NeedHeap, Uses: NeedProcesses | NeedRuntime,
		Doc: fmt.Sprintf("One allocation site holds at least %d MiB and at least %g of all it allocated since start, or of what it "+
			"allocated in the window (in use ≈ allocated: nothing it allocates is freed). Medium when the site is a behaviour's code on this node and it allocated or came to "+
			"hold more in the window (accumulating, not structures made once at start, however many objects they hold); low otherwise. "+
			"The live heap across the window's GCs is shown beside it.", HeapRetainMinBytes>>20, HeapRetainShare),
		Check: heapRetention,
	},
	{
		ID: "heap_growth", Scenarios: []string{"memory"}, Severity: Medium,
		Needs: NeedRuntime, Uses: NeedHeap | NeedProcesses,
		Doc: fmt.Sprintf("The live heap (as marked by a GC inside the window) grew by at least %d MiB and a %g share. High from %d MiB/s, at %g of "+
			"GOMEMLIMIT, or with GC using %g of the CPU. Without a GC in the window, heap objects growing by %d MiB is low (retention unknown), medium when a behaviour's site holds what it allocates (see heap_retention). "+
			"Allocation sites in the heap profile are attributed to actor behaviours by name (inferred).",
			HeapGrowthMinBytes>>20, HeapGrowthMinShare, HeapGrowthHighRate>>20, HeapLimitHighShare, GCShareHigh, HeapUnretainedBytes>>20),
		Check: heapGrowth,
	},
	{
		ID: "gc_pressure", Scenarios: []string{"memory", "performance"}, Severity: Medium,
		Needs: NeedRuntime,
		Doc: fmt.Sprintf("The GC used at least %g of the available CPU (GOMAXPROCS × window) during the window, over at least %d cycles "+
			"(the runtime books a cycle's time when it ends); high from %g.", GCShareMedium, GCMinCycles, GCShareHigh),
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
		ID: "event_never_published", Scenarios: []string{"events"}, Severity: Medium,
		Needs: NeedEvents, Uses: NeedProcesses,
		Doc: "An event with subscribers has never been published (ergo ≥ 3.3 counts publications). On older ergo this cannot be told: " +
			"the rule is then listed as not checked, never guessed.",
		Check: eventNeverPublished, Unknown: publicationsUnknown,
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
	if fd.Severity == Low {
		// No GC in the window, but the heap profile shows where the growth
		// stays: a behaviour's site that holds what it allocates.
		for _, s := range sites(f) {
			if s.owner != nil && s.objects >= HeapRetainMinObjects && s.inUse >= HeapRetainMinBytes &&
				(float64(s.inUse) >= HeapRetainShare*float64(s.allocated) || s.retainsInWindow()) {
				fd.Severity = Medium
				fd.Inferred = fmt.Sprintf("no GC in the window measured the live heap; %s (%s) holds %.1f of the %.1f MiB it allocated, so the growth is retained",
					s.where, s.owner.Behavior, mib(uint64(s.inUse)), mib(uint64(s.allocated)))
				break
			}
		}
	}
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
	// The runtime adds a cycle's GC time when the cycle ends, and
	// estimates it from wall time: one cycle that ends in a short window
	// (longer on a loaded machine) is no pressure.
	if a.GCCycles < b.GCCycles+GCMinCycles {
		return nil
	}
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

// publicationsUnknown: ergo < 3.3 counts no publications.
func publicationsUnknown(f *Facts) string {
	for _, e := range f.Events {
		if e.Published < 0 && e.Subscribers > 0 {
			return "ergo < 3.3 counts no event publications: whether an event with subscribers is ever published cannot be told here"
		}
	}
	return ""
}

func eventNeverPublished(f *Facts) []Finding {
	var hits []*Event
	for i := range f.Events {
		if e := &f.Events[i]; e.Subscribers > 0 && e.Published == 0 {
			hits = append(hits, e)
		}
	}
	if len(hits) == 0 {
		return nil
	}
	var ev Evidence
	for _, e := range firstN(hits, MaxEvidence) {
		ev.Events = append(ev.Events, EventEvidence{Name: e.Name, Producer: e.Producer, Subscribers: e.Subscribers, Published: 0})
		if p := f.procByPID(e.Producer); p != nil {
			ev.Processes = append(ev.Processes, evidence(p, "producer that never published "+e.Name))
		} else if e.Producer != "" {
			ev.Processes = append(ev.Processes, ProcEvidence{PID: e.Producer, Role: "producer that never published " + e.Name})
		}
	}
	if len(hits) > MaxEvidence {
		ev.Total = len(hits)
	}
	first := hits[0]
	return []Finding{{
		Severity:   Medium,
		Conclusion: fmt.Sprintf("%d event(s) have subscribers but were never published; first %q by %s, %d subscriber(s) waiting", len(hits), first.Name, orNone(first.Producer), first.Subscribers),
		Evidence:   ev,
		Magnitude:  float64(first.Subscribers),
		Next: []Step{
			step("event_info", "the event's producer and subscribers", "name", first.Name),
			step("process_info", "the producer", "pid", first.Producer),
		},
	}}
}
