package tools

import (
	"sync"
	"unsafe"

	"ergo.services/ergo/gen"

	"github.com/ergomcp/ergomcp/internal/profiles"
)

// Capabilities is what node_info reports about the running ergo: which
// version-dependent APIs exist and which build tags are active.
type Capabilities struct {
	// InspectFromNode: Node.Inspect exists (ergo ≥ 3.2).
	InspectFromNode bool
	// LogLevelSetter is the name of the per-process log level setter.
	LogLevelSetter string
	// MailboxLatency: ProcessShortInfo.MailboxLatency exists (ergo ≥ 3.3).
	MailboxLatency bool
	// LatencyTag: the node measures mailbox latency (-tags=latency, ergo ≥ 3.3).
	LatencyTag bool
	// Wakeups and InitTime: the ProcessShortInfo fields exist (ergo ≥ 3.3).
	Wakeups, InitTime bool
	// EventTable: Node.EventRangeInfo exists (ergo ≥ 3.3).
	EventTable bool
	// PprofLabels: actor goroutines carry the pprof label "pid"
	// (-tags=pprof, ergo ≥ 3.2).
	PprofLabels bool
	// Unavailable says, per missing capability, what would provide it.
	Unavailable map[string]string `json:",omitempty"`
}

// pprofLabels probes once whether actor goroutines are labelled; the
// answer cannot change while the binary runs.
var pprofLabels = sync.OnceValue(func() bool {
	p, err := profiles.Goroutines()
	return err == nil && profiles.HasLabel(p, "pid")
})

// capabilities must run inside a process (a worker) so that, with
// -tags=pprof, at least the caller's own goroutine is labelled.
func (rt *Server) capabilities(node gen.Node) Capabilities {
	c := Capabilities{
		InspectFromNode: rt.node.Inspect,
		LogLevelSetter:  "SetLogLevelProcess",
		MailboxLatency:  rt.shortInfo.MailboxLatency.OK(),
		LatencyTag:      rt.latencyMeasured(node),
		Wakeups:         rt.shortInfo.Wakeups.OK(),
		InitTime:        rt.shortInfo.InitTime.OK(),
		EventTable:      rt.node.EventRangeInfo,
		PprofLabels:     pprofLabels(),
		Unavailable:     map[string]string{},
	}
	if rt.node.SetProcessLogLevel {
		c.LogLevelSetter = "SetProcessLogLevel"
	}
	missing := func(ok bool, name, why string) {
		if !ok {
			c.Unavailable[name] = why
		}
	}
	missing(c.InspectFromNode, "InspectFromNode", "needs ergo ≥ 3.2 (ergomcp inspects from its worker processes instead)")
	missing(c.MailboxLatency, "MailboxLatency", "needs ergo ≥ 3.3")
	missing(c.LatencyTag || !c.MailboxLatency, "LatencyTag", "build the node with -tags=latency")
	missing(c.Wakeups, "Wakeups", "needs ergo ≥ 3.3")
	missing(c.InitTime, "InitTime", "needs ergo ≥ 3.3")
	missing(c.EventTable, "EventTable", "needs ergo ≥ 3.3")
	missing(c.PprofLabels, "PprofLabels", "build the node with -tags=pprof (ergo ≥ 3.2)")
	return c
}

// latencyMeasured reads one process record: ergo reports -1 latency when
// the node was built without -tags=latency.
func (rt *Server) latencyMeasured(node gen.Node) bool {
	if !rt.shortInfo.MailboxLatency.OK() {
		return false
	}
	page, err := node.ProcessListShortInfo(1000, 1)
	if err != nil || len(page) == 0 {
		return false
	}
	return rt.shortInfo.LatencyMeasured(unsafe.Pointer(&page[0]))
}
