package tools

import (
	"fmt"
	"runtime"
	"slices"

	"ergo.services/ergo/gen"

	"github.com/ergomcp/ergomcp/internal/catalog"
)

// Instructions is the MCP instructions text for this node. p must be a
// process of the node (the listener): with -tags=pprof only goroutines of
// processes carry the label the capability probe looks for.
func (rt *Server) Instructions(p gen.Process) string {
	node := p.Node()
	c := rt.capabilities(node)
	f := catalog.Facts{Node: string(node.Name()), Go: runtime.Version(), Served: func(tool string) bool {
		_, ok := rt.Tools.Lookup(tool)
		return ok
	}}
	v := node.FrameworkVersion()
	f.Ergo = v.Release
	for name, ok := range map[string]bool{
		"MailboxLatency": c.MailboxLatency && c.LatencyTag, "Wakeups": c.Wakeups, "InitTime": c.InitTime,
		"EventTable": c.EventTable, "PprofLabels": c.PprofLabels, "InspectFromNode": c.InspectFromNode,
	} {
		if ok {
			f.Have = append(f.Have, name)
		}
	}
	for name, why := range c.Unavailable {
		f.Lack = append(f.Lack, fmt.Sprintf("%s: %s", name, why))
	}
	slices.Sort(f.Have)
	slices.Sort(f.Lack)
	return catalog.Instructions(f)
}
