package capability

// Node lists the node methods that differ between ergo versions. Each is
// looked up by name on the running node's dynamic type.
type Node struct {
	// Inspect and InspectMeta (ergo ≥ 3.2) let a plain goroutine inspect a
	// process; before that only a process can.
	Inspect, InspectMeta bool
	// SetProcessLogLevel and SetMetaLogLevel are the 3.3 names of
	// SetLogLevelProcess and SetLogLevelMeta (3.1, 3.2).
	SetProcessLogLevel, SetMetaLogLevel bool
	SetLogLevelProcess, SetLogLevelMeta bool
	// ProcessRangeShortInfo, EventInfo and EventRangeInfo exist from ergo 3.3.
	ProcessRangeShortInfo, EventInfo, EventRangeInfo bool
	// ShortInfo (node summary without stop-the-world) exists from ergo 3.3.
	ShortInfo bool
}

// ProbeNode looks the methods up on node, the running gen.Node.
func ProbeNode(node any) Node {
	return Node{
		Inspect:               HasMethod(node, "Inspect"),
		InspectMeta:           HasMethod(node, "InspectMeta"),
		SetProcessLogLevel:    HasMethod(node, "SetProcessLogLevel"),
		SetMetaLogLevel:       HasMethod(node, "SetMetaLogLevel"),
		SetLogLevelProcess:    HasMethod(node, "SetLogLevelProcess"),
		SetLogLevelMeta:       HasMethod(node, "SetLogLevelMeta"),
		ProcessRangeShortInfo: HasMethod(node, "ProcessRangeShortInfo"),
		EventInfo:             HasMethod(node, "EventInfo"),
		EventRangeInfo:        HasMethod(node, "EventRangeInfo"),
		ShortInfo:             HasMethod(node, "ShortInfo"),
	}
}
