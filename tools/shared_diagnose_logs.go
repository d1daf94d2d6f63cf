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

// logCounterName is the logger diagnose adds to the node to count its log.
const logCounterName = "ergomcp_diagnose_logs"

// maxLogEntries bounds the log keys one diagnose report carries.
const maxLogEntries = 64

// logCounter feeds a logcount.Counter from the node's log. ergo calls Log
// from the goroutine that logs, so it only counts and returns.
type logCounter struct{ c *logcount.Counter }

func (l logCounter) Log(m gen.MessageLog) {
	k := logcount.Key{Level: m.Level.String(), Template: m.Format}
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

// startLogCounter adds a log counter to node, replacing the one an
// earlier start of ergomcp left there, so diagnose reads the node's log
// since ergomcp started. nil when the node refuses it.
func startLogCounter(node gen.Node) *logcount.Counter {
	c := logcount.New()
	node.LoggerDelete(logCounterName)
	levels := []gen.LogLevel{gen.LogLevelInfo, gen.LogLevelWarning, gen.LogLevelError, gen.LogLevelPanic}
	if err := node.LoggerAdd(logCounterName, logCounter{c}, levels...); err != nil {
		return nil
	}
	return c
}

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
