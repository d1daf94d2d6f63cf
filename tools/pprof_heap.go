package tools

import (
	"runtime"

	"github.com/ergomcp/ergomcp/internal/catalog"
	"github.com/ergomcp/ergomcp/internal/profiles"
)

type pprofHeapArgs struct {
	catalog.Common
	Limit   int    `json:"limit,omitempty" arg:"rule=profile_limit"`
	Filter  string `json:"filter,omitempty"`
	Exclude string `json:"exclude,omitempty"`
	Sample  string `json:"sample,omitempty"`
	GC      bool   `json:"gc,omitempty" jsonschema:"run a full GC first"`
}

func (a *pprofHeapArgs) query() profiles.TopQuery {
	return profiles.TopQuery{Limit: a.Limit, Filter: a.Filter, Exclude: a.Exclude, Sample: a.Sample}
}

func (a *pprofHeapArgs) Validate() error {
	q := a.query()
	if err := q.Validate("heap"); err != nil {
		return catalog.Wrap(err)
	}
	a.Limit, a.Sample = q.Limit, q.Sample
	return nil
}

func init() {
	register(catalog.Tool{
		Name:  "pprof_heap",
		Title: "Heap profile",
		Description: "Top allocators from the heap profile by sample (inuse_space default, alloc_space, inuse_objects, " +
			"alloc_objects). In-use figures date from the last GC unless gc=true (a full GC).",
		Enums: map[string][]any{"sample": {"inuse_space", "alloc_space", "inuse_objects", "alloc_objects"}},
	}, toolPprofHeap)
}

func toolPprofHeap(env *Env, args *pprofHeapArgs) (any, error) {
	if args.GC {
		runtime.GC()
	}
	p, err := profiles.Heap()
	if err != nil {
		return nil, err
	}
	return profiles.TopHeap(p, args.query()), nil
}
