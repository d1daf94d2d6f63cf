package history

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// Bounds of a report.
const (
	DefaultMinutes   = 15
	MaxMinutes       = 24 * 60
	DefaultMaxPoints = 60
	MaxMaxPoints     = 1440
	// topSources, topGroups bound the lists of a report.
	topSources = 8
	topGroups  = 8
)

// Query selects a report.
type Query struct {
	// Window is how far back from Now the report goes.
	Window time.Duration
	// MaxPoints bounds each series' values: points are merged into
	// buckets of equal step to fit.
	MaxPoints int
	// Series, when not empty, limits the node-level series.
	Series []Series
	Now    time.Time
}

// Report is node_history's answer. Values[i] of every series covers
// [From + i·StepS, From + (i+1)·StepS); null where nothing was measured.
type Report struct {
	Now time.Time
	// HistoryStart is the first point this ergomcp recorded (when it
	// started, or the oldest point still retained).
	HistoryStart time.Time
	From         time.Time
	StepS        Num
	IntervalS    Num
	Buckets      int
	// Cost is the collector's measure of itself: each read's time and
	// cadence (TableEveryS: how often the whole process table is read, a
	// cadence that stretches as the table grows) and ShareOfCore, their
	// steady-state share of one core.
	Cost       Cost
	Series     []SeriesReport
	Gaps       []GapReport    `json:",omitempty"`
	LogSources []SourceReport `json:",omitempty"`
	Movers     []MoverReport  `json:",omitempty"`
	Spawners   []GroupReport  `json:",omitempty"`
	Notes      []string       `json:",omitempty"`
}

// SeriesReport is one series of a report.
type SeriesReport struct {
	Name  string
	Unit  string
	Trend string
	// Dir, PerSec, PerHour, Since: the trend in fields.
	Dir     string
	PerSec  Num
	PerHour Num
	Since   time.Time `json:",omitzero"`
	Last    Num
	// AgeS is how old the newest reading is; EveryS how often it was read
	// within the window.
	AgeS   Num
	EveryS Num
	Values []Num
}

// GapReport is a gap within the window.
type GapReport struct {
	At     time.Time
	Kind   string
	Detail string `json:",omitempty"`
}

// SourceReport is a log source's messages within the window.
type SourceReport struct {
	Source string
	Count  uint64
	PerS   Num
}

// MoverReport is a followed process: its mailbox and traffic over the
// window (no values per bucket, to keep an hour compact: process_top and
// sample_start follow one process closely).
type MoverReport struct {
	PID, Name, Behavior string
	MailboxLast         Num
	MailboxMax          Num
	MailboxTrend        string
	InPerS, OutPerS     Num
}

// GroupReport is a parent+behaviour group that spawned processes seen
// alive within the window: a restart loop shows as a steady group while
// processes stay flat, a leak as one while they climb.
type GroupReport struct {
	Parent, ParentName, Behavior string
	Seen                         uint64
	PerMin                       Num
}

// SetCost records what the collector measured of itself.
func (s *Store) SetCost(c Cost) {
	c.Share()
	s.mu.Lock()
	s.cost = c
	s.mu.Unlock()
}

// window copies the points after from: full resolution where retained,
// coarse points before that (coarse reports whether any was taken).
func (s *Store) window(from int64) (out []Point, coarse bool) {
	oldestFull := int64(math.MaxInt64)
	if s.full.size > 0 {
		oldestFull = s.full.at(0).At
	}
	if from < oldestFull {
		for i := 0; i < s.coarse.size; i++ {
			if p := s.coarse.at(i); p.At > from && p.At < oldestFull {
				out = append(out, *p)
				coarse = true
			}
		}
	}
	for i := 0; i < s.full.size; i++ {
		if p := s.full.at(i); p.At > from {
			out = append(out, *p)
		}
	}
	return out, coarse
}

// Report answers q.
func (s *Store) Report(q Query) Report {
	s.mu.Lock()
	from := q.Now.Add(-q.Window)
	pts, coarse := s.window(from.UnixNano())
	gaps := slices.Clone(s.gaps)
	started, cost := s.started, s.cost
	procs, groups := s.procs, s.groups
	procs.slots, groups.slots = slices.Clone(procs.slots), slices.Clone(groups.slots)
	s.mu.Unlock()

	interval := s.cfg.Interval
	step := interval
	if coarse {
		step = s.cfg.CoarseStep // the window starts in the coarse ring
	}
	maxPts := max(q.MaxPoints, 1)
	if need := time.Duration(math.Ceil(float64(q.Window) / float64(maxPts))); need > step {
		step = time.Duration(math.Ceil(float64(need)/float64(step))) * step
	}
	// Buckets end at Now, so the newest holds the newest point.
	n := max(int(math.Ceil(float64(q.Window)/float64(step))), 1)
	from = q.Now.Add(-time.Duration(n) * step)

	buckets := make([]Point, n)
	have := make([]bool, n)
	for _, p := range pts {
		i := int((p.At - from.UnixNano()) / step.Nanoseconds())
		if i < 0 || i >= n {
			continue
		}
		if have[i] {
			buckets[i] = Merge(buckets[i], p)
		} else {
			buckets[i], have[i] = p, true
		}
	}

	r := Report{Now: q.Now.UTC(), HistoryStart: started.UTC(), From: from.UTC(), StepS: Num(step.Seconds()),
		IntervalS: Num(interval.Seconds()), Buckets: n, Cost: cost}
	series := q.Series
	if len(series) == 0 {
		for i := range Descs {
			series = append(series, Series(i))
		}
	}
	ts := make([]float64, len(pts))
	for i, p := range pts {
		ts[i] = float64(p.At) / 1e9
	}
	for _, sr := range series {
		r.Series = append(r.Series, seriesReport(sr, pts, ts, buckets, have, q.Now))
	}
	for _, g := range gaps {
		if !g.At.Before(from) {
			r.Gaps = append(r.Gaps, GapReport{At: g.At.UTC(), Kind: g.Kind, Detail: g.Detail})
		}
	}
	missing := 0
	for i := range have {
		if !have[i] && !from.Add(time.Duration(i+1)*step).Before(started) {
			missing++
		}
	}
	if missing > 1 { // the newest bucket may simply not have its point yet
		r.Notes = append(r.Notes, fmt.Sprintf("%d of %d buckets have no point (null values): the collector did not run then", missing, n))
	}
	if every := seconds(cost.TableEveryS); every > step {
		r.Notes = append(r.Notes, fmt.Sprintf("the process table is read every %s to keep its cost bounded: mailbox_total and the movers are null in buckets without a read (see EveryS, AgeS)", every.Round(time.Second)))
	}
	// Processes are counted by the table read or, between two, by a
	// cheaper walk of the PID map: the fresher of the two.
	counted := seconds(cost.TableEveryS)
	if c := seconds(cost.CountEveryS); c > 0 && c < counted {
		counted = c
	}
	if counted > step {
		r.Notes = append(r.Notes, fmt.Sprintf("processes are counted every %s at this table size: processes and terminated are null in buckets without a count", counted.Round(time.Second)))
	}
	if started.IsZero() {
		r.Notes = append(r.Notes, "no point recorded yet: the first comes one interval after ergomcp starts")
	} else if started.After(from) {
		r.Notes = append(r.Notes, "history starts at "+started.UTC().Format(time.RFC3339)+" (ergomcp started, or the oldest point retained): values before it are null")
	}
	r.LogSources = s.sources(pts)
	r.Movers = movers(pts, &procs)
	r.Spawners = spawners(pts, &groups)
	return r
}

func seriesReport(sr Series, pts []Point, ts []float64, buckets []Point, have []bool, now time.Time) SeriesReport {
	d := Descs[sr]
	out := SeriesReport{Name: d.Name, Unit: d.Unit, Values: make([]Num, len(buckets))}
	for i := range buckets {
		out.Values[i] = Num(math.NaN())
		if have[i] {
			out.Values[i] = Num(Shown(buckets[i], sr))
		}
	}
	ys := make([]float64, len(pts))
	var newest int64
	readings := 0
	for i, p := range pts {
		ys[i] = Shown(p, sr)
		if !math.IsNaN(ys[i]) {
			newest = p.At
			readings++
		}
	}
	tr := Fit(ts, ys, d.Floor)
	out.Trend = tr.Line(d.Unit)
	out.Dir, out.PerSec, out.PerHour, out.Since = tr.Dir, Num(tr.PerSec), Num(tr.PerHour), tr.Since
	out.Last, out.AgeS, out.EveryS = Num(math.NaN()), Num(math.NaN()), Num(math.NaN())
	if readings > 0 {
		out.Last = Num(tr.Last)
		out.AgeS = Num(math.Round(now.Sub(time.Unix(0, newest)).Seconds()*10) / 10)
		span := float64(pts[len(pts)-1].At-pts[0].At) / 1e9
		if readings > 1 {
			out.EveryS = Num(math.Round(span/float64(readings-1)*10) / 10)
		}
	}
	return out
}

// Shown is series sr of p in its shown unit: counts per second, shares in
// percent, latencies in milliseconds. NaN when not measured.
func Shown(p Point, sr Series) float64 {
	d := Descs[sr]
	v := p.V[sr]
	if math.IsNaN(v) {
		return v
	}
	if d.Kind == Count {
		if p.Span <= 0 {
			return math.NaN()
		}
		v /= float64(p.Span) / 1e9
	}
	return v * d.Scale
}

func (s *Store) sources(pts []Point) []SourceReport {
	var sum [MaxSources]uint64
	var span int64
	for _, p := range pts {
		for i, c := range p.Src {
			sum[i] += uint64(c)
		}
		span += p.Span
	}
	var out []SourceReport
	for i, c := range sum {
		if c > 0 {
			out = append(out, SourceReport{Source: s.Logs.Source(i), Count: c, PerS: perSecond(float64(c), span)})
		}
	}
	slices.SortStableFunc(out, func(a, b SourceReport) int { return cmp.Compare(b.Count, a.Count) })
	return out[:min(len(out), topSources)]
}

func perSecond(c float64, span int64) Num {
	if span <= 0 {
		return Num(math.NaN())
	}
	return Num(c / (float64(span) / 1e9))
}

func movers(pts []Point, procs *idTable[ProcessID]) []MoverReport {
	type acc struct {
		id          uint32
		in, out     uint64
		span        int64
		last, maxMB float64
		ts, ys      []float64
	}
	var all []*acc
	find := func(id uint32) *acc {
		for _, a := range all {
			if a.id == id {
				return a
			}
		}
		a := &acc{id: id}
		all = append(all, a)
		return a
	}
	for _, p := range pts {
		for _, m := range p.Movers {
			if m.ID == 0 {
				continue
			}
			a := find(m.ID)
			if m.In != Untracked {
				a.in += uint64(m.In)
				a.out += uint64(m.Out)
				a.span += p.Span
			}
			a.last = float64(m.Mailbox)
			a.maxMB = max(a.maxMB, a.last)
			a.ts, a.ys = append(a.ts, float64(p.At)/1e9), append(a.ys, a.last)
		}
	}
	// Busiest first: the mailbox's peak, then traffic.
	slices.SortStableFunc(all, func(a, b *acc) int {
		if c := cmp.Compare(b.maxMB, a.maxMB); c != 0 {
			return c
		}
		return cmp.Compare(b.in+b.out, a.in+a.out)
	})
	var out []MoverReport
	for _, a := range all[:min(len(all), MaxMovers)] {
		id, ok := procs.lookup(a.id)
		if !ok {
			continue // its name slot was reused; rare, and better left out than mislabeled
		}
		out = append(out, MoverReport{PID: id.PID, Name: id.Name, Behavior: id.Behavior,
			MailboxLast: Num(a.last), MailboxMax: Num(a.maxMB),
			MailboxTrend: Fit(a.ts, a.ys, Descs[MailboxSum].Floor).Line("messages"),
			InPerS:       perSecond(float64(a.in), a.span), OutPerS: perSecond(float64(a.out), a.span)})
	}
	return out
}

func spawners(pts []Point, groups *idTable[GroupID]) []GroupReport {
	type acc struct {
		id   uint32
		seen uint64
	}
	var all []acc
	var span int64
	for _, p := range pts {
		span += p.Span
		for _, g := range p.Spawns {
			if g.ID == 0 {
				continue
			}
			i := slices.IndexFunc(all, func(a acc) bool { return a.id == g.ID })
			if i < 0 {
				all = append(all, acc{id: g.ID})
				i = len(all) - 1
			}
			all[i].seen += uint64(g.N)
		}
	}
	slices.SortStableFunc(all, func(a, b acc) int { return cmp.Compare(b.seen, a.seen) })
	var out []GroupReport
	for _, a := range all[:min(len(all), topGroups)] {
		if a.seen < 2 {
			break // one new process is a start, not a pattern
		}
		id, ok := groups.lookup(a.id)
		if !ok {
			continue
		}
		out = append(out, GroupReport{Parent: id.Parent, ParentName: id.ParentName, Behavior: id.Behavior,
			Seen: a.seen, PerMin: Num(float64(perSecond(float64(a.seen), span)) * 60)})
	}
	return out
}

// ParseQuery checks node_history's arguments and fills their defaults:
// minutes 1..MaxMinutes (default 15), points 1..MaxMaxPoints (default
// 90), series names among Descs (default all).
func ParseQuery(minutes, points int, series []string, now time.Time) (Query, error) {
	q := Query{Now: now}
	switch {
	case minutes == 0:
		minutes = DefaultMinutes
	case minutes < 1 || minutes > MaxMinutes:
		return q, fmt.Errorf("minutes %d out of range 1..%d (default %d)", minutes, MaxMinutes, DefaultMinutes)
	}
	switch {
	case points == 0:
		points = DefaultMaxPoints
	case points < 1 || points > MaxMaxPoints:
		return q, fmt.Errorf("points %d out of range 1..%d (default %d)", points, MaxMaxPoints, DefaultMaxPoints)
	}
	for _, name := range series {
		s, ok := SeriesByName(name)
		if !ok {
			return q, fmt.Errorf("unknown series %q: valid are %s", name, strings.Join(SeriesNames(), ", "))
		}
		if !slices.Contains(q.Series, s) {
			q.Series = append(q.Series, s)
		}
	}
	q.Window, q.MaxPoints = time.Duration(minutes)*time.Minute, points
	return q, nil
}

// SeriesNames lists the series in order.
func SeriesNames() []string {
	out := make([]string, len(Descs))
	for i, d := range Descs {
		out[i] = d.Name
	}
	return out
}

// MarshalJSON writes r with encoding/json, which honours the omitempty
// and omitzero tags (the project's record encoder writes every field).
func (r Report) MarshalJSON() ([]byte, error) {
	type plain Report
	return json.Marshal(plain(r))
}

func seconds(n Num) time.Duration { return time.Duration(float64(n) * float64(time.Second)) }
