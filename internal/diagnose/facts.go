package diagnose

import (
	"time"

	"github.com/ergomcp/ergomcp/internal/window"
)

// Facts is everything one playbook gathered on a node, in plain values,
// so that rules run (and are tested) without ergo. The diagnose tool fills
// it; every list is bounded by the Collector or by the tool.
type Facts struct {
	// Window is the time between the two passes over the process table.
	Window time.Duration
	// Probes is how many times the window's processes were looked at
	// between the passes (states of candidates, processes born since the
	// first pass).
	Probes int

	// ProcsBefore and ProcsAfter count the processes of the two passes.
	ProcsBefore, ProcsAfter int
	// Born counts processes started during the window (seen by a probe or
	// by the second pass); BornUnseen those known only from the gap in PID
	// numbers (ergo numbers processes in spawn order), which lived and died
	// between two probes. Died counts processes of the first pass or of a
	// probe that were gone by the second pass.
	Born, BornUnseen, Died int

	// Procs are the candidate processes the Collector kept: the top ones by
	// every measure a rule reads, not the whole table.
	Procs []Proc
	// Groups are processes born or died during the window, by parent and
	// behaviour, largest churn first.
	Groups []Group
	// Behaviors maps behaviours to a few of their processes, for rules
	// that attribute a stack or an allocation site to an actor.
	Behaviors []Behavior

	// Runtime holds the Go runtime's readings at both ends of the window.
	Runtime *RuntimeWindow
	// Heap are the heap profile's stacks by in-use bytes (as of the last
	// GC) at the window's end, HeapAlloc by bytes allocated during the
	// window; largest first, at most MaxStacks each.
	Heap, HeapAlloc []Stack
	// Goroutines are goroutine stacks that mention an actor candidate's
	// behaviour or carry a candidate's pid label.
	Goroutines []Stack
	// PprofLabels: goroutines carry pid labels, so Goroutines are
	// attributed exactly; otherwise by behaviour name (inferred).
	PprofLabels bool

	// Peers are the nodes this node is connected to or knows of.
	Peers []Peer
	// Events are the node's events.
	Events []Event
	// EventsLocalOnly: subscriber counts cover local subscribers only
	// (ergo < 3.3 rebuilds the table from process info).
	EventsLocalOnly bool

	// Missing says, per kind of data, why it was not gathered (budget,
	// networking disabled, ...): rules needing it are reported as not
	// checked rather than silently clean.
	Missing map[Need]string
	// Notes are caveats about the data, passed on in the report.
	Notes []string
}

// Proc is one candidate process: its identity, its counters at both ends
// of the window and what probes saw in between.
type Proc struct {
	// PID is as ergo prints it; ID is its number on the node. The
	// Collector fills PID from ID when it keeps the process.
	PID string
	ID  uint64
	// Parent is the PID of the process that spawned it ("" for none);
	// the Collector fills it from ParentID (0: none, or on another node).
	Name, Behavior, Application, Parent string
	ParentID                            uint64
	// Before is nil for a process born during the window.
	Before *Counters
	After  Counters
	// Probes is how many state probes looked at the process; Running and
	// Waiting how many of them found it running a callback or waiting for
	// a call's response. A process found so in every probe (and at both
	// passes) spent the whole window there.
	Probes, Running, Waiting int
}

// Counters are one process's numbers at one instant.
type Counters struct {
	MessagesIn, MessagesOut, Mailbox uint64
	// RunningTime is in nanoseconds; ergo 3.1/3.2 add to it only when the
	// process empties its mailbox.
	RunningTime uint64
	// Uptime is in whole seconds.
	Uptime int64
	State  string
}

// sample is c as the window package measures it.
func (c *Counters) sample() window.Sample {
	return window.Sample{MessagesIn: c.MessagesIn, MessagesOut: c.MessagesOut, Mailbox: c.Mailbox, RunningTime: c.RunningTime, Uptime: c.Uptime}
}

// Rates measures p over a window of length w.
func (p *Proc) Rates(w time.Duration) window.Rates {
	after := p.After.sample()
	if p.Before == nil {
		return window.Measure(nil, &after, w)
	}
	before := p.Before.sample()
	return window.Measure(&before, &after, w)
}

// Process states as ergo prints them.
const (
	StateRunning      = "running"
	StateWaitResponse = "wait response"
	StateSleep        = "sleep"
)

// whole reports whether the process was in state at both passes and in
// every probe: the whole window, as far as the playbook could see.
func (p *Proc) whole(state string) bool {
	if p.Before == nil || p.Before.State != state || p.After.State != state {
		return false
	}
	switch state {
	case StateRunning:
		return p.Running == p.Probes
	case StateWaitResponse:
		return p.Waiting == p.Probes
	}
	return false
}

// Group is the processes one parent started or lost, of one behaviour,
// during the window.
type Group struct {
	Parent   string
	Behavior string
	// ParentBehavior is the parent's behaviour when the parent is a local
	// process still running.
	ParentBehavior string
	Born, Died     int
	// Alive are a few of the group's processes born in the window and still
	// running at its end, youngest first; Gone a few that died.
	Alive, Gone []string
}

// Behavior is one actor behaviour and a few of its processes.
type Behavior struct {
	Behavior string
	Count    int
	PIDs     []string
}

// RuntimeWindow is the Go runtime at both ends of the window.
type RuntimeWindow struct {
	Before, After Runtime
}

// Runtime is one reading of the Go runtime (from runtime/metrics: never a
// stop-the-world ReadMemStats).
type Runtime struct {
	// HeapLiveBytes is the heap marked live by the last GC; HeapObjectsBytes
	// the memory of heap objects now, live or not yet swept.
	HeapLiveBytes, HeapObjectsBytes, HeapGoalBytes uint64
	MemoryLimitBytes                               uint64
	GCCycles                                       uint64
	// GCCPUSeconds and CPUSeconds are the runtime's estimates since start.
	GCCPUSeconds, CPUSeconds float64
	Goroutines               uint64
}

// Stack is one profile sample reduced to its value, pid label and
// function names (leaf first).
type Stack struct {
	Value int64
	PID   string
	Funcs []string
}

// Event is one registered event.
type Event struct {
	Name     string
	Producer string
	// Subscribers is the count; SubscriberPIDs a few of them, when known.
	Subscribers    int64
	SubscriberPIDs []string
	// Published counts messages published since the event was registered,
	// and PublishedBefore at the window's start; -1 when the node does not
	// count them (ergo < 3.3).
	Published, PublishedBefore int64
}
