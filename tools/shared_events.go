package tools

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"ergo.services/ergo/gen"

	"github.com/ergomcp/ergomcp/internal/catalog"
	"github.com/ergomcp/ergomcp/internal/events"
	"github.com/ergomcp/ergomcp/internal/record"
)

// maxEventInspect bounds the ProcessInfo calls of one rebuild (ergo < 3.3):
// each copies a process's links, monitors and aliases, so a node with
// hundreds of thousands of processes must not cost one call per process.
// Candidates are read in PID order, oldest first, as long-lived processes
// are the usual producers and subscribers.
const maxEventInspect = 10000

// maxListedSubscribers bounds event_info's list of subscriber PIDs.
const maxListedSubscribers = 100

// eventSource is where the event tools read events on the running ergo:
// the node's event table (ergo ≥ 3.3) or a table rebuilt from process
// information (older ergo).
type eventSource struct {
	avail   events.Availability
	table   *events.Table   // ergo ≥ 3.3
	rebuilt *events.Rebuild // ergo < 3.3
	scan    eventScan
	node    gen.Node // the rebuild's node, for its notes
	only    string   // the one event a rebuild kept, if any
	peers   int      // connected peers, whose subscribers a rebuild cannot see
	// keepSubscribers, when set, makes a rebuild keep that many subscriber
	// PIDs of every event (diagnose looks for slow subscribers).
	keepSubscribers int
	// skipBusy leaves processes that stay busy unread instead of reading
	// them anyway (diagnose: its scenarios are busy processes).
	skipBusy bool
}

// eventScan says how much of the process table a rebuild read.
type eventScan struct {
	// Processes is how many processes the table listed; Candidates how many
	// of them could own or subscribe to events (not in init, not
	// terminated); Inspected how many of those had their ProcessInfo read.
	Processes, Candidates, Inspected int
	// Budget is the most ProcessInfo calls one call makes.
	Budget int
	// Complete: every candidate was inspected.
	Complete bool
}

// openEvents finds the node's event source without reading it yet, so
// that arguments the source cannot serve are refused before any scan.
func (env *Env) openEvents() *eventSource {
	if env.Server.node.EventRangeInfo {
		if t := events.OpenTable(env.Node()); t != nil {
			return &eventSource{avail: t.Availability(), table: t}
		}
	}
	peers := 0
	if net := env.Node().Network(); net != nil {
		peers = len(net.Nodes())
	}
	return &eventSource{avail: events.RebuiltAvailability(peers > 0), peers: peers}
}

// load makes a table-less source readable: it reads ProcessInfo of the
// candidate processes, within the scan budget, into a rebuilt table.
// ProcessInfo.Events names the events a process registered, MonitorsEvent
// and LinksEvent its subscriptions. tool names the caller in errors; only,
// when set, keeps just that event and its subscriber PIDs (event_info).
func (s *eventSource) load(env *Env, tool, only string) error {
	if s.table != nil {
		return nil
	}
	keep := s.keepSubscribers
	if only != "" {
		keep = maxListedSubscribers
	}
	r := rebuilder{node: env.Node(), rb: events.NewRebuild(only, keep), skipBusy: s.skipBusy}
	if env.Process != nil {
		r.self = env.Process.PID()
	}
	scan := eventScan{Budget: maxEventInspect}
	err := env.scanProcesses(tool, func(p *gen.ProcessShortInfo) {
		scan.Processes++
		// ergo refuses RegisterEvent, MonitorEvent and LinkEvent before a
		// process runs, and drops them when it terminates.
		if p.State == gen.ProcessStateInit || p.State == gen.ProcessStateTerminated {
			return
		}
		scan.Candidates++
		if scan.Inspected < maxEventInspect {
			scan.Inspected++
			r.offer(p.PID)
		}
	})
	if err != nil {
		return err
	}
	r.drain(env)
	scan.Inspected -= r.skipped
	scan.Complete = scan.Inspected == scan.Candidates
	s.rebuilt, s.scan, s.node, s.only = r.rb, scan, r.node, only
	return nil
}

// busyRounds and busyPause bound how long a rebuild waits for busy
// processes to fall asleep: a few milliseconds, as most callbacks are short.
const (
	busyRounds = 5
	busyPause  = time.Millisecond
)

// rebuilder feeds ProcessInfo into a Rebuild, reading each process while
// it sleeps where it can. ergo 3.1/3.2 update a process's counters without
// synchronisation when a callback ends, and ProcessInfo reads them: reading
// a process that is inside a callback races with it. The race is harmless
// to the result, but the race detector blames ProcessInfo's caller. A
// process seen asleep (an atomic state load that orders after its last
// update) is read at once; a busy one is read after the pass, once asleep
// or, when it stays busy, anyway: a busy producer is worth seeing.
type rebuilder struct {
	node gen.Node
	self gen.PID // the calling worker: reading itself cannot race
	rb   *events.Rebuild
	busy []gen.PID
	// skipBusy: processes still busy after the waiting rounds are left
	// unread (counted in skipped) rather than read anyway.
	skipBusy bool
	skipped  int
}

func (r *rebuilder) offer(pid gen.PID) {
	if r.busyNow(pid) {
		r.busy = append(r.busy, pid)
		return
	}
	r.read(pid)
}

func (r *rebuilder) busyNow(pid gen.PID) bool {
	if pid == r.self {
		return false
	}
	state, err := r.node.ProcessState(pid)
	return err == nil && (state == gen.ProcessStateRunning || state == gen.ProcessStateWaitResponse)
}

// drain reads the processes found busy, within busyRounds and the call's
// deadline.
func (r *rebuilder) drain(env *Env) {
	for round := 0; len(r.busy) > 0 && round < busyRounds && env.Ctx.Err() == nil; round++ {
		time.Sleep(busyPause)
		r.busy = slices.DeleteFunc(r.busy, func(pid gen.PID) bool {
			if r.busyNow(pid) {
				return false
			}
			r.read(pid)
			return true
		})
	}
	if r.skipBusy {
		r.skipped = len(r.busy)
	} else {
		for _, pid := range r.busy {
			r.read(pid)
		}
	}
	r.busy = nil
}

func (r *rebuilder) read(pid gen.PID) {
	info, err := r.node.ProcessInfo(pid)
	if err != nil {
		return // terminated since the listing
	}
	text := pid.String()
	for _, name := range info.Events {
		r.rb.Producer(string(name), text)
	}
	for _, subs := range []struct {
		list []gen.Event
		link bool
	}{{info.MonitorsEvent, false}, {info.LinksEvent, true}} {
		for _, ev := range subs.list {
			if ev.Node == r.node.Name() { // remote events are not this node's table
				r.rb.Subscriber(string(ev.Name), text, subs.link)
			}
		}
	}
}

// rebuildNotes says what a rebuilt table cannot show; counted compares the
// events found with the node's own count of registered events.
func rebuildNotes(node gen.Node, scan eventScan, peers int, rb *events.Rebuild, counted bool) []string {
	notes := []string{
		"ergo < 3.3 keeps no event table: events are rebuilt from ProcessInfo (Events: registered, MonitorsEvent/LinksEvent: subscriptions); Notify, buffers, publish counters and timestamps need ergo ≥ 3.3",
		"UtilizationState can only be has_subscribers, no_subscribers or no_local_subscribers here: without publish counters active, on_demand, idle and no_publishing cannot be told apart",
		"an event the node itself registered (Node.RegisterEvent) shows only when a local process subscribes to it, with Producer null",
	}
	remote := "Subscribers counts local subscriber processes: subscribers on other nodes are not visible on ergo < 3.3"
	if peers > 0 {
		remote += fmt.Sprintf(" (this node has %d connected peers)", peers)
	}
	notes = append(notes, remote)
	if !scan.Complete {
		notes = append(notes, fmt.Sprintf("the scan budget cut the rebuild: ProcessInfo was read for %d of %d candidate processes (oldest first); events and subscribers of the rest are missing and counts may be low",
			scan.Inspected, scan.Candidates))
	}
	if counted {
		if info, err := node.Info(); err == nil && info.RegisteredEvents > int64(rb.Len()) {
			notes = append(notes, fmt.Sprintf("the node counts %d registered events and %d were found; the others were registered by the node itself and have no local subscriber, or by processes the scan budget left out",
				info.RegisteredEvents, rb.Len()))
		}
	}
	return notes
}

// each calls fn with every event of the source until fn returns false.
// tool names the caller when the deadline ends the walk early.
func (s *eventSource) each(env *Env, tool string, fn func(e *events.Event) bool) error {
	if s.table == nil {
		for _, e := range s.rebuilt.Events() {
			if !fn(&e) {
				break
			}
		}
		return nil
	}
	err := s.table.Range(func(e *events.Event) bool { return fn(e) && env.Ctx.Err() == nil })
	if err != nil {
		return catalog.Errorf("reading the event table: %v", err)
	}
	if err := env.Ctx.Err(); err != nil {
		return catalog.Errorf("%s stopped before the end of the event table: %v", tool, err)
	}
	return nil
}

// one reads the event called name with, for a rebuild, the subscriber PIDs
// kept; an unknown name is an error that says where to look.
func (s *eventSource) one(env *Env, name string) (events.Event, []events.Subscriber, error) {
	node := env.Node()
	if s.table != nil {
		e, err := s.table.Info(name, string(node.Name()))
		switch {
		case errors.Is(err, events.ErrUnknown), errors.Is(err, gen.ErrEventUnknown):
			return e, nil, catalog.Errorf("no event %q is registered on %s; event_list shows the registered events (its name argument matches a substring)", name, string(node.Name()))
		case err != nil:
			return e, nil, catalog.Errorf("event %q: %v", name, err)
		}
		return e, nil, nil
	}
	e, subs, ok := s.rebuilt.Event(name)
	if !ok {
		msg := fmt.Sprintf("no event %q found on %s: no local process registered it or subscribes to it; event_list shows the events found (its name argument matches a substring). On ergo < 3.3 an event registered by the node itself (Node.RegisterEvent) is invisible until a local process subscribes to it", name, string(node.Name()))
		if !s.scan.Complete {
			msg += fmt.Sprintf(", and the scan budget left %d of %d candidate processes unread", s.scan.Candidates-s.scan.Inspected, s.scan.Candidates)
		}
		return e, nil, catalog.Errorf("%s", msg)
	}
	return e, subs, nil
}

// extra is what a result says about the source besides the events: where
// they come from and, for a rebuild, how far the scan got and what it
// cannot show. capital names the keys for a record (Source) rather than a
// list envelope (source).
func (s *eventSource) extra(capital bool) []record.Field {
	key := func(lower, upper string) string {
		if capital {
			return upper
		}
		return lower
	}
	if s.table != nil {
		return []record.Field{{Name: key("source", "Source"), Value: "event_table"}}
	}
	return []record.Field{
		{Name: key("source", "Source"), Value: "process_info"},
		{Name: key("scan", "Scan"), Value: s.scan},
		// Built only for the event tools' answers: comparing with the
		// node's event count calls Node.Info, which stops the world on
		// ergo 3.1 (diagnose reads the source without it).
		{Name: key("notes", "Notes"), Value: rebuildNotes(s.node, s.scan, s.peers, s.rebuilt, s.only == "")},
	}
}
