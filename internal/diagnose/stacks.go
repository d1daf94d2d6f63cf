package diagnose

import (
	"cmp"
	"slices"
	"strings"
)

// Bounds of the stacks a playbook keeps.
const (
	// MaxStacks bounds the stacks kept of one profile.
	MaxStacks = 256
	// MaxFrames bounds the frames kept of one stack, leaf first.
	MaxFrames = 32
)

// SelectGoroutines keeps the goroutine stacks that belong to the
// candidates: by pid label when the profile has labels, otherwise those
// with a frame of one of the behaviours (matched by name, see Rules). At
// most MaxStacks are kept.
func SelectGoroutines(stacks []Stack, labels bool, pids, behaviors []string) []Stack {
	var out []Stack
	for _, s := range stacks {
		if len(out) == MaxStacks {
			break
		}
		keep := false
		if labels {
			keep = s.PID != "" && slices.Contains(pids, s.PID)
		} else {
			keep = slices.ContainsFunc(s.Funcs, func(fn string) bool {
				return slices.ContainsFunc(behaviors, func(b string) bool { return ownsFrame(fn, b) })
			})
		}
		if keep {
			out = append(out, s)
		}
	}
	return out
}

// Largest keeps the n stacks of largest value, largest first.
func Largest(stacks []Stack, n int) []Stack {
	out := slices.Clone(stacks)
	slices.SortStableFunc(out, func(a, b Stack) int { return cmp.Compare(b.Value, a.Value) })
	return out[:min(len(out), n)]
}

// Delta returns, per stack of after, its value minus the same stack's
// value in before (stacks are the same when their frames are): what a
// cumulative profile (alloc_space) gained between two captures. Stacks
// that gained nothing are left out.
func Delta(before, after []Stack) []Stack {
	key := func(s *Stack) string { return strings.Join(s.Funcs, "\n") }
	prev := make(map[string]int64, len(before))
	for i := range before {
		prev[key(&before[i])] += before[i].Value
	}
	sum := map[string]int{} // key → index in out
	var out []Stack
	for _, s := range after {
		k := key(&s)
		if i, ok := sum[k]; ok {
			out[i].Value += s.Value
			continue
		}
		sum[k] = len(out)
		out = append(out, s)
	}
	out = slices.DeleteFunc(out, func(s Stack) bool { return s.Value-prev[key(&s)] <= 0 })
	for i := range out {
		out[i].Value -= prev[key(&out[i])]
	}
	return out
}

// HeapSites joins the heap profile's in-use bytes, in-use objects and
// allocated stacks (all as of the last GC) with what each allocated in
// the window and how much more it held at its end, largest
// in-use first, at most MaxStacks.
func HeapSites(inuse, objects, allocated, inWindow, heldInWindow []Stack) []HeapSite {
	key := func(s *Stack) string { return strings.Join(s.Funcs, "\n") }
	idx := map[string]int{}
	var out []HeapSite
	at := func(s *Stack) *HeapSite {
		k := key(s)
		i, ok := idx[k]
		if !ok {
			i = len(out)
			idx[k] = i
			out = append(out, HeapSite{Funcs: s.Funcs})
		}
		return &out[i]
	}
	for i := range inuse {
		at(&inuse[i]).InUse += inuse[i].Value
	}
	for i := range allocated {
		at(&allocated[i]).Allocated += allocated[i].Value
	}
	for i := range objects {
		if j, ok := idx[key(&objects[i])]; ok {
			out[j].InUseObjects += objects[i].Value
		}
	}
	for i := range inWindow {
		if j, ok := idx[key(&inWindow[i])]; ok {
			out[j].AllocatedInWindow += inWindow[i].Value
		}
	}
	for i := range heldInWindow {
		if j, ok := idx[key(&heldInWindow[i])]; ok {
			out[j].HeldInWindow += heldInWindow[i].Value
		}
	}
	slices.SortStableFunc(out, func(a, b HeapSite) int { return cmp.Compare(b.InUse, a.InUse) })
	return out[:min(len(out), MaxStacks)]
}
