package tools

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"regexp"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"time"

	"ergo.services/ergo/gen"
	"github.com/google/pprof/profile"

	"github.com/ergomcp/ergomcp/internal/catalog"
	"github.com/ergomcp/ergomcp/internal/diagnose"
	"github.com/ergomcp/ergomcp/internal/events"
	"github.com/ergomcp/ergomcp/internal/ident"
	"github.com/ergomcp/ergomcp/internal/logcount"
	"github.com/ergomcp/ergomcp/internal/profiles"
	"github.com/ergomcp/ergomcp/internal/rtstats"
	"github.com/ergomcp/ergomcp/internal/window"
)

// Bounds of one diagnose call, on top of those of internal/diagnose.
const (
	// maxDiagnoseTable is the largest process table diagnose snapshots
	// (about 80 bytes a process); beyond it the process rules are reported
	// as not checked and process_top remains.
	maxDiagnoseTable = 1_000_000
	// maxProbed bounds the processes whose state is probed in the window:
	// those running or waiting at its start.
	maxStateProbed = 1024
	// maxBirths bounds the newborn processes remembered from probes; more
	// are counted from the PID numbering only.
	maxBirths = 10000
	// maxGroupParents bounds the parents whose behaviour is looked up.
	maxGroupParents = 10
	// registrarWait bounds the registrar's answer about known nodes.
	registrarWait = time.Second
)

type diagnoseArgs struct {
	catalog.Common
	Scenario string `json:"scenario,omitempty" jsonschema:"playbook: overview (default: every rule), performance, leak, restart_loop, memory, network, events or stuck"`
	BudgetMs int    `json:"budget_ms,omitempty" arg:"min=500,max=30000,default=2000" jsonschema:"half is the measuring window; shorter than timeout"`
}

func (a *diagnoseArgs) Validate() error {
	p, err := diagnose.PlanFor(a.Scenario, a.BudgetMs)
	if err != nil {
		return catalog.Wrap(err)
	}
	a.Scenario, a.BudgetMs = p.Scenario, int(p.Budget.Milliseconds())
	if a.BudgetMs >= a.Timeout*1000 {
		return catalog.Errorf("budget_ms %d must be shorter than timeout %ds: raise timeout (max %d) or lower budget_ms",
			a.BudgetMs, a.Timeout, catalog.MaxTimeout)
	}
	return nil
}

func init() {
	register(catalog.Tool{
		Name:   "diagnose",
		FanOut: true,
		Title:  "Diagnose the node",
		Description: "Runs a playbook on the node within budget_ms and returns ranked findings: each with severity (critical, high, " +
			"medium, low, info), the rule that fired (documented in DIAGNOSE.md), a one-line conclusion, the evidence (PIDs, names, " +
			"metrics with before/after values over the window) and next steps (tool calls with arguments). Scenarios: overview runs " +
			"every rule; performance (mailboxes growing, blocked callbacks, CPU hogs, GC), leak (process count climbing, by parent and " +
			"behaviour), restart_loop (children restarted by their supervisor), memory (heap growth, GC pressure, allocation sites), " +
			"network (peers known but not connected, flapping connections), events (published with no subscribers, slow " +
			"subscribers), stuck (chains of processes waiting on calls). It reads the process table twice, half the budget apart, " +
			"probing busy processes in between; Inferred says what was inferred rather than read (ergo does not record whom a " +
			"process calls). NotChecked lists rules whose data could not be gathered. History: the scenario's trends over the " +
			"last 15 min of node_history; Notes cite those that rose or fell. Sends progress notifications; runs off the " +
			"worker pool.",
		Long:  true,
		Enums: map[string][]any{"scenario": enumAny(diagnose.Scenarios)},
	}, toolDiagnose)
}

func toolDiagnose(env *Env, args *diagnoseArgs) (any, error) {
	plan, err := diagnose.PlanFor(args.Scenario, args.BudgetMs)
	if err != nil {
		return nil, catalog.Wrap(err)
	}
	pb := newPlaybook(env, plan)
	facts, err := pb.gather()
	if err != nil {
		return nil, err
	}
	rep, err := diagnose.Run(facts, plan.Scenario)
	if err != nil {
		return nil, catalog.Wrap(err)
	}
	pb.complete(&rep)
	return fitReport(withHistory(env.Server, rep, plan.Scenario), env.Server.Budget), nil
}

// complete fills the evidence of processes a rule knew only by PID (a
// parent, the owner of a stack or an allocation site) from the node's
// table now, so every finding names, places and dates what it blames.
func (pb *playbook) complete(rep *diagnose.Report) {
	self := pb.node.Name()
	for i := range rep.Findings {
		for j := range rep.Findings[i].Evidence.Processes {
			e := &rep.Findings[i].Evidence.Processes[j]
			if e.State != "" {
				continue // complete, or known to have ended
			}
			id, err := ident.ParsePID(e.PID)
			if err != nil || id.NodeHash != ident.NodeHash(string(self)) {
				continue
			}
			info, err := processShortInfo(pb.node, gen.PID{Node: self, ID: id.ID, Creation: pb.node.Creation()})
			if err != nil {
				e.State = "terminated"
				continue
			}
			e.Name, e.Behavior, e.Application = string(info.Name), info.Behavior, string(info.Application)
			e.State, e.Uptime = info.State.String(), info.Uptime
			if info.Parent != (gen.PID{}) {
				e.Parent = info.Parent.String()
			}
		}
	}
}

// playbook gathers the Facts of one diagnose call.
type playbook struct {
	env      *Env
	node     gen.Node
	plan     diagnose.Plan
	start    time.Time
	deadline time.Time // start + budget: optional phases after it are skipped
	f        diagnose.Facts
	col      *diagnose.Collector

	before  []snap // first pass, by ID
	maxID   uint64 // highest ID of the first pass
	tooBig  bool   // the table exceeded maxDiagnoseTable
	probed  map[uint64]*probeCount
	births  map[uint64]birth        // processes first seen by a probe
	lastID  uint64                  // highest ID seen anywhere
	allocs0 []diagnose.Stack        // alloc_space stacks at the window's start
	inuse0  []diagnose.Stack        // inuse_space stacks at the window's start
	peers0  map[string]int64        // connection uptime of each peer at the start
	recon0  map[string]int          // reconnects ergomcp had seen of each peer at the start
	pub0    map[string]int64        // publications per event at the start (ergo ≥ 3.3)
	logs0   map[logcount.Key]uint64 // log counts at the window's start
	gos0    []diagnose.GoGroup      // goroutines at the window's start
}

// snap is one process of the first pass: what the window math and the
// births/deaths grouping need, about 80 bytes.
type snap struct {
	window.Sample
	state    gen.ProcessState
	parent   uint64 // 0: none or on another node
	behavior string // shares ergo's string, no copy
}

type probeCount struct {
	pid              gen.PID
	probes           int
	running, waiting int
	// mailboxes is the mailbox at every stride-th probe, thinned to at
	// most diagnose.MaxSeries readings as the window goes on.
	mailboxes []uint64
	stride    int
}

// record adds one probe's reading.
func (c *probeCount) record(st gen.ProcessState, mailbox uint64) {
	if c.probes%c.stride == 0 {
		c.mailboxes = append(c.mailboxes, mailbox)
		if len(c.mailboxes) == diagnose.MaxSeries {
			// Keep every other reading and take half as many from now on.
			for i := range diagnose.MaxSeries / 2 {
				c.mailboxes[i] = c.mailboxes[2*i]
			}
			c.mailboxes = c.mailboxes[:diagnose.MaxSeries/2]
			c.stride *= 2
		}
	}
	c.probes++
	switch st {
	case gen.ProcessStateRunning:
		c.running++
	case gen.ProcessStateWaitResponse:
		c.waiting++
	}
}

type birth struct {
	parent   uint64
	behavior string
}

func newPlaybook(env *Env, plan diagnose.Plan) *playbook {
	node := env.Node()
	pb := &playbook{env: env, node: node, plan: plan, start: time.Now()}
	pb.deadline = pb.start.Add(plan.Budget)
	pb.f.Missing = map[diagnose.Need]string{}
	pb.col = diagnose.NewCollector(plan.Window, ident.NodeHash(string(node.Name())))
	return pb
}

func (pb *playbook) wants(n diagnose.Need) bool { return pb.plan.Gather&n != 0 }

// late reports whether the budget is spent, marking what is skipped.
func (pb *playbook) late(n diagnose.Need) bool {
	if time.Now().Before(pb.deadline) {
		return false
	}
	pb.f.Missing[n] = fmt.Sprintf("skipped: the budget of %s was spent (raise budget_ms)", pb.plan.Budget)
	return true
}

func (pb *playbook) gather() (*diagnose.Facts, error) {
	env := pb.env
	// The window runs from the start of the first pass to the start of
	// the second, as in process_top: both passes walk the table in PID
	// order at about the same pace, so that is each process's window; the
	// runtime is read at the same two instants.
	windowStart := time.Now()
	rt0 := rtstats.Read()
	if err := pb.firstPass(); err != nil {
		return nil, err
	}
	env.progress(0, pb.plan.Budget.Seconds(), fmt.Sprintf("first pass: %d processes; window of %s", pb.f.ProcsBefore, pb.plan.Window))
	pb.startOptional()
	if pb.waitWindow() {
		return nil, catalog.Errorf("diagnose cancelled during its window: %v", env.Ctx.Err())
	}
	// The window's end for the whole-process readings, first: they are
	// cheap, while the event scan below (ProcessInfo of every process on
	// ergo < 3.3) may spend the budget.
	pb.goroutineDump(false)
	pb.heap()
	// Events and logs before the second pass: the processes they name
	// must be kept by it whatever their measures.
	pb.events()
	pb.logs()
	rt1 := rtstats.Read()
	pb.f.Window = time.Since(windowStart)
	if pb.wants(diagnose.NeedRuntime) {
		pb.f.Runtime = &diagnose.RuntimeWindow{Before: runtimeOf(&rt0), After: runtimeOf(&rt1)}
	} else {
		pb.f.Missing[diagnose.NeedRuntime] = "not gathered in this scenario"
	}
	if err := pb.secondPass(); err != nil {
		return nil, err
	}
	env.progress(pb.plan.Window.Seconds(), pb.plan.Budget.Seconds(), "second pass done; profiles and network")
	pb.stacks()
	pb.network()
	pb.col.Fill(&pb.f)
	pb.parentBehaviors()
	return &pb.f, nil
}

// firstPass snapshots the table.
func (pb *playbook) firstPass() error {
	pb.probed = map[uint64]*probeCount{}
	pb.births = map[uint64]birth{}
	if !pb.wants(diagnose.NeedProcesses) {
		pb.f.Missing[diagnose.NeedProcesses] = "not gathered in this scenario"
		return nil
	}
	self := pb.node.Name()
	err := pb.env.scanProcesses("diagnose", func(p *gen.ProcessShortInfo) {
		if len(pb.before) >= maxDiagnoseTable {
			pb.tooBig = true
			return
		}
		s := snap{Sample: sample(p), state: p.State, behavior: p.Behavior}
		if p.Parent.Node == self {
			s.parent = p.Parent.ID
		}
		pb.before = append(pb.before, s)
		// Busy processes and queued mailboxes are watched through the
		// window: their states and the mailbox's trend.
		if (p.State == gen.ProcessStateRunning || p.State == gen.ProcessStateWaitResponse || p.MessagesMailbox > 0) && len(pb.probed) < maxStateProbed {
			pb.probed[p.PID.ID] = &probeCount{pid: p.PID, stride: 1}
		}
	})
	if err != nil {
		return err
	}
	if pb.tooBig {
		pb.f.Missing[diagnose.NeedProcesses] = fmt.Sprintf("the table has more than %d processes: use process_top and process_list", maxDiagnoseTable)
		pb.before, pb.probed = nil, map[uint64]*probeCount{}
		return nil
	}
	pb.f.ProcsBefore = len(pb.before)
	if n := len(pb.before); n > 0 {
		pb.maxID = pb.before[n-1].ID
	}
	pb.lastID = pb.maxID
	return nil
}

// startOptional takes the window's starting readings of what the
// scenario reads besides processes.
func (pb *playbook) startOptional() {
	if pb.wants(diagnose.NeedLogs) && pb.env.Server.logs != nil {
		pb.logs0 = logCounts(pb.env.Server.logs)
	}
	pb.goroutineDump(true)
	if pb.wants(diagnose.NeedHeap) {
		if p, err := profiles.Heap(); err == nil {
			pb.allocs0, _ = stacksOf(p, "alloc_space")
			pb.inuse0, _ = stacksOf(p, "inuse_space")
		}
	}
	if pb.wants(diagnose.NeedNetwork) {
		if net, err := pb.env.network(); err == nil {
			pb.env.Server.Observe(pb.node)
			pb.recon0 = map[string]int{}
			for _, n := range pb.env.Server.Peers.All() {
				pb.recon0[n.Name] = n.Reconnects
			}
			pb.peers0 = map[string]int64{}
			for _, name := range net.Nodes() {
				if rn, err := net.Node(name); err == nil {
					pb.peers0[string(name)] = rn.Info().ConnectionUptime
				}
			}
		}
	}
	if pb.wants(diagnose.NeedEvents) && pb.env.Server.node.EventRangeInfo {
		if t := events.OpenTable(pb.node); t != nil {
			pb.pub0 = map[string]int64{}
			t.Range(func(e *events.Event) bool {
				pb.pub0[e.Name] = e.MessagesPublished
				return len(pb.pub0) < maxEventInspect
			})
		}
	}
}

// waitWindow waits out the window, probing every diagnose.ProbeEvery;
// it reports whether the call was cancelled.
func (pb *playbook) waitWindow() (cancelled bool) {
	every := progressEvery(pb.plan.Window)
	last := time.Now()
	return window.Wait(pb.env.Ctx, pb.plan.Window, diagnose.ProbeEvery, func(elapsed, total time.Duration) {
		pb.probe()
		if time.Since(last) >= every {
			last = time.Now()
			pb.env.progress(elapsed.Seconds(), pb.plan.Budget.Seconds(), fmt.Sprintf("window: %.1fs of %.1fs", elapsed.Seconds(), total.Seconds()))
		}
	})
}

// probe reads the state of the processes busy at the start and lists the
// processes born since: a restarting child lives between two passes.
func (pb *playbook) probe() {
	if !pb.wants(diagnose.NeedProcesses) || pb.tooBig {
		return
	}
	pb.f.Probes++
	for _, c := range pb.probed {
		// One short info: state and mailbox in one read (a gone process
		// yields another's, or none).
		page, err := pb.node.ProcessListShortInfo(int(c.pid.ID), 1)
		if err != nil || len(page) == 0 || page[0].PID != c.pid {
			c.probes++
			continue
		}
		c.record(page[0].State, page[0].MessagesMailbox)
	}
	if len(pb.births) >= maxBirths {
		return
	}
	self := pb.node.Name()
	// A listing error ends the probe: the second pass sees the births too.
	_ = walkProcessesFrom(pb.node, pb.maxID+1, func(page []gen.ProcessShortInfo) bool {
		for i := range page {
			p := &page[i]
			pb.lastID = max(pb.lastID, p.PID.ID)
			if _, seen := pb.births[p.PID.ID]; seen || len(pb.births) >= maxBirths {
				continue
			}
			b := birth{behavior: p.Behavior}
			if p.Parent.Node == self {
				b.parent = p.Parent.ID
			}
			pb.births[p.PID.ID] = b
		}
		return len(pb.births) < maxBirths
	})
}

// secondPass measures every process against the first pass and feeds the
// collector; processes of the first pass or of probes that are gone died
// in the window.
func (pb *playbook) secondPass() error {
	if !pb.wants(diagnose.NeedProcesses) || pb.tooBig {
		return nil
	}
	// Newborns and their parents are kept whatever their measures: a
	// restart loop's or a leak's evidence names them.
	for id, b := range pb.births {
		pb.col.Want(id)
		pb.col.Want(b.parent)
	}
	i := 0
	died := func(upTo uint64) {
		for ; i < len(pb.before) && pb.before[i].ID < upTo; i++ {
			s := &pb.before[i]
			pb.col.Died(s.ID, s.parent, s.behavior)
			pb.f.Died++
		}
	}
	self := pb.node.Name()
	alive := map[uint64]bool{} // births still alive, to find the ones that died
	err := pb.env.scanProcesses("diagnose", func(p *gen.ProcessShortInfo) {
		id := p.PID.ID
		died(id)
		pb.f.ProcsAfter++
		pb.lastID = max(pb.lastID, id)
		x := diagnose.Proc{
			ID: id, Name: string(p.Name), Behavior: p.Behavior, Application: string(p.Application),
			After: counters(p),
		}
		if p.Parent.Node == self {
			x.ParentID = p.Parent.ID
		} else if p.Parent != (gen.PID{}) {
			x.Parent = p.Parent.String()
		}
		if i < len(pb.before) && pb.before[i].ID == id {
			b := &pb.before[i]
			x.Before = &diagnose.Counters{MessagesIn: b.MessagesIn, MessagesOut: b.MessagesOut, Mailbox: b.Mailbox,
				RunningTime: b.RunningTime, Uptime: b.Uptime, State: b.state.String()}
			i++
		} else if id > pb.maxID {
			alive[id] = true
			if _, seen := pb.births[id]; !seen {
				b := birth{behavior: p.Behavior, parent: x.ParentID}
				if len(pb.births) < maxBirths {
					pb.births[id] = b
				} else {
					pb.col.Born(id, b.parent, b.behavior, true) // counted, not remembered
					pb.f.Born++
				}
			}
		}
		if c, ok := pb.probed[id]; ok {
			x.Probes, x.Running, x.Waiting, x.Mailboxes = c.probes, c.running, c.waiting, c.mailboxes
		}
		pb.col.Add(x)
	})
	if err != nil {
		return err
	}
	died(^uint64(0))
	ids := make([]uint64, 0, len(pb.births))
	for id := range pb.births {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		b := pb.births[id]
		pb.col.Born(id, b.parent, b.behavior, alive[id])
		pb.f.Born++
		if !alive[id] {
			pb.col.Died(id, b.parent, b.behavior)
			pb.f.Died++
		}
	}
	// ergo numbers processes in spawn order: IDs used in the window but
	// never seen belong to processes that lived between two probes.
	if used := pb.lastID - pb.maxID; used > uint64(pb.f.Born) {
		pb.f.BornUnseen = int(used) - pb.f.Born
	}
	return nil
}

// events reads the node's events and marks their producers and
// subscribers for the second pass.
func (pb *playbook) events() {
	if !pb.wants(diagnose.NeedEvents) {
		pb.f.Missing[diagnose.NeedEvents] = "not gathered in this scenario"
		return
	}
	if pb.late(diagnose.NeedEvents) {
		return
	}
	src := pb.env.openEvents()
	// Processes busy all along (the usual suspects) are left unread:
	// ProcessInfo of a running process races with its own bookkeeping on
	// ergo 3.1/3.2.
	src.keepSubscribers, src.skipBusy = diagnose.MaxEvidence, true
	if err := src.load(pb.env, "diagnose", ""); err != nil {
		pb.f.Missing[diagnose.NeedEvents] = err.Error()
		return
	}
	pb.f.EventsLocalOnly = src.avail.LocalOnly()
	err := src.each(pb.env, "diagnose", func(e *events.Event) bool {
		ev := diagnose.Event{Name: e.Name, Producer: e.Producer, Subscribers: e.Subscribers, Published: -1, PublishedBefore: -1}
		if src.table != nil {
			ev.Published, ev.PublishedBefore = e.MessagesPublished, pb.pub0[e.Name]
		} else if _, subs, ok := src.rebuilt.Event(e.Name); ok {
			for _, s := range subs {
				ev.SubscriberPIDs = append(ev.SubscriberPIDs, s.PID)
			}
		}
		for _, pid := range append([]string{ev.Producer}, ev.SubscriberPIDs...) {
			if p, err := ident.ParsePID(pid); err == nil {
				pb.col.Want(p.ID)
			}
		}
		pb.f.Events = append(pb.f.Events, ev)
		return len(pb.f.Events) < maxEventInspect
	})
	if err != nil {
		pb.f.Missing[diagnose.NeedEvents] = err.Error()
		return
	}
	if src.table == nil {
		pb.f.Notes = append(pb.f.Notes, "events rebuilt from process info (ergo < 3.3): no publication counters, local subscribers only")
		if !src.scan.Complete {
			pb.f.Notes = append(pb.f.Notes, fmt.Sprintf("event scan read %d of %d candidate processes (the rest were busy all along, or beyond the scan budget): their events and subscriptions are missing",
				src.scan.Inspected, src.scan.Candidates))
		}
	} else {
		pb.f.Notes = append(pb.f.Notes, "ergo ≥ 3.3's event table lists no subscriber PIDs: event_slow_subscriber cannot name slow subscribers here")
	}
}

// stacks captures the goroutine profile when processes were busy all
// window, keeping the stacks that belong to them.
func (pb *playbook) stacks() {
	if !pb.wants(diagnose.NeedStacks) {
		pb.f.Missing[diagnose.NeedStacks] = "not gathered in this scenario"
		return
	}
	var pids, behaviors []string
	for _, c := range pb.probed {
		if c.probes > 0 && (c.running == c.probes || c.waiting == c.probes) {
			pids = append(pids, c.pid.String())
			if b := pb.behaviorOf(c.pid.ID); b != "" && !slices.Contains(behaviors, b) {
				behaviors = append(behaviors, b)
			}
		}
	}
	if len(pids) == 0 || pb.late(diagnose.NeedStacks) {
		return
	}
	p, err := profiles.Goroutines()
	if err != nil {
		pb.f.Notes = append(pb.f.Notes, "goroutine profile: "+err.Error())
		return
	}
	pb.f.PprofLabels = profiles.HasLabel(p, "pid")
	all, err := stacksOf(p, "goroutine")
	if err != nil {
		pb.f.Notes = append(pb.f.Notes, "goroutine profile: "+err.Error())
		return
	}
	pb.f.Goroutines = diagnose.SelectGoroutines(all, pb.f.PprofLabels, pids, behaviors)
}

func (pb *playbook) behaviorOf(id uint64) string {
	i, ok := slices.BinarySearchFunc(pb.before, id, func(s snap, id uint64) int { return cmp.Compare(s.ID, id) })
	if !ok {
		return ""
	}
	return pb.before[i].behavior
}

// heap captures the heap profile at the window's end.
func (pb *playbook) heap() {
	if !pb.wants(diagnose.NeedHeap) {
		pb.f.Missing[diagnose.NeedHeap] = "not gathered in this scenario"
		return
	}
	if pb.late(diagnose.NeedHeap) {
		return
	}
	p, err := profiles.Heap()
	if err != nil {
		pb.f.Missing[diagnose.NeedHeap] = err.Error()
		return
	}
	inuse, err := stacksOf(p, "inuse_space")
	if err != nil {
		pb.f.Missing[diagnose.NeedHeap] = err.Error()
		return
	}
	pb.f.Heap = diagnose.Largest(inuse, diagnose.MaxStacks)
	allocs, err := stacksOf(p, "alloc_space")
	if err != nil {
		return
	}
	if pb.allocs0 != nil {
		pb.f.HeapAlloc = diagnose.Largest(diagnose.Delta(pb.allocs0, allocs), diagnose.MaxStacks)
	}
	objects, _ := stacksOf(p, "inuse_objects")
	var held []diagnose.Stack
	if pb.inuse0 != nil {
		held = diagnose.Delta(pb.inuse0, inuse)
	}
	pb.f.Sites = diagnose.HeapSites(inuse, objects, allocs, pb.f.HeapAlloc, held)
}

// nodeName is what a static route's match must look like to name a node
// rather than a pattern.
var nodeName = regexp.MustCompile(`^[A-Za-z0-9_.\-]+@[A-Za-z0-9_.\-]+$`)

// network reads the peers at the window's end and the nodes the routes
// and the registrar know.
func (pb *playbook) network() {
	if !pb.wants(diagnose.NeedNetwork) {
		pb.f.Missing[diagnose.NeedNetwork] = "not gathered in this scenario"
		return
	}
	net, err := pb.env.network()
	if err != nil {
		pb.f.Missing[diagnose.NeedNetwork] = err.Error()
		return
	}
	peers := map[string]*diagnose.Peer{}
	peer := func(name string) *diagnose.Peer {
		if p, ok := peers[name]; ok {
			return p
		}
		p := &diagnose.Peer{Name: name}
		if up, ok := pb.peers0[name]; ok {
			p.ConnectedBefore, p.ConnectionUptimeBefore = true, up
		}
		peers[name] = p
		return p
	}
	for name := range pb.peers0 {
		peer(name)
	}
	for _, name := range net.Nodes() {
		rn, err := net.Node(name)
		if err != nil {
			continue // gone since Nodes listed it
		}
		ri := rn.Info()
		p := peer(string(name))
		p.Connected, p.Uptime, p.ConnectionUptime = true, ri.Uptime, ri.ConnectionUptime
	}
	pb.seenPeers(peer)
	if info, err := net.Info(); err == nil {
		for _, r := range info.Routes {
			if nodeName.MatchString(r.Match) && gen.Atom(r.Match) != pb.node.Name() {
				peer(r.Match).Known = true
			}
		}
	}
	if reg, err := net.Registrar(); err == nil && reg != nil && !pb.late(diagnose.NeedNetwork) {
		ctx, cancel := context.WithTimeout(pb.env.Ctx, registrarWait)
		known, err := awaitNet(ctx, "registrar node list", reg.Nodes)
		cancel()
		if err == nil {
			for _, name := range known {
				if name != pb.node.Name() {
					peer(string(name)).Known = true
				}
			}
		} else {
			pb.f.Notes = append(pb.f.Notes, "the registrar does not list nodes ("+firstLine(err.Error())+"): known nodes are those of static routes and those ergomcp saw connected since it started; nodes never seen cannot be listed")
		}
	}
	names := make([]string, 0, len(peers))
	for n := range peers {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		pb.f.Peers = append(pb.f.Peers, *peers[n])
	}
}

// seenPeers adds what ergomcp's peer memory saw of every peer, those no
// longer connected included: ergo forgets a connection once it ends and
// cannot tell a stopped peer from a healthy one.
func (pb *playbook) seenPeers(peer func(string) *diagnose.Peer) {
	pb.env.Server.Observe(pb.node)
	now := time.Now()
	for _, n := range pb.env.Server.Peers.All() {
		if gen.Atom(n.Name) == pb.node.Name() {
			continue
		}
		p := peer(n.Name)
		p.Seen, p.Reconnects, p.Disconnects = true, n.Reconnects, n.Disconnects
		p.ReconnectsInWindow = n.Reconnects - pb.recon0[n.Name]
		if _, before := pb.recon0[n.Name]; !before {
			p.ReconnectsInWindow = 0 // first seen during the window
		}
		if !n.Connected && !n.LastDisconnect.IsZero() {
			p.GoneSince = n.LastDisconnect.UTC().Format(time.RFC3339)
		}
		if n.Connected && n.Hung(now) {
			p.Hung, p.UnansweredPings, p.LastAnswerAgoMs = true, n.Unanswered, -1
			if !n.LastAnswer.IsZero() {
				p.LastAnswerAgoMs = now.Sub(n.LastAnswer).Milliseconds()
			}
		}
		p.Story = n.Story(now)
	}
}

// parentBehaviors names the behaviour of the parents of the largest
// groups, one short-info read each.
func (pb *playbook) parentBehaviors() {
	for i := range pb.f.Groups[:min(len(pb.f.Groups), maxGroupParents)] {
		g := &pb.f.Groups[i]
		p, err := ident.ParsePID(g.Parent)
		if err != nil {
			continue
		}
		info, err := processShortInfo(pb.node, gen.PID{Node: pb.node.Name(), ID: p.ID, Creation: pb.node.Creation()})
		if err == nil {
			g.ParentBehavior = info.Behavior
		}
	}
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

func counters(p *gen.ProcessShortInfo) diagnose.Counters {
	return diagnose.Counters{MessagesIn: p.MessagesIn, MessagesOut: p.MessagesOut, Mailbox: p.MessagesMailbox,
		RunningTime: p.RunningTime, Uptime: p.Uptime, State: p.State.String()}
}

func runtimeOf(s *rtstats.Stats) diagnose.Runtime {
	return diagnose.Runtime{
		HeapLiveBytes: s.HeapLiveBytes, HeapObjectsBytes: s.MemoryHeapObjectsBytes, HeapGoalBytes: s.HeapGoalBytes,
		MemoryLimitBytes: s.MemoryLimitBytes, GCCycles: s.GCCycles, GCCPUSeconds: s.GCCPUSeconds, CPUSeconds: s.CPUSeconds,
		Goroutines: s.Goroutines,
	}
}

// stacksOf reads a profile's stacks as the rules take them: diagnose's
// Stack has methods of its own, so it is a type of its own.
func stacksOf(p *profile.Profile, sampleType string) ([]diagnose.Stack, error) {
	stacks, err := profiles.Stacks(p, sampleType, diagnose.MaxFrames)
	if err != nil {
		return nil, err
	}
	out := make([]diagnose.Stack, len(stacks))
	for i, s := range stacks {
		out[i] = diagnose.Stack(s)
	}
	return out, nil
}

// logs reads the node's log counter at the window's end and marks the
// processes it names for the second pass: the loud ones by PID, a
// crashing child's incarnations by behaviour.
func (pb *playbook) logs() {
	switch {
	case !pb.wants(diagnose.NeedLogs):
		pb.f.Missing[diagnose.NeedLogs] = "not gathered in this scenario"
		return
	case pb.env.Server.logs == nil:
		pb.f.Missing[diagnose.NeedLogs] = "the node refused diagnose's log counter"
		return
	}
	end := time.Now()
	pb.f.Logs = logFacts(pb.env.Server.logs, pb.logs0, end)
	pb.f.LogsSince = end.Sub(pb.env.Server.logs.Since())
	for _, e := range pb.f.Logs {
		if e.Level == "panic" {
			pb.col.WantBehavior(e.Behavior)
		}
		for _, s := range e.PIDs {
			if p, err := ident.ParsePID(s); err == nil {
				pb.col.Want(p.ID)
			}
		}
	}
}

// maxDumpGoroutines bounds the goroutine dump: beyond it (a dump of that
// many stops the world for tens of milliseconds) goroutine_leak is not
// checked.
const maxDumpGoroutines = 50000

// goroutineDump reads every goroutine at the window's start or end.
func (pb *playbook) goroutineDump(start bool) {
	if !pb.wants(diagnose.NeedGoroutineDump) {
		pb.f.Missing[diagnose.NeedGoroutineDump] = "not gathered in this scenario"
		return
	}
	if _, gone := pb.f.Missing[diagnose.NeedGoroutineDump]; gone || !start && pb.gos0 == nil || !start && pb.late(diagnose.NeedGoroutineDump) {
		if !start && pb.gos0 == nil {
			pb.f.Missing[diagnose.NeedGoroutineDump] = "no dump at the window's start"
		}
		return
	}
	if n := runtime.NumGoroutine(); n > maxDumpGoroutines {
		pb.f.Missing[diagnose.NeedGoroutineDump] = fmt.Sprintf("%d goroutines, more than the %d diagnose dumps: use pprof_goroutines", n, maxDumpGoroutines)
		return
	}
	var b bytes.Buffer
	if err := pprof.Lookup("goroutine").WriteTo(&b, 2); err != nil {
		pb.f.Missing[diagnose.NeedGoroutineDump] = "goroutine dump: " + err.Error()
		return
	}
	groups := diagnose.ParseGoroutineDump(&b)
	if start {
		pb.gos0 = groups
		return
	}
	pb.f.GoGroups = firstN(diagnose.MergeGoGroups(pb.gos0, groups), diagnose.MaxStacks)
}

func firstN[T any](s []T, n int) []T { return s[:min(len(s), n)] }
