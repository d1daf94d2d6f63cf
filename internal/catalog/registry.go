package catalog

import (
	"fmt"
	"sort"
)

// Registry holds tools by name. The zero value is empty and ready to use; it
// is filled at init time and only read afterwards, so it needs no lock.
type Registry struct {
	byName map[string]*Tool
	sorted []*Tool
}

// Add registers t. It panics on a duplicate name: registrations are static.
func (r *Registry) Add(t *Tool) {
	if r.byName == nil {
		r.byName = make(map[string]*Tool)
	}
	if _, dup := r.byName[t.Name]; dup {
		panic(fmt.Sprintf("catalog: tool %q registered twice", t.Name))
	}
	r.byName[t.Name] = t
	r.sorted = append(r.sorted, t)
	sort.Slice(r.sorted, func(i, j int) bool { return r.sorted[i].Name < r.sorted[j].Name })
}

// Lookup returns the tool with that name.
func (r *Registry) Lookup(name string) (*Tool, bool) {
	t, ok := r.byName[name]
	return t, ok
}

// Tools returns every tool sorted by name. Callers must not modify it.
func (r *Registry) Tools() []*Tool { return r.sorted }
