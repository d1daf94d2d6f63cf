package tools

import (
	"runtime"

	"github.com/ergomcp/ergomcp/internal/profiles"
	"github.com/ergomcp/ergomcp/tools/catalog"
)

type pprofHeapArgs struct {
	catalog.Common
	Limit   int    `json:"limit,omitempty" jsonschema:"most entries (default 20, max 500)"`
	Filter  string `json:"filter,omitempty" jsonschema:"keep functions whose name contains this"`
	Exclude string `json:"exclude,omitempty" jsonschema:"drop functions whose name contains this"`
	Sample  string `json:"sample,omitempty" jsonschema:"inuse_space (default), alloc_space, inuse_objects or alloc_objects"`
	GC      bool   `json:"gc,omitempty" jsonschema:"run a garbage collection first so in-use figures are current rather than as of the last GC (a full GC: use sparingly on a busy node)"`
}

func (a *pprofHeapArgs) query() profiles.TopQuery {
	return profiles.TopQuery{Limit: a.Limit, Filter: a.Filter, Exclude: a.Exclude, Sample: a.Sample}
}

func (a *pprofHeapArgs) Validate() error {
	q := a.query()
	if err := q.Validate("heap"); err != nil {
		return catalog.Errorf("%v", err)
	}
	a.Limit, a.Sample = q.Limit, q.Sample
	return nil
}

func init() {
	register(catalog.Tool{
		Name:  "pprof_heap",
		Title: "Heap profile",
		Description: "Top allocators of the node from the heap profile, by flat and cumulative value of the chosen sample: " +
			"inuse_space (default: live bytes), alloc_space (bytes allocated since start), inuse_objects, alloc_objects. " +
			"In-use figures are as of the last GC unless gc=true.",
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
