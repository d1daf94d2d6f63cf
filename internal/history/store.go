// Package history keeps the node's recent past inside the node: a point
// every Interval (10 s by default) for the last hour, per-minute points for
// the last day, in rings whose size is fixed when the store is made, so the
// memory never grows with the process count or the node's age. It holds
// the series arithmetic (merging points, downsampling, trends, gaps) and
// the rendering of the node_history answer; the ergo-bound collector that
// reads the node lives in package actors.
package history

import (
	"fmt"
	"math"
	"sync"
	"time"
	"unsafe"

	"github.com/ergomcp/ergomcp/internal/logcount"
)

// Defaults and bounds of Config.
const (
	DefaultInterval   = 10 * time.Second
	DefaultFull       = time.Hour
	DefaultRetention  = 24 * time.Hour
	DefaultCoarseStep = time.Minute
	MinInterval       = 10 * time.Millisecond
	MaxInterval       = time.Minute
	// MaxPoints bounds each ring: with Point's fixed size, two rings of it
	// stay under 2 MiB (see Store.Bytes).
	MaxPoints = 1440
	// minFullPoints keeps enough full-resolution points for a trend.
	minFullPoints = 10
)

// Config sizes a store. Zero fields take the defaults.
type Config struct {
	// Interval between two points. Default 10 s, 10 ms..1 min.
	Interval time.Duration
	// Full is how long points are kept at full resolution. Default 1 h, or
	// MaxPoints intervals when the interval is shorter than 2.5 s; at
	// least 10 intervals, at most MaxPoints.
	Full time.Duration
	// CoarseStep is the resolution of older points. Default 1 min (or two
	// intervals when longer); at least two intervals.
	CoarseStep time.Duration
	// Retention is how far back the coarse points go. Default 24 h, or
	// MaxPoints coarse steps when shorter; at most MaxPoints coarse steps.
	Retention time.Duration
}

// Normalize fills the defaults and checks the bounds; the error names the
// Options field (the public name of each bound).
func (c Config) Normalize() (Config, error) {
	if c.Interval == 0 {
		c.Interval = DefaultInterval
	}
	if c.Interval < MinInterval || c.Interval > MaxInterval {
		return c, fmt.Errorf("ergomcp: Options.HistoryInterval %s out of range %s..%s", c.Interval, MinInterval, MaxInterval)
	}
	if c.Full == 0 {
		c.Full = min(DefaultFull, MaxPoints*c.Interval)
	}
	if n := c.Full / c.Interval; n < minFullPoints || n > MaxPoints {
		return c, fmt.Errorf("ergomcp: Options.HistoryFull %s holds %d points of HistoryInterval %s: want %d..%d",
			c.Full, n, c.Interval, minFullPoints, MaxPoints)
	}
	if c.CoarseStep == 0 {
		c.CoarseStep = max(DefaultCoarseStep, 2*c.Interval)
	}
	if c.CoarseStep < 2*c.Interval {
		return c, fmt.Errorf("ergomcp: Options.HistoryCoarseStep %s must be at least two HistoryInterval (%s)", c.CoarseStep, 2*c.Interval)
	}
	if c.Retention == 0 {
		c.Retention = min(DefaultRetention, MaxPoints*c.CoarseStep)
	}
	if n := c.Retention / c.CoarseStep; n < 1 || n > MaxPoints {
		return c, fmt.Errorf("ergomcp: Options.HistoryRetention %s holds %d points of HistoryCoarseStep %s: want 1..%d",
			c.Retention, n, c.CoarseStep, MaxPoints)
	}
	return c, nil
}

// Series indexes Point.V.
type Series int

// The node-level series. Counts are events within the point's span (the
// report shows them per second); gauges are readings at the point.
const (
	Processes  Series = iota // gauge: live processes (table count)
	Spawned                  // count: highest PID seen minus the previous one
	Terminated               // count: spawned minus the change in processes
	MailboxSum               // gauge: messages queued over all processes (table read)
	Goroutines               // gauge
	HeapLive                 // gauge: bytes marked live by the last GC
	GCCycles                 // count
	GCCPU                    // share: GC CPU / total CPU within the span, 0..1
	SchedP99                 // latency: p99 scheduler latency within the span, seconds
	LogTrace                 // count: log messages of each level
	LogDebug
	LogInfo
	LogWarning
	LogError
	LogPanic
	NumSeries
)

// LogLevels are the log series in level order, for the collector.
var LogLevels = [6]Series{LogTrace, LogDebug, LogInfo, LogWarning, LogError, LogPanic}

// Kind says how a series merges and how it is shown.
type Kind uint8

const (
	Gauge   Kind = iota // merged by mean; shown as is
	Count               // merged by sum; shown per second
	Share               // merged weighted by span; shown in percent
	Latency             // merged by max; shown in milliseconds
)

// Desc describes a series.
type Desc struct {
	Name string
	Kind Kind
	Unit string
	// Scale turns the stored value into the shown unit.
	Scale float64
	// Floor is the smallest change over a window, in the shown unit, that
	// counts as a trend: below it a series is flat whatever its slope.
	Floor float64
	// Table marks series read from the process table, which the collector
	// reads less often as the table grows.
	Table bool
}

// Descs describes every series, indexed by Series.
var Descs = [NumSeries]Desc{
	Processes:  {Name: "processes", Kind: Gauge, Unit: "count", Scale: 1, Floor: 3, Table: true},
	Spawned:    {Name: "spawned", Kind: Count, Unit: "per_s", Scale: 1, Floor: 0.05},
	Terminated: {Name: "terminated", Kind: Count, Unit: "per_s", Scale: 1, Floor: 0.05, Table: true},
	MailboxSum: {Name: "mailbox_total", Kind: Gauge, Unit: "messages", Scale: 1, Floor: 20, Table: true},
	Goroutines: {Name: "goroutines", Kind: Gauge, Unit: "count", Scale: 1, Floor: 10},
	HeapLive:   {Name: "heap_live", Kind: Gauge, Unit: "MiB", Scale: 1.0 / (1 << 20), Floor: 2},
	GCCycles:   {Name: "gc_cycles", Kind: Count, Unit: "per_s", Scale: 1, Floor: 0.05},
	GCCPU:      {Name: "gc_cpu", Kind: Share, Unit: "percent", Scale: 100, Floor: 1},
	SchedP99:   {Name: "sched_latency_p99", Kind: Latency, Unit: "ms", Scale: 1000, Floor: 1},
	LogTrace:   {Name: "log_trace", Kind: Count, Unit: "per_s", Scale: 1, Floor: 0.1},
	LogDebug:   {Name: "log_debug", Kind: Count, Unit: "per_s", Scale: 1, Floor: 0.1},
	LogInfo:    {Name: "log_info", Kind: Count, Unit: "per_s", Scale: 1, Floor: 0.1},
	LogWarning: {Name: "log_warning", Kind: Count, Unit: "per_s", Scale: 1, Floor: 0.05},
	LogError:   {Name: "log_error", Kind: Count, Unit: "per_s", Scale: 1, Floor: 0.05},
	LogPanic:   {Name: "log_panic", Kind: Count, Unit: "per_s", Scale: 1, Floor: 0.01},
}

// SeriesByName finds a series.
func SeriesByName(name string) (Series, bool) {
	for i, d := range Descs {
		if d.Name == name {
			return Series(i), true
		}
	}
	return 0, false
}

// Bounds of the per-process parts of a point. They, not the process count,
// decide the memory.
const (
	MaxMovers  = 8                    // processes followed per point
	MaxGroups  = 8                    // spawning parent+behaviour groups per point
	MaxSources = logcount.SourceSlots // log source slots; the last is "other"
)

// Mover is one followed process in a point: its mailbox at the point and
// the messages it took in and sent within the span (Untracked when it was
// not followed in the span before). ID is 0 for an empty slot; see
// Store.Process.
type Mover struct {
	ID               uint32
	Mailbox, In, Out uint32
}

// Untracked marks Mover.In and Out of a process first followed at this
// point: its traffic before is unknown.
const Untracked = ^uint32(0)

// GroupCount is how many new processes of one parent+behaviour group were
// seen alive within the span. ID is 0 for an empty slot; see Store.Group.
type GroupCount struct {
	ID, N uint32
}

// Gap marks what makes a point not follow on from the one before it.
type Gap uint8

const (
	// GapRestart: the collector (re)started; counts of the first point
	// after it have no baseline.
	GapRestart Gap = 1 << iota
	// GapClock: the wall clock moved by more than a second against the
	// monotonic clock; times before it are shifted.
	GapClock
	// GapLate: the point came late (the node was too busy to run the
	// collector on time); points are missing before it.
	GapLate
	// GapTableSkipped: the process table was not read for this point (its
	// read costs too much to repeat at every point); table series are
	// older or null.
	GapTableSkipped
)

var gapNames = []struct {
	g    Gap
	name string
}{{GapRestart, "restarted"}, {GapClock, "clock_jump"}, {GapLate, "late"}, {GapTableSkipped, "table_skipped"}}

// Point is the node over one span. Values are NaN where not measured.
// Its size is fixed: no slice, no map, no string.
type Point struct {
	// At is the end of the span, wall clock, unix nanoseconds.
	At int64
	// Span is the span's length by the monotonic clock, nanoseconds; 0
	// when there was no point before it to measure from.
	Span   int64
	Gaps   Gap
	V      [NumSeries]float64
	Src    [MaxSources]uint32
	Movers [MaxMovers]Mover
	Spawns [MaxGroups]GroupCount
}

// Blank returns a point with every value unmeasured.
func Blank() Point {
	var p Point
	for i := range p.V {
		p.V[i] = math.NaN()
	}
	return p
}

// ring is a fixed-capacity ring of points, oldest first.
type ring struct {
	buf        []Point
	head, size int
}

func newRing(n int) ring { return ring{buf: make([]Point, n)} }

func (r *ring) push(p Point) {
	r.buf[(r.head+r.size)%len(r.buf)] = p
	if r.size < len(r.buf) {
		r.size++
	} else {
		r.head = (r.head + 1) % len(r.buf)
	}
}

func (r *ring) at(i int) *Point { return &r.buf[(r.head+i)%len(r.buf)] }

// GapEvent is a gap with its reason, kept for the answer.
type GapEvent struct {
	At     time.Time
	Kind   string
	Detail string
}

// maxGapEvents bounds the remembered gap events (oldest dropped).
const maxGapEvents = 64

// Store is one node's history. Safe for concurrent use: the collector
// writes, tools read.
type Store struct {
	cfg Config
	// Logs is the node's log counter: its totals are the log series, its
	// slot names the sources of Src.
	Logs *logcount.Counter

	mu      sync.Mutex
	full    ring
	coarse  ring
	pending Point // the coarse point being filled
	filled  bool  // pending holds at least one point
	gaps    []GapEvent
	procs   idTable[ProcessID]
	groups  idTable[GroupID]
	started time.Time // first point ever
	points  uint64    // points added
	marks   Gap       // gaps waiting for the next point

	cost    Cost // the collector's measure of itself
	base    Baseline
	highest uint64 // highest process ID seen
}

// ProcessID names a followed process.
type ProcessID struct{ PID, Name, Behavior string }

// GroupID names a spawning group.
type GroupID struct{ Parent, ParentName, Behavior string }

// New makes a store whose log series logs counts; cfg must be normalized.
func New(cfg Config, logs *logcount.Counter) *Store {
	return &Store{
		cfg:    cfg,
		Logs:   logs,
		procs:  newIDTable[ProcessID](idSlots),
		groups: newIDTable[GroupID](idSlots),
	}
}

// Config is the store's configuration.
func (s *Store) Config() Config { return s.cfg }

// Bytes is the store's memory while it collects: fixed by its
// configuration, whatever the node does.
func (s *Store) Bytes() int {
	pt := int(unsafe.Sizeof(Point{}))
	full, coarse := int(s.cfg.Full/s.cfg.Interval), int(s.cfg.Retention/s.cfg.CoarseStep)
	ids := idSlots * (int(unsafe.Sizeof(idEntry[ProcessID]{})) + int(unsafe.Sizeof(idEntry[GroupID]{})) + 3*48) // strings: names are short
	return (full+coarse+1)*pt + ids + maxGapEvents*int(unsafe.Sizeof(GapEvent{})+48) +
		MaxSources*(int(unsafe.Sizeof(""))+48)
}

// Mark records a gap: it is flagged on the next point and listed with its
// detail.
func (s *Store) Mark(at time.Time, g Gap, detail string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.marks |= g
	if len(s.gaps) == maxGapEvents {
		copy(s.gaps, s.gaps[1:])
		s.gaps = s.gaps[:maxGapEvents-1]
	}
	s.gaps = append(s.gaps, GapEvent{At: at, Kind: g.String(), Detail: detail})
}

// Add appends a point, folding it into the coarse ring as its step fills.
func (s *Store) Add(p Point) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.full.buf == nil { // allocated with the first point, dropped by Release
		s.full = newRing(int(s.cfg.Full / s.cfg.Interval))
		s.coarse = newRing(int(s.cfg.Retention / s.cfg.CoarseStep))
	}
	p.Gaps |= s.marks
	s.marks = 0
	if s.points == 0 {
		s.started = time.Unix(0, p.At)
	}
	s.points++
	s.full.push(p)
	if !s.filled {
		s.pending, s.filled = p, true
	} else {
		s.pending = Merge(s.pending, p)
	}
	// A coarse point closes when the wall clock crosses a step boundary,
	// so coarse points line up on round minutes.
	step := s.cfg.CoarseStep.Nanoseconds()
	if next := p.At + s.cfg.Interval.Nanoseconds(); next/step != p.At/step {
		s.coarse.push(s.pending)
		s.filled = false
	}
}

// Release forgets the history and frees its rings: ergomcp stopped (its
// configuration, which holds the store, may outlive it, e.g. in a stopped
// node someone still references). A collector started afterwards begins a
// new history.
func (s *Store) Release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.full, s.coarse, s.pending, s.filled = ring{}, ring{}, Point{}, false
	s.gaps, s.started, s.points, s.marks = nil, time.Time{}, 0, 0
	s.procs, s.groups = newIDTable[ProcessID](idSlots), newIDTable[GroupID](idSlots)
	s.cost, s.base, s.highest = Cost{}, Baseline{}, 0
}

// Process registers a followed process and returns its ID for Mover.ID.
func (s *Store) Process(id ProcessID) uint32 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.procs.id(id)
}

// Group registers a spawning group and returns its ID for GroupCount.ID.
func (s *Store) Group(id GroupID) uint32 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.groups.id(id)
}

// Started is the time of the first point, zero before it.
func (s *Store) Started() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.started
}

// Cost is what the collector last measured of itself.
func (s *Store) Cost() Cost {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cost
}

// Last returns the newest point.
func (s *Store) Last() (Point, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.full.size == 0 {
		return Point{}, false
	}
	return *s.full.at(s.full.size - 1), true
}

// Merge folds b, which follows a, into one point covering both spans: the
// rule that downsampling and bucketing share.
func Merge(a, b Point) Point {
	out := b
	out.Span = a.Span + b.Span
	out.Gaps = a.Gaps | b.Gaps
	for i := range out.V {
		x, y := a.V[i], b.V[i]
		switch {
		case math.IsNaN(x):
			continue
		case math.IsNaN(y):
			out.V[i] = x
			continue
		}
		switch Descs[i].Kind {
		case Gauge:
			// Weighted by span so that a merge of merges is the mean of
			// the readings it covers; a first point (span 0) weighs one
			// interval's worth through the fallback.
			wa, wb := weight(a.Span), weight(b.Span)
			out.V[i] = (x*wa + y*wb) / (wa + wb)
		case Count:
			out.V[i] = x + y
		case Share:
			wa, wb := weight(a.Span), weight(b.Span)
			out.V[i] = (x*wa + y*wb) / (wa + wb)
		case Latency:
			out.V[i] = max(x, y)
		}
	}
	for i := range out.Src {
		out.Src[i] = a.Src[i] + b.Src[i]
	}
	out.Movers = mergeMovers(a.Movers, b.Movers)
	out.Spawns = mergeGroups(a.Spawns, b.Spawns)
	return out
}

func weight(span int64) float64 {
	if span <= 0 {
		return 1
	}
	return float64(span)
}

// mergeMovers keeps the newest mailbox and adds up traffic of the same
// process; a process present in only a keeps its slot where b has room.
func mergeMovers(a, b [MaxMovers]Mover) [MaxMovers]Mover {
	out := b
	for _, m := range a {
		if m.ID == 0 {
			continue
		}
		placed := false
		for j := range out {
			if out[j].ID == m.ID {
				switch {
				case m.In == Untracked:
				case out[j].In == Untracked:
					out[j].In, out[j].Out = m.In, m.Out
				default:
					out[j].In += m.In
					out[j].Out += m.Out
				}
				placed = true
				break
			}
		}
		if placed {
			continue
		}
		for j := range out {
			if out[j].ID == 0 {
				out[j] = m
				break
			}
		}
	}
	return out
}

// mergeGroups adds up the counts of the same group; the largest counts
// win the slots.
func mergeGroups(a, b [MaxGroups]GroupCount) [MaxGroups]GroupCount {
	var all [2 * MaxGroups]GroupCount
	n := copy(all[:], b[:])
	for _, g := range a {
		if g.ID == 0 {
			continue
		}
		found := false
		for j := 0; j < n; j++ {
			if all[j].ID == g.ID {
				all[j].N += g.N
				found = true
				break
			}
		}
		if !found {
			all[n] = g
			n++
		}
	}
	// Selection of the largest MaxGroups counts, stable in order.
	var out [MaxGroups]GroupCount
	for k := range out {
		best := -1
		for j := 0; j < n; j++ {
			if all[j].ID != 0 && (best < 0 || all[j].N > all[best].N) {
				best = j
			}
		}
		if best < 0 {
			break
		}
		out[k] = all[best]
		all[best].ID = 0
	}
	return out
}

func (g Gap) String() string {
	s := ""
	for _, n := range gapNames {
		if g&n.g != 0 {
			if s != "" {
				s += ","
			}
			s += n.name
		}
	}
	return s
}

// idSlots bounds the names remembered for followed processes and groups.
const idSlots = 64

// idEntry is a slot of an idTable; gen tells a reused slot from its
// earlier occupant, so an old point never takes a new name.
type idEntry[K comparable] struct {
	key K
	gen uint32
}

// idTable gives small stable IDs to keys, in a fixed number of slots
// reused oldest first. An ID is slot+1 | gen<<8.
type idTable[K comparable] struct {
	slots []idEntry[K]
	next  int
}

func newIDTable[K comparable](n int) idTable[K] { return idTable[K]{slots: make([]idEntry[K], n)} }

func (t *idTable[K]) id(k K) uint32 {
	for i := range t.slots {
		if t.slots[i].gen != 0 && t.slots[i].key == k {
			return uint32(i+1) | t.slots[i].gen<<8
		}
	}
	i := t.next
	t.next = (t.next + 1) % len(t.slots)
	t.slots[i].key = k
	t.slots[i].gen = (t.slots[i].gen + 1) & 0xFFFFFF
	if t.slots[i].gen == 0 {
		t.slots[i].gen = 1
	}
	return uint32(i+1) | t.slots[i].gen<<8
}

func (t *idTable[K]) lookup(id uint32) (K, bool) {
	var zero K
	slot := int(id&0xFF) - 1
	if slot < 0 || slot >= len(t.slots) || t.slots[slot].gen != id>>8 {
		return zero, false
	}
	return t.slots[slot].key, true
}

// Baseline is the table when the history began, for totals since then.
type Baseline struct {
	At         time.Time
	HighestPID uint64
	Processes  int
}

// SetBaseline records the baseline once; later calls change nothing (a
// restarted collector keeps the first one).
func (s *Store) SetBaseline(b Baseline) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.base.At.IsZero() {
		s.base = b
	}
}

// Baseline returns the baseline; zero At before the collector's first read.
func (s *Store) Baseline() Baseline {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.base
}

// SeeHighest records the highest process ID seen and returns the highest
// so far.
func (s *Store) SeeHighest(id uint64) uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.highest = max(s.highest, id)
	return s.highest
}
