package tools

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"ergo.services/ergo/gen"

	"github.com/ergomcp/ergomcp/internal/diagnose"
	"github.com/ergomcp/ergomcp/internal/logcount"
)

// logCounterName is ergomcp's one logger on the node: it feeds the
// node's logcount.Counter, which diagnose (by key) and node_history (by
// level and source) read.
const logCounterName = "ergomcp_logs"

// maxLogEntries bounds the log keys one diagnose report carries.
const maxLogEntries = 64

// logCounter feeds a logcount.Counter from the node's log. ergo calls Log
// from the goroutine that logs, so it only counts and returns.
type logCounter struct{ c *logcount.Counter }

func (l logCounter) Log(m gen.MessageLog) {
	k := logcount.Key{Level: m.Level.String(), Template: m.Format}
	if len(m.Args) == 0 && m.Level >= gen.LogLevelInfo { // trace and debug take no key
		// Logged as text already made (Log().Warning(fmt.Sprintf(...))):
		// fold its IDs and numbers, or every line would take a key.
		k.Template = logcount.Template(m.Format)
	}
	pid := ""
	switch src := m.Source.(type) {
	case gen.MessageLogProcess:
		k.Kind, k.Behavior, k.Source = "process", src.Behavior, string(src.Name)
		if k.Source == "" {
			k.Source = src.Behavior
		}
		pid = src.PID.String()
	case gen.MessageLogMeta:
		k.Kind, k.Behavior, k.Source = "meta", src.Behavior, src.Behavior
		pid = src.Parent.String()
	case gen.MessageLogNode:
		k.Kind, k.Source = "node", string(src.Node)
	case gen.MessageLogNetwork:
		k.Kind, k.Source = "network", string(src.Peer)
	}
	var format func() string
	if m.Level >= gen.LogLevelWarning {
		format = func() string { return fmt.Sprintf(m.Format, m.Args...) }
	}
	l.c.Add(k, pid, m.Time, format)
}

func (logCounter) Terminate() {}

// CountLogs adds ergomcp's logger to node, feeding c at every level,
// in place of the one an earlier start of ergomcp left there, and restarts
// c's keys, so diagnose reads the node's log since ergomcp started. c then
// serves diagnose; without it (or when the node refuses the logger)
// diagnose reports the log as unavailable.
func (s *Server) CountLogs(node gen.Node, c *logcount.Counter) error {
	node.LoggerDelete(logCounterName)
	c.Restart()
	if err := node.LoggerAdd(logCounterName, logCounter{c}); err != nil {
		return fmt.Errorf("adding ergomcp's log counter to the node: %w", err)
	}
	s.logs = c
	return nil
}

// StopCountingLogs removes ergomcp's logger from node: ergomcp stopped.
func StopCountingLogs(node gen.Node) { node.LoggerDelete(logCounterName) }

// logCounts is a snapshot of the counter by key.
func logCounts(c *logcount.Counter) map[logcount.Key]uint64 {
	entries, _ := c.Snapshot()
	m := make(map[logcount.Key]uint64, len(entries))
	for _, e := range entries {
		m[e.Key] = e.Count
	}
	return m
}

// logFacts turns the counter at the window's end into the report's log
// entries: those that moved in the window (most first) and every panic,
// at most maxLogEntries.
func logFacts(c *logcount.Counter, before map[logcount.Key]uint64, end time.Time) []diagnose.LogEntry {
	entries, _ := c.Snapshot()
	moved := func(e *logcount.Entry) uint64 { return e.Count - before[e.Key] }
	slices.SortFunc(entries, func(a, b logcount.Entry) int {
		if c := cmp.Compare(moved(&b), moved(&a)); c != 0 {
			return c
		}
		return cmp.Compare(b.Count, a.Count)
	})
	var out []diagnose.LogEntry
	for i := range entries {
		e := &entries[i]
		if len(out) == maxLogEntries {
			break
		}
		if moved(e) == 0 && e.Level != "panic" && e.Level != "warning" && e.Level != "error" {
			continue
		}
		x := diagnose.LogEntry{Level: e.Level, Kind: e.Kind, Source: e.Source, Behavior: e.Behavior, Template: e.Template,
			Count: e.Count, CountBefore: before[e.Key], PIDs: e.PIDs, Message: e.Message}
		for _, t := range e.Recent {
			x.Recent = append(x.Recent, end.Sub(t).Seconds())
		}
		out = append(out, x)
	}
	return out
}
