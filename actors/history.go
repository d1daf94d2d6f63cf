package actors

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"ergo.services/ergo/act"
	"ergo.services/ergo/gen"

	"github.com/ergomcp/ergomcp/internal/history"
	"github.com/ergomcp/ergomcp/internal/logcount"
)

// HistoryName is the registered name of the collector's keeper.
const HistoryName gen.Atom = "ergomcp_history"

// Bounds of the collector's reads.
const (
	// scansPerPoint: the table's tail (processes spawned since the last
	// scan) is read this many times per point, so that short-lived
	// processes (a restart loop's) are seen alive more often.
	scansPerPoint = 10
	minScan       = 10 * time.Millisecond
	// maxTailScan bounds the new processes one scan reads; a burst larger
	// than that is read over the next scans.
	maxTailScan = 2048
	// tailPage is one ProcessListShortInfo call of a scan.
	tailPage = 256
	// probeAhead is how many IDs past the highest a scan looks at for a
	// live process; new processes behind a longer run of ended ones are
	// found by the next count (ProcessList).
	probeAhead = 64
	// maxTrackedGroups bounds the spawning groups counted within a point.
	maxTrackedGroups = 64
)

// Bounds of the keeper's restarts of a crashed collector.
const (
	maxCollectorRestarts = 5
	restartWindow        = time.Minute
)

// historyKeeper is the supervisor's child for the history: it runs the
// collector as an unregistered, unlinked process and starts it again when
// it crashes. A registered child restarted by ergo 3.1's supervisor races
// with its own name: the node tells the supervisor of the exit
// (RouteTerminatePID) before it deletes the name, so a quick restart
// fails with ErrTaken and takes the whole supervisor down. The keeper
// itself does nothing that can crash.
type historyKeeper struct {
	act.Actor
	store    *history.Store
	opt      gen.ProcessOptions
	pid      gen.PID
	restarts []time.Time
}

type startCollector struct{}

func (k *historyKeeper) Init(args ...any) error {
	k.store = args[0].(*history.Store)
	k.opt = gen.ProcessOptions{LogLevel: k.Log().Level()}
	// Monitoring is done from a callback, not from Init (not allowed there
	// on ergo 3.1 for some subscriptions): start on the first message.
	return k.Send(k.PID(), startCollector{})
}

func (k *historyKeeper) HandleMessage(from gen.PID, message any) error {
	switch m := message.(type) {
	case startCollector:
		k.start()
	case gen.MessageDownPID:
		if m.PID != k.pid {
			return nil
		}
		now := time.Now()
		k.restarts = append(slices.DeleteFunc(k.restarts, func(t time.Time) bool { return now.Sub(t) > restartWindow }), now)
		if len(k.restarts) > maxCollectorRestarts {
			k.store.Mark(now, history.GapRestart, fmt.Sprintf("the history collector crashed %d times within %s and is not restarted: %v", len(k.restarts), restartWindow, m.Reason))
			k.Log().Error("ergomcp: history collector crashed %d times within %s; history stopped: %v", len(k.restarts), restartWindow, m.Reason)
			return nil
		}
		k.Log().Warning("ergomcp: history collector ended (%v); restarting it", m.Reason)
		k.start()
	}
	return nil
}

func (k *historyKeeper) start() {
	pid, err := k.Spawn(func() gen.ProcessBehavior { return &collector{} }, k.opt, k.store)
	if err != nil {
		k.Log().Error("ergomcp: history collector did not start: %v", err)
		return
	}
	k.pid = pid
	if err := k.MonitorPID(pid); err != nil {
		k.Log().Error("ergomcp: cannot monitor the history collector: %v", err)
	}
}

// Terminate ends the collector with the keeper, as a supervisor would end
// its child; the collector then frees the history.
func (k *historyKeeper) Terminate(reason error) {
	if k.pid != (gen.PID{}) {
		k.SendExit(k.pid, gen.TerminateReasonShutdown)
	}
}

// collector records the node's history into the store, which outlives it:
// a restarted collector continues the same history and marks the gap.
// Everything it reads is cheap (runtime/metrics, counters kept in place) or
// paced by its measured cost (the process table), and it never calls
// Node.Info, which stops the world on ergo 3.1.
type collector struct {
	act.Actor
	store *history.Store
	cfg   history.Config
	rt    *history.RuntimeReader
	timer *selfTimer
	based bool // the baseline was read

	scan       time.Duration
	scans      int             // scans since the last point
	last       time.Time       // the last point (monotonic)
	highest    uint64          // highest process ID seen
	prevPoint  uint64          // highest at the last point
	logs       logcount.Totals // the counter's totals at the last point
	groups     map[groupKey]*groupAcc
	tracked    []tracked
	tableNext  time.Time // the next full table read
	countNext  time.Time // the next process count
	countAt    uint64    // highest at the last count
	cost       history.Cost
	tableMs    history.Num // table reads within the current point
	countProcs int         // processes at the last count
	countTime  time.Time   // when
}

type groupKey struct {
	parent   gen.PID
	behavior string
}

type groupAcc struct{ n uint32 }

// tracked is a followed process: its counters at the previous point.
type tracked struct {
	pid     gen.PID
	id      uint32
	in, out uint64
	fresh   bool // first point followed: no traffic delta yet
}

type historyTick struct{}

func (c *collector) Init(args ...any) error {
	c.store = args[0].(*history.Store)
	c.cfg = c.store.Config()
	c.rt = history.NewRuntimeReader()
	c.scan = max(c.cfg.Interval/scansPerPoint, minScan)
	c.groups = make(map[groupKey]*groupAcc)
	now := time.Now()
	if _, ok := c.store.Last(); ok {
		c.store.Mark(now, history.GapRestart, "the history collector restarted: no points between its last one and this time")
	}
	node := c.Node()
	// The node's log counter (ergomcp's one logger feeds it) runs on
	// while no collector does: the first point counts from here.
	c.logs = c.store.Logs.Read()
	c.rt.Read(&history.Point{}) // primes the runtime totals
	c.last = now
	c.timer = startTimer(node, c.PID())
	c.timer.after(historyTick{}, c.scan)
	return nil
}

// baseline reads the table's extent, the start of the counts (and of
// node_info's totals). It runs on the first tick, not in Init: the
// collector starts beside ergomcp's other processes, and a process still
// in its Init is missing from the PID map while its children are in it,
// which would count it later as never spawned.
func (c *collector) baseline() error {
	now := time.Now()
	pids, err := c.Node().ProcessList()
	if err != nil {
		return err
	}
	var top uint64
	for _, pid := range pids {
		top = max(top, pid.ID)
	}
	c.highest = c.store.SeeHighest(top)
	c.prevPoint, c.countAt, c.countProcs, c.countTime = c.highest, c.highest, len(pids), now
	c.store.SetBaseline(history.Baseline{At: now, HighestPID: c.highest, Processes: len(pids)})
	c.based = true
	return nil
}

func (c *collector) HandleMessage(from gen.PID, message any) error {
	if _, ok := message.(historyTick); !ok {
		return nil
	}
	if !c.based {
		if err := c.baseline(); err != nil {
			return err
		}
	}
	start := time.Now()
	c.tail()
	c.cost.ScanMs = ms(time.Since(start))
	c.scans++
	if c.scans >= scansPerPoint || c.cfg.Interval <= minScan {
		c.scans = 0
		c.point()
	}
	c.timer.after(historyTick{}, c.scan)
	return nil
}

func (c *collector) Terminate(reason error) {
	// Ended with ergomcp (its supervisor stops it so): the history is
	// over, and its memory must not stay with the configuration. A crash
	// keeps it for the restarted collector, which marks the gap.
	if errors.Is(reason, gen.TerminateReasonShutdown) || errors.Is(reason, gen.TerminateReasonNormal) || errors.Is(reason, gen.TerminateReasonKill) {
		c.store.Release()
	}
	if c.timer != nil {
		c.timer.stop()
	}
}

// HandleInspect shows the collector's pace.
func (c *collector) HandleInspect(from gen.PID, item ...string) map[string]string {
	return map[string]string{
		"interval":   c.cfg.Interval.String(),
		"scan":       c.scan.String(),
		"followed":   strconv.Itoa(len(c.tracked)),
		"highestPID": strconv.FormatUint(c.highest, 10),
		"bytes":      strconv.Itoa(c.store.Bytes()),
	}
}

// tail reads the processes spawned since the last scan: the highest ID
// (spawned counts on every ergo version) and who spawned them. Its cost
// follows the spawn rate, not the table's size.
func (c *collector) tail() {
	node := c.Node()
	// A look at the next IDs first: ProcessState reads the PID map only,
	// while a table read also reads ergo's ID counter without
	// synchronisation (a race inside ergo), so the table is read only when
	// something new is alive.
	probe, from := c.PID(), uint64(0)
	for id := max(c.highest+1, 1000); id <= c.highest+probeAhead; id++ {
		probe.ID = id
		if _, err := node.ProcessState(probe); err == nil {
			from = id
			break
		}
	}
	if from == 0 {
		return
	}
	read := 0
	for read < maxTailScan {
		page, err := node.ProcessListShortInfo(int(max(from, c.highest+1)), tailPage)
		if err != nil || len(page) == 0 {
			break
		}
		for i := range page {
			p := &page[i]
			c.highest = max(c.highest, p.PID.ID)
			k := groupKey{parent: p.Parent, behavior: p.Behavior}
			g := c.groups[k]
			if g == nil {
				if len(c.groups) >= maxTrackedGroups {
					continue
				}
				g = &groupAcc{}
				c.groups[k] = g
			}
			g.n++
		}
		read += len(page)
		if len(page) < tailPage {
			break
		}
	}
	c.store.SeeHighest(c.highest)
}

func ms(d time.Duration) history.Num { return history.Num(float64(d) / float64(time.Millisecond)) }

func (c *collector) point() {
	now := time.Now()
	defer func() {
		// The table reads are measured on their own: what is left is the
		// point's fixed part.
		c.cost.PointMs = max(ms(time.Since(now))-c.tableMs, 0)
		c.cost.IntervalS = history.Num(c.cfg.Interval.Seconds())
		c.cost.ScansPerS = history.Num(1 / c.scan.Seconds())
		c.store.SetCost(c.cost)
	}()
	p := history.Blank()
	p.At = now.UnixNano()
	span := now.Sub(c.last)
	if wall := now.Round(0).Sub(c.last.Round(0)); math.Abs(float64(wall-span)) > float64(time.Second) {
		c.store.Mark(now, history.GapClock, "the wall clock moved by "+(wall-span).Round(time.Millisecond).String()+" against the monotonic clock")
	}
	if span > 2*c.cfg.Interval {
		c.store.Mark(now, history.GapLate, "no point for "+span.Round(time.Millisecond).String()+" (interval "+c.cfg.Interval.String()+"): the collector could not run")
	}
	c.last = now
	p.Span = span.Nanoseconds()

	c.rt.Read(&p)
	p.V[history.Spawned] = float64(c.highest - c.prevPoint)
	c.prevPoint = c.highest

	logs := c.store.Logs.Read()
	for i, s := range history.LogLevels {
		p.V[s] = float64(logs.Levels[i] - c.logs.Levels[i])
	}
	for i := range logs.Slots {
		p.Src[i] = uint32(min(logs.Slots[i]-c.logs.Slots[i], math.MaxUint32))
	}
	c.logs = logs

	c.table(&p, now)
	c.followed(&p)
	c.spawners(&p)
	c.store.Add(p)
}

// table reads the process count, and the whole table when its cost
// allows: the count every point while it is cheap, the table (movers,
// mailbox total) at a cadence that stretches with its measured cost.
func (c *collector) table(p *history.Point, now time.Time) {
	node := c.Node()
	count := -1
	c.tableMs = 0
	if !now.Before(c.tableNext) {
		start := time.Now()
		var top history.TopK[gen.PID]
		var mailbox uint64
		n := 0
		from := 1000
		for {
			page, err := node.ProcessListShortInfo(from, 1000)
			if err != nil || len(page) == 0 {
				break
			}
			for i := range page {
				r := &page[i]
				n++
				mailbox += r.MessagesMailbox
				c.highest = max(c.highest, r.PID.ID)
				// Candidates: a deep mailbox, or heavy traffic over the
				// process's life (the followed set then measures the
				// present).
				up := max(float64(r.Uptime), 1)
				top.Offer(r.PID, float64(r.MessagesMailbox)+float64(r.MessagesIn+r.MessagesOut)/up)
			}
			from = int(page[len(page)-1].PID.ID + 1)
		}
		cost := time.Since(start)
		every := history.Every(cost, c.cfg.Interval, history.TableShare)
		c.tableNext = now.Add(every - c.cfg.Interval/2)
		c.cost.TableReadMs, c.cost.TableEveryS = ms(cost), history.Num(every.Seconds())
		c.tableMs += ms(cost)
		p.V[history.MailboxSum] = float64(mailbox)
		count = n
		c.follow(top.Items())
	} else {
		p.Gaps |= history.GapTableSkipped
	}
	if count < 0 && !now.Before(c.countNext) {
		start := time.Now()
		if pids, err := node.ProcessList(); err == nil {
			count = len(pids)
			for _, pid := range pids {
				c.highest = max(c.highest, pid.ID)
			}
		}
		cost := time.Since(start)
		every := history.Every(cost, c.cfg.Interval, history.CountShare)
		c.countNext = now.Add(every - c.cfg.Interval/2)
		c.cost.CountMs, c.cost.CountEveryS = ms(cost), history.Num(every.Seconds())
		c.tableMs += ms(cost)
	}
	if count < 0 {
		return
	}
	p.V[history.Processes] = float64(count)
	// Terminated since the last count, spread over the spans since then
	// so that the point's rate is right when counts were skipped.
	spawned := float64(c.highest - c.countAt)
	ended := max(spawned-float64(count-c.countProcs), 0)
	if since := now.Sub(c.countTime); since > 0 {
		ended *= min(float64(p.Span)/float64(since), 1)
	}
	p.V[history.Terminated] = ended
	c.countProcs, c.countAt, c.countTime = count, c.highest, now
}

// follow replaces the followed set by pids, keeping the counters of those
// already followed.
func (c *collector) follow(pids []gen.PID) {
	next := make([]tracked, 0, len(pids))
	for _, pid := range pids {
		t := tracked{pid: pid, fresh: true}
		for _, old := range c.tracked {
			if old.pid == pid {
				t = old
				break
			}
		}
		next = append(next, t)
	}
	c.tracked = next
}

// followed reads the followed processes, a handful of one-record reads.
func (c *collector) followed(p *history.Point) {
	node := c.Node()
	keep := c.tracked[:0]
	slot := 0
	for _, t := range c.tracked {
		page, err := node.ProcessListShortInfo(int(t.pid.ID), 1)
		if err != nil || len(page) == 0 || page[0].PID != t.pid {
			continue // ended: dropped until a table read offers it again
		}
		r := &page[0]
		if t.id == 0 {
			t.id = c.store.Process(history.ProcessID{PID: t.pid.String(), Name: string(r.Name), Behavior: r.Behavior})
		}
		m := history.Mover{ID: t.id, Mailbox: uint32(min(r.MessagesMailbox, math.MaxUint32-1)), In: history.Untracked, Out: history.Untracked}
		if !t.fresh {
			m.In = uint32(min(r.MessagesIn-min(t.in, r.MessagesIn), math.MaxUint32-1))
			m.Out = uint32(min(r.MessagesOut-min(t.out, r.MessagesOut), math.MaxUint32-1))
		}
		t.in, t.out, t.fresh = r.MessagesIn, r.MessagesOut, false
		if slot < history.MaxMovers {
			p.Movers[slot] = m
			slot++
		}
		keep = append(keep, t)
	}
	c.tracked = keep
}

// spawners puts the point's busiest spawning groups into p.
func (c *collector) spawners(p *history.Point) {
	node := c.Node()
	for i := range p.Spawns {
		var best groupKey
		var bn uint32
		for k, g := range c.groups {
			if g.n > bn {
				best, bn = k, g.n
			}
		}
		if bn == 0 {
			break
		}
		delete(c.groups, best)
		name := ""
		if best.parent.ID != 0 {
			if page, err := node.ProcessListShortInfo(int(best.parent.ID), 1); err == nil && len(page) > 0 && page[0].PID == best.parent {
				name = string(page[0].Name)
			}
		}
		parent := ""
		if best.parent.ID != 0 {
			parent = best.parent.String()
		}
		p.Spawns[i] = history.GroupCount{ID: c.store.Group(history.GroupID{Parent: parent, ParentName: name, Behavior: best.behavior}), N: bn}
	}
	clear(c.groups)
}
