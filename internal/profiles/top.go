package profiles

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/google/pprof/profile"

	"github.com/ergomcp/ergomcp/internal/catalog"
)

// TopLimitRule bounds pprof_cpu's and pprof_heap's limit, declared once
// (their tags take it with arg:"rule=profile_limit").
var TopLimitRule = catalog.DeclareRule("profile_limit", "min=1,max=500,default=20")

// The vocabulary accepted by TopQuery.
const (
	groupByFunction = "function"
	groupByPID      = "pid"

	// noPIDLabel names the bucket of samples from goroutines that run
	// outside any actor (runtime, network pollers, the MCP server itself).
	noPIDLabel = "(no pid label)"
)

// heapSamples maps the Sample names TopQuery accepts to the value type the
// Go heap profile declares for them; the first is the default.
var heapSamples = []profile.ValueType{
	{Type: "inuse_space", Unit: "bytes"},
	{Type: "alloc_space", Unit: "bytes"},
	{Type: "inuse_objects", Unit: "count"},
	{Type: "alloc_objects", Unit: "count"},
}

// TopQuery selects and shapes the entries reported by TopCPU and TopHeap.
type TopQuery struct {
	Limit   int    // max entries; TopLimitRule
	Filter  string // keep entries whose name contains this (substring, case-sensitive)
	Exclude string // drop entries whose name contains this
	GroupBy string // "function" (default) or "pid" (the pid label; cpu only)
	Sample  string // heap: inuse_space (default), alloc_space, inuse_objects, alloc_objects; ignored for cpu
}

// Validate fills in defaults for zero fields and rejects values the tool
// cannot honour. kind is "cpu" or "heap"; grouping by pid is refused for
// heap because Go heap profiles do not record pprof labels, so it could
// only ever show one "(no pid label)" entry.
func (q *TopQuery) Validate(kind string) error {
	if kind != "cpu" && kind != "heap" {
		return fmt.Errorf("profile kind must be cpu or heap, got %q", kind)
	}
	if err := checkLimit(&q.Limit, TopLimitRule); err != nil {
		return err
	}
	switch q.GroupBy {
	case "":
		q.GroupBy = groupByFunction
	case groupByFunction:
	case groupByPID:
		if kind == "heap" {
			return fmt.Errorf("group_by=pid is only available for cpu: Go heap profiles do not record pprof labels")
		}
	default:
		return fmt.Errorf("group_by must be %q or %q, got %q", groupByFunction, groupByPID, q.GroupBy)
	}
	if kind != "heap" {
		return nil
	}
	if q.Sample == "" {
		q.Sample = heapSamples[0].Type
	}
	if _, ok := heapSample(q.Sample); !ok {
		return fmt.Errorf("sample must be one of %s, got %q", heapSampleNames(), q.Sample)
	}
	return nil
}

// TopEntry is one function (or pid) with its share of the profile.
type TopEntry struct {
	Name      string
	Flat      int64   // value of samples whose leaf frame is this function
	Cum       int64   // value of samples with this function anywhere on the stack
	FlatShare float64 // Flat / Total, rounded to 4 decimals
	CumShare  float64 // Cum / Total, rounded to 4 decimals
}

// TopReport is the outcome of TopCPU or TopHeap.
type TopReport struct {
	SampleType, Unit string // the value ranked, e.g. cpu/nanoseconds or inuse_space/bytes
	Total            int64  // sum over all samples, before Filter/Exclude
	Entries          []TopEntry
	Matched          int     // entries passing Filter/Exclude, before Limit
	DurationSeconds  float64 // cpu only: wall time the profile covers
	Note             string  // why the report is empty or partial, if it is
}

// TopCPU ranks the functions (or pids) of a CPU profile by CPU time.
// Callers should Validate q with kind "cpu" first; zero fields take their
// defaults here.
func TopCPU(p *profile.Profile, q TopQuery) TopReport {
	idx := len(p.SampleType) - 1 // Go puts cpu/nanoseconds after samples/count
	for i, st := range p.SampleType {
		if st.Type == "cpu" {
			idx = i
		}
	}
	rep := top(p, idx, q)
	rep.DurationSeconds = float64(p.DurationNanos) / 1e9
	return rep
}

// TopHeap ranks the functions of a heap profile by the value q.Sample
// names. Callers should Validate q with kind "heap" first; an empty Sample
// means inuse_space.
func TopHeap(p *profile.Profile, q TopQuery) TopReport {
	if q.Sample == "" {
		q.Sample = heapSamples[0].Type
	}
	want, _ := heapSample(q.Sample)
	for i, st := range p.SampleType {
		if st.Type == want.Type && st.Unit == want.Unit {
			return top(p, i, q)
		}
	}
	var have []string
	for _, st := range p.SampleType {
		have = append(have, st.Type+"/"+st.Unit)
	}
	return TopReport{Note: fmt.Sprintf("sample %q not in this profile (it has %s; valid names are %s)",
		q.Sample, strings.Join(have, ", "), heapSampleNames())}
}

// top aggregates value index idx of every sample into entries keyed by
// function or pid label, then filters, sorts and cuts them.
func top(p *profile.Profile, idx int, q TopQuery) TopReport {
	if TopLimitRule.Check("limit", float64(q.Limit)) != nil {
		q.Limit = TopLimitRule.DefaultInt()
	}
	if idx < 0 || idx >= len(p.SampleType) {
		return TopReport{Note: "profile declares no sample types"}
	}
	rep := TopReport{SampleType: p.SampleType[idx].Type, Unit: p.SampleType[idx].Unit}
	byName := map[string]*TopEntry{}
	entry := func(name string) *TopEntry {
		e := byName[name]
		if e == nil {
			e = &TopEntry{Name: name}
			byName[name] = e
		}
		return e
	}
	labelled := false
	seen := map[string]bool{} // functions already counted in cum for the current sample
	for _, s := range p.Sample {
		if idx >= len(s.Value) {
			continue // malformed sample; nothing to attribute
		}
		v := s.Value[idx]
		if v == 0 {
			// Freed memory leaves inuse samples at zero; skipping them keeps
			// long-gone allocation sites out of the ranking.
			continue
		}
		rep.Total += v
		if q.GroupBy == groupByPID {
			name := noPIDLabel
			if pids := s.Label["pid"]; len(pids) > 0 {
				name, labelled = strings.Join(pids, ","), true
			}
			e := entry(name)
			e.Flat += v
			e.Cum += v
			continue
		}
		frames := stackFrames(s)
		if len(frames) == 0 {
			continue
		}
		entry(frames[0].Func).Flat += v
		clear(seen)
		for _, f := range frames {
			// Recursion puts a function on the stack more than once; its
			// cum must still count the sample once or it could exceed Total.
			if !seen[f.Func] {
				seen[f.Func] = true
				entry(f.Func).Cum += v
			}
		}
	}

	for _, e := range byName {
		if keep(e.Name, q.Filter, q.Exclude) {
			rep.Entries = append(rep.Entries, *e)
		}
	}
	rep.Matched = len(rep.Entries)
	sort.Slice(rep.Entries, func(i, j int) bool {
		a, b := rep.Entries[i], rep.Entries[j]
		if a.Flat != b.Flat {
			return a.Flat > b.Flat
		}
		if a.Cum != b.Cum {
			return a.Cum > b.Cum
		}
		return a.Name < b.Name
	})
	rep.Entries = rep.Entries[:min(len(rep.Entries), q.Limit)]
	for i := range rep.Entries {
		rep.Entries[i].FlatShare = share(rep.Entries[i].Flat, rep.Total)
		rep.Entries[i].CumShare = share(rep.Entries[i].Cum, rep.Total)
	}

	switch {
	case rep.Total == 0:
		rep.Note = fmt.Sprintf("profile has no %s samples (an idle process or a very short profile records none)", rep.SampleType)
	case q.GroupBy == groupByPID && !labelled:
		rep.Note = "no sample carries a pid label; the node must be built with -tags=pprof (ergo >= 3.2) to attribute CPU to actors"
	}
	return rep
}

// share is part/total rounded to 4 decimals, enough for a ranking and
// shorter in JSON than a full float64.
func share(part, total int64) float64 {
	if total == 0 {
		return 0
	}
	return math.Round(float64(part)/float64(total)*1e4) / 1e4
}

func heapSample(name string) (profile.ValueType, bool) {
	for _, vt := range heapSamples {
		if vt.Type == name {
			return vt, true
		}
	}
	return profile.ValueType{}, false
}

func heapSampleNames() string {
	names := make([]string, len(heapSamples))
	for i, vt := range heapSamples {
		names[i] = vt.Type
	}
	return strings.Join(names, ", ")
}
