package diagnose

import (
	"cmp"
	"slices"
	"time"

	"github.com/ergomcp/ergomcp/internal/ident"
	"github.com/ergomcp/ergomcp/internal/query"
)

// Bounds of what a Collector keeps, whatever the size of the node.
const (
	// PerMeasure is how many processes are kept per measure a rule reads
	// (mailbox growth, mailbox depth, CPU share, time spent busy).
	PerMeasure = 32
	// MaxWanted bounds the processes kept because another fact names them
	// (event producers and subscribers).
	MaxWanted = 256
	// MaxGroups bounds the distinct (parent, behaviour) pairs counted; later
	// pairs go to one overflow group.
	MaxGroups = 4096
	// MaxBehaviors bounds the distinct behaviours remembered.
	MaxBehaviors = 4096
	// pidsPerBehavior and pidsPerGroup bound the PIDs kept of each.
	pidsPerBehavior = 5
	pidsPerGroup    = MaxEvidence
)

// OverflowGroup is the Parent of the group that collects births and
// deaths once MaxGroups distinct pairs were seen.
const OverflowGroup = "(other parents)"

// measure is one order in which the Collector keeps its candidates.
type measure int

const (
	byGrowth measure = iota
	byMailbox
	byCPU
	byBusy
	byOut
	measures
)

// Collector turns a stream of processes (the second pass over the table)
// into bounded Facts: the top processes by every measure the rules read,
// births and deaths by parent and behaviour, and a few processes of each
// behaviour. Memory is bounded by the constants above, not by the node.
type Collector struct {
	w       time.Duration
	hash    string
	tops    [measures]*query.Top[Proc]
	wanted  map[uint64]bool
	kept    map[uint64]Proc // wanted processes, by ID
	groups  map[groupKey]*Group
	behav   map[string]*Behavior
	overflo *Group
	fams    map[groupKey]*Family
	wantB   map[string]int // behaviours to keep processes of: how many kept so far
}

type groupKey struct {
	parent   uint64
	behavior string
}

// NewCollector starts a collection for a window of length w on the node
// whose PIDs print with nodeHash (ident.NodeHash of its name).
func NewCollector(w time.Duration, nodeHash string) *Collector {
	c := &Collector{w: w, hash: nodeHash, wanted: map[uint64]bool{}, kept: map[uint64]Proc{}, groups: map[groupKey]*Group{}, behav: map[string]*Behavior{},
		fams: map[groupKey]*Family{}, wantB: map[string]int{}}
	plan, err := (&query.ProcessArgs{Limit: PerMeasure}).Plan(query.Caps{})
	if err != nil {
		panic("diagnose: top plan: " + err.Error()) // constant arguments: cannot fail
	}
	for i := range c.tops {
		c.tops[i] = query.NewTop[Proc](plan)
	}
	return c
}

// Want marks a process to keep whatever its measures, up to MaxWanted.
func (c *Collector) Want(id uint64) {
	if len(c.wanted) < MaxWanted {
		c.wanted[id] = true
	}
}

// WantBehavior marks the processes of behavior (the first
// pidsPerBehavior of them) to keep whatever their measures: a log names
// a restarted child by behaviour, not by its current PID.
func (c *Collector) WantBehavior(behavior string) {
	if _, ok := c.wantB[behavior]; !ok && len(c.wantB) < MaxWanted && behavior != "" {
		c.wantB[behavior] = 0
	}
}

// PID prints process number id of the node as ergo does.
func (c *Collector) PID(id uint64) string {
	if id == 0 {
		return ""
	}
	return ident.PID{NodeHash: c.hash, ID: id}.String()
}

// Add offers one process at the window's end. Pass processes in ascending
// ID order, each once. PID and Parent are filled from ID and ParentID
// only for the processes kept, so the table costs no formatting.
func (c *Collector) Add(p Proc) {
	if b := c.behavior(p.Behavior); b != nil {
		b.Count++
		if len(b.PIDs) < pidsPerBehavior {
			b.PIDs = append(b.PIDs, c.PID(p.ID))
		}
	}
	item := func() Proc {
		if p.PID == "" {
			p.PID = c.PID(p.ID)
		}
		if p.Parent == "" {
			p.Parent = c.PID(p.ParentID)
		}
		return p
	}
	if n, ok := c.wantB[p.Behavior]; c.wanted[p.ID] || ok && n < pidsPerBehavior {
		if ok {
			c.wantB[p.Behavior]++
		}
		c.kept[p.ID] = item()
	}
	c.family(&p)
	r := p.Rates(c.w)
	var before Counters
	if p.Before != nil {
		before = *p.Before
	}
	if p.After.Mailbox > before.Mailbox {
		c.tops[byGrowth].OfferKey(p.ID, p.After.Mailbox-before.Mailbox, item)
	}
	if p.After.Mailbox > 0 {
		c.tops[byMailbox].OfferKey(p.ID, p.After.Mailbox, item)
	}
	if r.CPU > 0 {
		c.tops[byCPU].OfferKey(p.ID, query.FloatKey(r.CPU), item)
	}
	if p.whole(StateRunning) || p.whole(StateWaitResponse) {
		c.tops[byBusy].OfferKey(p.ID, p.After.Mailbox+1, item)
	}
	if p.After.MessagesOut > before.MessagesOut {
		c.tops[byOut].OfferKey(p.ID, p.After.MessagesOut-before.MessagesOut, item)
	}
}

// family counts p in its parent's family of its behaviour.
func (c *Collector) family(p *Proc) {
	k := groupKey{p.ParentID, p.Behavior}
	fm, ok := c.fams[k]
	if !ok {
		if len(c.fams) >= MaxGroups {
			return
		}
		parent := p.Parent
		if parent == "" {
			parent = c.PID(p.ParentID)
		}
		fm = &Family{Parent: parent, ParentID: p.ParentID, Behavior: p.Behavior, MinUptime: p.After.Uptime, MaxUptime: p.After.Uptime}
		c.fams[k] = fm
	}
	fm.Count++
	if p.After.MessagesIn == 0 {
		fm.NeverReceived++
	}
	if p.Before == nil {
		fm.BornInWindow++
	}
	fm.MinUptime, fm.MaxUptime = min(fm.MinUptime, p.After.Uptime), max(fm.MaxUptime, p.After.Uptime)
	if p.After.Uptime <= fm.MinUptime {
		// Processes arrive in PID order, oldest first: the last ones are
		// the youngest.
		fm.Youngest = append([]string{c.PID(p.ID)}, fm.Youngest[:min(len(fm.Youngest), pidsPerGroup/2-1)]...)
	}
}

func (c *Collector) behavior(name string) *Behavior {
	if name == "" {
		return nil
	}
	b, ok := c.behav[name]
	if !ok {
		if len(c.behav) >= MaxBehaviors {
			return nil
		}
		b = &Behavior{Behavior: name}
		c.behav[name] = b
	}
	return b
}

// Born records process id, started during the window by parent (0: none
// or another node); alive says whether it still ran at the window's end.
// Pass births in ascending ID order.
func (c *Collector) Born(id, parent uint64, behavior string, alive bool) {
	g := c.group(parent, behavior)
	g.Born++
	if alive {
		// Youngest first: births arrive in PID order, oldest first.
		g.Alive = append([]string{c.PID(id)}, g.Alive[:min(len(g.Alive), pidsPerGroup-1)]...)
	}
}

// Died records process id of parent, which ended during the window.
func (c *Collector) Died(id, parent uint64, behavior string) {
	g := c.group(parent, behavior)
	g.Died++
	if len(g.Gone) < pidsPerGroup {
		g.Gone = append(g.Gone, c.PID(id))
	}
}

func (c *Collector) group(parent uint64, behavior string) *Group {
	k := groupKey{parent, behavior}
	if g, ok := c.groups[k]; ok {
		return g
	}
	if len(c.groups) >= MaxGroups {
		if c.overflo == nil {
			c.overflo = &Group{Parent: OverflowGroup}
		}
		return c.overflo
	}
	g := &Group{Parent: c.PID(parent), Behavior: behavior}
	c.groups[k] = g
	return g
}

// Fill puts what was collected into f: the union of the kept processes in
// ID order, the groups by churn (births plus deaths) and the behaviours
// by count.
func (c *Collector) Fill(f *Facts) {
	byID := map[uint64]Proc{}
	for _, t := range c.tops {
		for _, p := range t.Result() {
			byID[p.ID] = p
		}
	}
	for id, p := range c.kept {
		byID[id] = p
	}
	f.Procs = make([]Proc, 0, len(byID))
	for _, p := range byID {
		f.Procs = append(f.Procs, p)
	}
	slices.SortFunc(f.Procs, func(a, b Proc) int { return cmp.Compare(a.ID, b.ID) })

	f.Groups = make([]Group, 0, len(c.groups)+1)
	for _, g := range c.groups {
		f.Groups = append(f.Groups, *g)
	}
	if c.overflo != nil {
		f.Groups = append(f.Groups, *c.overflo)
	}
	slices.SortFunc(f.Groups, func(a, b Group) int {
		if c := cmp.Compare(b.Born+b.Died, a.Born+a.Died); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Parent, b.Parent); c != 0 {
			return c
		}
		return cmp.Compare(a.Behavior, b.Behavior)
	})

	f.Families = make([]Family, 0, len(c.fams))
	for _, fm := range c.fams {
		f.Families = append(f.Families, *fm)
	}
	slices.SortFunc(f.Families, func(a, b Family) int {
		if c := cmp.Compare(b.Count, a.Count); c != 0 {
			return c
		}
		if c := cmp.Compare(a.ParentID, b.ParentID); c != 0 {
			return c
		}
		return cmp.Compare(a.Behavior, b.Behavior)
	})

	f.Behaviors = make([]Behavior, 0, len(c.behav))
	for _, b := range c.behav {
		f.Behaviors = append(f.Behaviors, *b)
	}
	slices.SortFunc(f.Behaviors, func(a, b Behavior) int {
		if c := cmp.Compare(b.Count, a.Count); c != 0 {
			return c
		}
		return cmp.Compare(a.Behavior, b.Behavior)
	})
}
