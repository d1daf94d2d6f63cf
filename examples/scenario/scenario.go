// Package scenario starts misbehaving actors on an Ergo node, one kind of
// trouble per diagnose rule, so that a newcomer can watch ergomcp find it in
// the demo (go run ./examples/demo -scenario=all) and tests can check a rule
// against a real node instead of a fabricated process table.
//
// Every process a scenario starts has a registered name beginning with
// "scenario_" (except the leaked workers, which are anonymous on purpose),
// and Run.Stop ends all of them, so scenarios can come and go on a node
// that keeps running.
package scenario

import (
	"math"
	"slices"
	"sync"
	"time"

	"ergo.services/ergo/gen"
)

// Scenario is one misbehaviour a newcomer can switch on in the demo.
type Scenario struct {
	Name        string // e.g. "slow_consumer"
	Description string // one line: what misbehaves and what diagnose should say
	Rule        string // id of the diagnose rule expected to fire
	// Rate is the misbehaviour's default pace, in Unit; Low and High the
	// range tests and DIAGNOSE.md's table run it at (equal when the pace
	// is not what the scenario is about).
	Rate, Low, High float64
	Unit            string
	// Start spawns the scenario's processes on node at Rate and returns
	// once they exist; the misbehaviour itself becomes visible within a
	// second (the slow restart loop and the slow leak need a few).
	Start func(node gen.Node) (*Run, error)
	// StartAt is Start at another rate.
	StartAt func(node gen.Node, rate float64) (*Run, error)
}

// Run is a started scenario.
type Run struct {
	// Culprits are the processes diagnose must name in its evidence (at least one).
	Culprits []gen.PID
	// Stop ends every process the scenario started (idempotent, safe to call after node stop).
	Stop func()
}

func define(s Scenario, at func(node gen.Node, rate float64) (*Run, error)) Scenario {
	s.StartAt = at
	s.Start = func(node gen.Node) (*Run, error) { return at(node, s.Rate) }
	return s
}

// fixed is a scenario whose pace is not settable.
func fixed(start func(node gen.Node) (*Run, error)) func(gen.Node, float64) (*Run, error) {
	return func(node gen.Node, _ float64) (*Run, error) { return start(node) }
}

// every is the interval of a pace of rate per second (at least 1 ms).
func every(rate float64) time.Duration {
	if rate <= 0 {
		return time.Hour
	}
	return max(time.Duration(float64(time.Second)/rate), time.Millisecond)
}

// All returns every scenario in a stable order. The slice is new on every
// call, so a caller may reorder or trim it without affecting anyone else.
func All() []Scenario {
	return []Scenario{
		define(Scenario{
			Name:        "slow_consumer",
			Description: "scenario_producer sends 20 + rate jobs/s to scenario_slow_consumer, which needs 50 ms a job (always running): its mailbox grows by rate a second; diagnose names the consumer",
			Rule:        "mailbox_growing", Rate: 30, Low: 3, High: 30, Unit: "messages/s of mailbox growth",
		}, startSlowConsumer),
		define(Scenario{
			Name:        "cpu_burner",
			Description: "scenario_cpu_burner spins rate of every 20 ms (~75% of a CPU by default) in its handler; diagnose names it as the CPU hog",
			Rule:        "cpu_hog", Rate: 0.75, Low: 0.75, High: 0.95, Unit: "share of a core",
		}, startCPUBurner),
		define(Scenario{
			Name:        "leak",
			Description: "scenario_leak_spawner spawns rate workers a second (up to 5000) that never receive a message and never exit; diagnose names the spawner as the parent of the leaked processes",
			Rule:        "process_leak", Rate: 50, Low: 1, High: 10, Unit: "processes/s",
		}, startLeak),
		define(Scenario{
			Name:        "restart_loop",
			Description: "scenario_restart_supervisor restarts scenario_flaky_worker, which panics 1/rate s after each start (5 restarts/s by default, never giving up); diagnose names the supervisor and the panic's reason",
			Rule:        "restart_loop", Rate: 5, Low: 0.3, High: 5, Unit: "restarts/s",
		}, startRestartLoop),
		define(Scenario{
			Name:        "stuck",
			Description: "scenario_chain_a calls scenario_chain_b, which calls scenario_chain_c, whose handler blocks; a and b wait for a response while a's mailbox grows ~20/s; diagnose names the chain, c first",
			Rule:        "call_chain", Rate: 20, Low: 20, High: 20, Unit: "pings/s at a",
		}, fixed(startStuck)),
		define(Scenario{
			Name:        "call_cycle",
			Description: "scenario_cycle_a calls scenario_cycle_b, which calls a back: both wait until the call times out (1/rate s), log \"timed out\" and call again; diagnose names the cycle and its period",
			Rule:        "call_chain", Rate: 1, Low: 0.34, High: 1, Unit: "timeouts/s (1/call timeout)",
		}, startCallCycle),
		define(Scenario{
			Name:        "events",
			Description: "scenario_event_producer publishes rate events/s (20 by default) on scenario_orders with nobody subscribed; diagnose names the producer",
			Rule:        "event_no_subscribers", Rate: 20, Low: 2, High: 50, Unit: "events/s",
		}, startEvents),
		define(Scenario{
			Name:        "event_unpublished",
			Description: "scenario_silent_producer registers scenario_silent with rate subscribers and never publishes; diagnose names it on ergo ≥ 3.3 and says it cannot tell on older ergo",
			Rule:        "event_never_published", Rate: 2, Low: 1, High: 5, Unit: "subscribers",
		}, startUnpublished),
		define(Scenario{
			Name:        "memory",
			Description: "scenario_memory_hog keeps rate MB more a second (20 by default, up to 512 MB, then replaces the oldest); diagnose names the hog as the heap grows",
			Rule:        "heap_growth", Rate: 20, Low: 10, High: 20, Unit: "MB/s",
		}, startMemory),
		define(Scenario{
			Name:        "heap_retention",
			Description: "scenario_hoarder keeps every 256 KB buffer it allocates, rate MB a second (up to 256 MB): in use equals allocated at its allocation site; diagnose names it",
			Rule:        "heap_retention", Rate: 2, Low: 1, High: 5, Unit: "MB/s",
		}, startHoarder),
		define(Scenario{
			Name:        "goroutine_leak",
			Description: "scenario_goroutine_leaker starts rate goroutines a second (up to 20000) from its callback, each parked forever on a channel, while the process count stays flat; diagnose names it by the goroutines' creator",
			Rule:        "goroutine_leak", Rate: 20, Low: 5, High: 50, Unit: "goroutines/s",
		}, startGoroutineLeak),
		define(Scenario{
			Name:        "log_flood",
			Description: "scenario_log_flooder logs an error rate times a second (20 by default); diagnose names it with the message template",
			Rule:        "log_flood", Rate: 20, Low: 10, High: 50, Unit: "errors/s",
		}, startLogFlood),
	}
}

// Lookup returns the scenario called name.
func Lookup(name string) (Scenario, bool) {
	for _, s := range All() {
		if s.Name == name {
			return s, true
		}
	}
	return Scenario{}, false
}

// stopTimeout bounds how long Stop waits for the scenario's processes to
// end. A killed process ends when its current callback returns, and every
// callback here returns within 50 ms once the release channel is closed;
// the bound only matters if the node itself is wedged.
const stopTimeout = 5 * time.Second

// run is the state one started scenario shares with its processes. It is
// created per Start, so scenarios on different nodes (or a scenario started
// again after Stop) share nothing.
type run struct {
	node gen.Node

	mu      sync.Mutex
	pids    []gen.PID // every process of the scenario, in start order
	pruneAt int       // the length of pids at which track drops ended ones

	// release is closed by Stop: a handler that blocks on purpose (the end
	// of the stuck call chain) waits on it, so Stop can end it.
	release chan struct{}
	once    sync.Once
}

func newRun(node gen.Node) *run {
	return &run{node: node, release: make(chan struct{}), pruneAt: minPrune}
}

// track records a process of the scenario. Each behavior calls it from its
// Init with its own PID: Init runs inside Spawn, on the spawner's goroutine,
// so by the time a spawner has ended, every process it spawned is tracked,
// whoever spawned it (Start, the leak spawner, the supervisor).
//
// Processes that ended by themselves (a restarted worker, 5 a second) are
// dropped whenever the list has doubled, so a demo left running for days
// does not grow the list without bound.
func (r *run) track(pid gen.PID) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.pids) >= r.pruneAt {
		r.pids = slices.DeleteFunc(r.pids, func(p gen.PID) bool { return !r.alive(p) })
		r.pruneAt = max(2*len(r.pids), minPrune)
	}
	r.pids = append(r.pids, pid)
}

// minPrune is the list length at which track first drops ended processes.
const minPrune = 1024

// spawn starts a registered process of the scenario (its Init tracks it).
func (r *run) spawn(name gen.Atom, factory gen.ProcessFactory) (gen.PID, error) {
	return r.node.SpawnRegister(name, factory, gen.ProcessOptions{})
}

// started returns the Run for the culprits, or ends what was started if
// Start failed half-way, so a failed Start leaves nothing behind.
func (r *run) started(err error, culprits ...gen.PID) (*Run, error) {
	if err != nil {
		r.stop()
		return nil, err
	}
	return &Run{Culprits: culprits, Stop: r.stop}, nil
}

// stop releases blocked handlers, waits for blocked calls to return, then
// kills the tracked processes and waits until they are gone, round after
// round: a spawner killed in the middle of a callback may still spawn one
// more process, which the next round finds. Errors are ignored on purpose:
// a process that already ended (the flaky worker) or a node that was
// stopped is exactly the goal.
func (r *run) stop() {
	r.once.Do(func() {
		// No pruning from here on: the rounds below index into pids.
		r.mu.Lock()
		r.pruneAt = math.MaxInt
		r.mu.Unlock()
		close(r.release)
		deadline := time.Now().Add(stopTimeout)
		// Let released call chains unwind before killing anyone: a killed
		// process cannot send its response, and whoever called it would
		// keep waiting (the chain's calls wait an hour).
		for r.waiting() && time.Now().Before(deadline) {
			time.Sleep(2 * time.Millisecond)
		}
		ended := 0
		for {
			r.mu.Lock()
			pids := slices.Clone(r.pids[ended:])
			r.mu.Unlock()
			if len(pids) == 0 {
				return
			}
			for _, pid := range pids {
				r.node.Kill(pid)
			}
			for _, pid := range pids {
				for r.alive(pid) && time.Now().Before(deadline) {
					time.Sleep(2 * time.Millisecond)
				}
			}
			ended += len(pids)
		}
	})
}

// waiting reports whether a process of the scenario waits for a response.
func (r *run) waiting() bool {
	r.mu.Lock()
	pids := slices.Clone(r.pids)
	r.mu.Unlock()
	for _, pid := range pids {
		if s, err := r.node.ProcessState(pid); err == nil && s == gen.ProcessStateWaitResponse {
			return true
		}
	}
	return false
}

// alive reports whether pid is still in the node's process table (a
// killed process stays there until its running callback returns).
func (r *run) alive(pid gen.PID) bool {
	_, err := r.node.ProcessState(pid)
	return err == nil
}

// tick is the self-message that paces every periodic scenario actor.
type tick struct{}

// released reports whether Stop has begun.
func (r *run) released() bool {
	select {
	case <-r.release:
		return true
	default:
		return false
	}
}
