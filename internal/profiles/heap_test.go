package profiles

import (
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/google/pprof/profile"
)

// heapSink keeps allocInTestHeap's memory live so it shows as in use.
var heapSink [][]byte

// allocInTestHeap allocates 16 MiB in 4 MiB blocks: far above the 512 KiB
// sampling rate, so each block is sampled (p > 0.999) and the figure is
// stable.
func allocInTestHeap() {
	for range 4 {
		heapSink = append(heapSink, make([]byte, 4<<20))
	}
}

func TestTopHeap(t *testing.T) {
	allocInTestHeap()
	defer func() { heapSink = nil }()
	runtime.GC() // the heap profile reports in-use memory as of the last GC
	p, err := Heap()
	if err != nil {
		t.Fatal(err)
	}

	q := TopQuery{Filter: "allocInTestHeap"}
	if err := q.Validate("heap"); err != nil {
		t.Fatal(err)
	}
	r := TopHeap(p, q)
	if r.SampleType != "inuse_space" || r.Unit != "bytes" || r.Matched != 1 || r.Entries[0].Flat < 12<<20 {
		// 12 MiB tolerates one unsampled block.
		t.Fatalf("want allocInTestHeap with about 16 MiB in use: %+v", r)
	}

	for _, st := range p.SampleType {
		q := TopQuery{Sample: st.Type, Limit: 500}
		if err := q.Validate("heap"); err != nil {
			t.Fatal(err)
		}
		r := TopHeap(p, q)
		flat, cum, total := bruteForceTop(p, st.Type)
		if r.SampleType != st.Type || r.Total != total || r.Matched != len(cum) {
			t.Fatalf("%s: type %s total %d matched %d, want total %d matched %d", st.Type, r.SampleType, r.Total, r.Matched, total, len(cum))
		}
		for _, e := range r.Entries {
			if e.Flat != flat[e.Name] || e.Cum != cum[e.Name] {
				t.Errorf("%s %s: flat/cum %d/%d, brute force %d/%d", st.Type, e.Name, e.Flat, e.Cum, flat[e.Name], cum[e.Name])
			}
		}
	}

	q = TopQuery{Sample: "bytes"}
	if err := q.Validate("heap"); err == nil ||
		!strings.Contains(err.Error(), "inuse_space, alloc_space, inuse_objects, alloc_objects") {
		t.Fatalf("invalid sample: %v", err)
	}
}

// bruteForceTop recomputes flat and cum per function for one sample type
// the slow, obvious way, as a reference for TopHeap.
func bruteForceTop(p *profile.Profile, sampleType string) (flat, cum map[string]int64, total int64) {
	idx := -1
	for i, st := range p.SampleType {
		if st.Type == sampleType {
			idx = i
		}
	}
	flat, cum = map[string]int64{}, map[string]int64{}
	for _, s := range p.Sample {
		v := s.Value[idx]
		total += v
		if v == 0 {
			continue
		}
		var names []string
		for _, loc := range s.Location {
			for _, ln := range loc.Line {
				names = append(names, ln.Function.Name)
			}
		}
		flat[names[0]] += v
		for i, n := range names {
			if !slices.Contains(names[:i], n) {
				cum[n] += v
			}
		}
	}
	return flat, cum, total
}
