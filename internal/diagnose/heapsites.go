package diagnose

import (
	"cmp"
	"fmt"
	"slices"
)

// site is the heap profile's stacks of one allocation site (the first
// frame outside the runtime) and one owning behaviour, summed.
type site struct {
	where                               string
	owner                               *Behavior
	inUse, allocated, allocatedInWindow int64
	objects, heldInWindow               int64
}

func sites(f *Facts) []site {
	by := map[string]*site{}
	var order []string
	for _, hs := range f.Sites {
		s := Stack{Funcs: hs.Funcs}
		var own *Behavior
		for _, fn := range hs.Funcs {
			if own = owner(f, fn); own != nil {
				break
			}
		}
		k := s.where()
		if own != nil {
			k += " / " + own.Behavior
		}
		x, ok := by[k]
		if !ok {
			x = &site{where: s.where(), owner: own}
			by[k] = x
			order = append(order, k)
		}
		x.inUse += hs.InUse
		x.allocated += hs.Allocated
		x.allocatedInWindow += hs.AllocatedInWindow
		x.objects += hs.InUseObjects
		x.heldInWindow += hs.HeldInWindow
	}
	out := make([]site, 0, len(order))
	for _, k := range order {
		out = append(out, *by[k])
	}
	return out
}

func heapRetention(f *Facts) []Finding {
	var hits []site
	for _, s := range sites(f) {
		if s.inUse >= HeapRetainMinBytes && (float64(s.inUse) >= HeapRetainShare*float64(s.allocated) || s.retainsInWindow()) {
			hits = append(hits, s)
		}
	}
	if len(hits) == 0 {
		return nil
	}
	// A behaviour's sites first: they are what a finding can pin on a
	// process; library sites (low) must not crowd them out.
	slices.SortFunc(hits, func(a, b site) int {
		if c := cmp.Compare(boolRank(b.owner != nil), boolRank(a.owner != nil)); c != 0 {
			return c
		}
		return cmp.Compare(b.inUse, a.inUse)
	})
	mib := func(v int64) float64 { return float64(v) / (1 << 20) }
	var out []Finding
	for _, s := range firstN(hits, maxSiteFindings) {
		ev := Evidence{
			Metrics: []Metric{
				metric("InUse", mib(s.inUse), "MiB held (heap profile, as of the last GC)"),
				metric("Allocated", mib(s.allocated), "MiB allocated since start"),
				metric("InUseShare", float64(s.inUse)/float64(max(s.allocated, 1)), "of what it allocated is still held"),
				metric("AllocatedInWindow", mib(s.allocatedInWindow), "MiB"),
				metric("InUseObjects", float64(s.objects), "objects held"),
				metric("HeldInWindow", mib(s.heldInWindow), "MiB more held at the window's end"),
			},
			Sites: []string{fmt.Sprintf("%s: %.1f of %.1f MiB still in use", s.where, mib(s.inUse), mib(s.allocated))},
		}
		// Accumulating, not structures made once: it allocated or came to
		// hold more in the window. Holding many objects it made is not
		// enough: a buffer or ring preallocated at start (ergomcp's own
		// history is one) holds all it allocated and never grows, and was
		// blamed on every healthy node. (The live heap across GCs is the
		// process's and is shown, not required: other memory that is freed
		// can hide one site's growth.)
		grows := s.allocatedInWindow > 0 || s.heldInWindow > 0
		if f.Runtime != nil {
			b, a := f.Runtime.Before, f.Runtime.After
			ev.Metrics = append(ev.Metrics,
				windowed("HeapLiveBytes", mib(int64(a.HeapLiveBytes))-mib(int64(b.HeapLiveBytes)), mib(int64(b.HeapLiveBytes)), mib(int64(a.HeapLiveBytes)), "MiB live after GC"),
				windowed("GCCycles", float64(a.GCCycles-b.GCCycles), float64(b.GCCycles), float64(a.GCCycles), "cycles"))
		}
		sev := Low
		who := "no actor of this node"
		next := []Step{step("pprof_heap", "live bytes by allocation site", "sample", "inuse_space", "limit", 20)}
		if s.owner != nil {
			who = s.owner.Behavior
			if grows {
				sev = Medium
			}
			var toOwner []Step
			ev.Processes, toOwner = ownerEvidence(f, s.owner, "its behaviour's code holds what it allocates", "the process that holds it")
			next = append(next, toOwner...)
		}
		out = append(out, Finding{
			Severity: sev,
			Conclusion: fmt.Sprintf("%s (%s) keeps what it allocates: %.1f of %.1f MiB still in use",
				s.where, who, mib(s.inUse), mib(s.allocated)),
			Evidence:  ev,
			Magnitude: float64(s.inUse) / HeapRetainMinBytes,
			Inferred:  "heap profiles record no pid: the site is tied to processes by their behaviour's method names",
			Next:      append(next, step("pprof_heap", "what allocates most overall", "sample", "alloc_space", "limit", 20)),
		})
	}
	return out
}

// maxSiteFindings bounds heap_retention's findings.
const maxSiteFindings = 5

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

// retainsInWindow: what the site allocated during the window (as the two
// profiles tell it) it still held at the window's end. This horizon is
// the site's own even where the process's history dilutes its lifetime
// share (its earlier processes' memory, freed when they ended).
func (s *site) retainsInWindow() bool {
	return s.allocatedInWindow >= HeapRetainMinBytes && float64(s.heldInWindow) >= HeapRetainShare*float64(s.allocatedInWindow)
}

// ownerEvidence names up to three processes of owner, the behaviour whose
// code a stack or an allocation site is, in role, and the step to the
// first of them (why says what it shows).
func ownerEvidence(f *Facts, owner *Behavior, role, why string) ([]ProcEvidence, []Step) {
	var ps []ProcEvidence
	for _, pid := range firstN(owner.PIDs, 3) {
		ps = append(ps, procOrPID(f, pid, owner.Behavior, role))
	}
	if len(owner.PIDs) == 0 {
		return ps, nil
	}
	return ps, []Step{step("process_info", why, "pid", owner.PIDs[0])}
}
