package query

// Proc is the view of one process that filters and sort keys read. The Ergo
// side fills one per process from gen.ProcessShortInfo; all fields are plain
// values so filling it allocates nothing.
type Proc struct {
	// ID is PID.ID, unique on a node: the "pid" sort key and the tie-breaker
	// (ascending) of every other key.
	ID uint64
	// State is the state as ergo prints it ("sleep", "wait response", ...).
	Name, Application, Behavior, State string

	MessagesIn, MessagesOut, Mailbox uint64
	// RunningTime is the time spent handling messages, in nanoseconds.
	RunningTime uint64
	// Uptime is in seconds.
	Uptime int64
	// MailboxLatency is in nanoseconds; meaningful only when
	// Caps.LatencyMeasured.
	MailboxLatency int64
	// Wakeups and InitTime (ns) are meaningful only when Caps.Wakeups and
	// Caps.InitTime.
	Wakeups, InitTime uint64
}

// Caps says which of the newer ProcessShortInfo fields the running ergo has,
// so that a filter or sort on a missing field is refused instead of silently
// matching zeros.
type Caps struct {
	// MailboxLatency: the field exists (ergo ≥ 3.3).
	MailboxLatency bool
	// LatencyMeasured: the node was built with -tags=latency, so the field
	// holds measurements rather than -1.
	LatencyMeasured bool
	// Wakeups and InitTime: the fields exist (ergo ≥ 3.3).
	Wakeups, InitTime bool
}

// Drain is the average number of messages a process handled per wakeup
// (MessagesIn / Wakeups): a high drain means the process wakes to a backlog.
// ok is false when the process never woke.
func Drain(x *Proc) (float64, bool) {
	if x.Wakeups == 0 {
		return 0, false
	}
	return float64(x.MessagesIn) / float64(x.Wakeups), true
}

// Utilization is the share of its lifetime a process spent handling
// messages (RunningTime / Uptime). ok is false in the process's first
// second, when Uptime is still 0. Uptime counts whole seconds, so young
// processes can show values a little above 1.
func Utilization(x *Proc) (float64, bool) {
	if x.Uptime <= 0 {
		return 0, false
	}
	return float64(x.RunningTime) / (float64(x.Uptime) * 1e9), true
}
