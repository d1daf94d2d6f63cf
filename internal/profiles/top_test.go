package profiles

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/google/pprof/profile"
)

// synthProfile builds a profile by hand, for cases a live runtime cannot
// produce on demand (recursion, inlining, exact values). types are
// "type/unit" pairs.
func synthProfile(types []string, samples ...*profile.Sample) *profile.Profile {
	p := &profile.Profile{Sample: samples}
	for _, tu := range types {
		typ, unit, _ := strings.Cut(tu, "/")
		p.SampleType = append(p.SampleType, &profile.ValueType{Type: typ, Unit: unit})
	}
	return p
}

// synthSample makes a sample whose stack has one location per names
// slice, leaf first; a location with several names models inlining
// (innermost first). Lines number frames from 1 in stack order.
func synthSample(values []int64, labels map[string][]string, locs ...[]string) *profile.Sample {
	s := &profile.Sample{Value: values, Label: labels}
	line := int64(0)
	for i, names := range locs {
		loc := &profile.Location{ID: uint64(i + 1), Address: uint64(0x1000 + i)}
		for _, n := range names {
			line++
			loc.Line = append(loc.Line, profile.Line{Function: &profile.Function{Name: n, Filename: "pkg.go"}, Line: line})
		}
		s.Location = append(s.Location, loc)
	}
	return s
}

func TestTopSynthetic(t *testing.T) {
	pid := map[string][]string{"pid": {testPIDA}}
	p := synthProfile([]string{"samples/count", "cpu/nanoseconds"},
		// Recursive A: counts once in A's cum.
		synthSample([]int64{1, 10}, pid, []string{"A"}, []string{"B"}, []string{"A"}),
		synthSample([]int64{1, 5}, nil, []string{"B"}),
		// Inlined leaf: "In" is the leaf, "B" its physical caller.
		synthSample([]int64{1, 5}, pid, []string{"In", "B"}),
		synthSample([]int64{1, 0}, pid, []string{"Zero"}), // zero value: no entry
	)
	p.DurationNanos = 2e9
	r := TopCPU(p, TopQuery{})
	want := []TopEntry{
		{Name: "A", Flat: 10, Cum: 10, FlatShare: 0.5, CumShare: 0.5},
		{Name: "B", Flat: 5, Cum: 20, FlatShare: 0.25, CumShare: 1},
		{Name: "In", Flat: 5, Cum: 5, FlatShare: 0.25, CumShare: 0.25},
	}
	if r.Total != 20 || r.Matched != 3 || r.SampleType != "cpu" || r.Unit != "nanoseconds" || r.DurationSeconds != 2 ||
		!reflect.DeepEqual(r.Entries, want) {
		t.Fatalf("got %+v", r)
	}

	r = TopCPU(p, TopQuery{Limit: 1, Exclude: "A"})
	if r.Matched != 2 || len(r.Entries) != 1 || r.Entries[0].Name != "B" {
		t.Fatalf("exclude+limit: %+v", r)
	}
	r = TopCPU(p, TopQuery{Filter: "n"})
	if r.Matched != 1 || r.Entries[0].Name != "In" {
		t.Fatalf("filter: %+v", r)
	}

	r = TopCPU(p, TopQuery{GroupBy: "pid"})
	want = []TopEntry{
		{Name: testPIDA, Flat: 15, Cum: 15, FlatShare: 0.75, CumShare: 0.75},
		{Name: "(no pid label)", Flat: 5, Cum: 5, FlatShare: 0.25, CumShare: 0.25},
	}
	if !reflect.DeepEqual(r.Entries, want) || r.Note != "" {
		t.Fatalf("group by pid: %+v", r)
	}

	unlabelled := synthProfile([]string{"samples/count", "cpu/nanoseconds"}, synthSample([]int64{1, 5}, nil, []string{"B"}))
	if r := TopCPU(unlabelled, TopQuery{GroupBy: "pid"}); !strings.Contains(r.Note, "-tags=pprof") {
		t.Fatalf("want a -tags=pprof note: %+v", r)
	}
	if r := TopCPU(synthProfile([]string{"samples/count", "cpu/nanoseconds"}), TopQuery{}); r.Total != 0 || !strings.Contains(r.Note, "no cpu samples") {
		t.Fatalf("want an empty-profile note: %+v", r)
	}
	if r := TopHeap(p, TopQuery{Sample: "alloc_space"}); len(r.Entries) != 0 || !strings.Contains(r.Note, `sample "alloc_space" not in this profile (it has samples/count, cpu/nanoseconds`) {
		t.Fatalf("want a missing-sample note: %+v", r)
	}
}

func TestTopSortTies(t *testing.T) {
	p := synthProfile([]string{"cpu/nanoseconds"},
		synthSample([]int64{3}, nil, []string{"b"}),
		synthSample([]int64{3}, nil, []string{"a"}),
		synthSample([]int64{3}, nil, []string{"c"}, []string{"x"}),
		synthSample([]int64{3}, nil, []string{"x"}),
	)
	var got []string
	for _, e := range TopCPU(p, TopQuery{}).Entries {
		got = append(got, fmt.Sprintf("%s:%d/%d", e.Name, e.Flat, e.Cum))
	}
	// x and c tie on flat with a, b; x wins on cum, then names ascend.
	if want := "x:3/6 a:3/3 b:3/3 c:3/3"; strings.Join(got, " ") != want {
		t.Fatalf("order %v, want %s", got, want)
	}
}

func TestTopQueryValidate(t *testing.T) {
	q := TopQuery{}
	if err := q.Validate("heap"); err != nil || q != (TopQuery{Limit: 20, GroupBy: "function", Sample: "inuse_space"}) {
		t.Fatalf("heap defaults: %+v, %v", q, err)
	}
	q = TopQuery{Sample: "whatever"}
	if err := q.Validate("cpu"); err != nil || q.GroupBy != "function" || q.Limit != 20 {
		t.Fatalf("cpu ignores sample: %+v, %v", q, err)
	}
	for _, c := range []struct {
		kind string
		q    TopQuery
		want string
	}{
		{"cpu", TopQuery{Limit: -5}, "limit must be between 1 and 500"},
		{"heap", TopQuery{Limit: 501}, "got 501"},
		{"cpu", TopQuery{GroupBy: "actor"}, `group_by must be "function" or "pid", got "actor"`},
		{"heap", TopQuery{GroupBy: "pid"}, "only available for cpu"},
		{"heap", TopQuery{Sample: "inuse"}, `sample must be one of inuse_space, alloc_space, inuse_objects, alloc_objects, got "inuse"`},
		{"goroutine", TopQuery{}, `profile kind must be cpu or heap, got "goroutine"`},
	} {
		if err := c.q.Validate(c.kind); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %+v: error %v, want it to contain %q", c.kind, c.q, err, c.want)
		}
	}
}
