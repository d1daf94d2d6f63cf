package ergomcp_test

import (
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"ergo.services/ergo/gen"

	"github.com/ergomcp/ergomcp"
	"github.com/ergomcp/ergomcp/internal/mcptest"
)

// countingLogger is a logger behavior that only counts what it gets.
type countingLogger struct{ n atomic.Int64 }

func (l *countingLogger) Log(gen.MessageLog) { l.n.Add(1) }
func (l *countingLogger) Terminate()         {}

type levelResult struct{ Target, Kind, Level, OldLevel, NewLevel string }

func TestLogLevelSetRefusedByDefault(t *testing.T) {
	node, s := openSession(t, ergomcp.Options{}, startNode)
	if _, err := node.SpawnRegister("lt_actor", idleFactory, gen.ProcessOptions{}); err != nil {
		t.Fatal(err)
	}
	s.fail("log_level_set", map[string]any{"target": "lt_actor", "level": "debug"}, "Options.EnableActions")
	var got levelResult
	s.ok("log_level_get", map[string]any{"target": "lt_actor"}, &got)
	if got.Level != "info" || got.Kind != "process" {
		t.Errorf("level of a process left alone: %+v", got)
	}
}

func TestLogTools(t *testing.T) {
	node, s := openSession(t, ergomcp.Options{EnableActions: true}, startNode)
	pid, err := node.SpawnRegister("lt_actor", idleFactory, gen.ProcessOptions{})
	if err != nil {
		t.Fatal(err)
	}
	alias := spawnMeta(t, node, "lt_meta_owner")
	if err := node.LoggerAdd("lt_logger", &countingLogger{}, gen.LogLevelWarning, gen.LogLevelError); err != nil {
		t.Fatal(err)
	}

	// A process by name, then by PID: set returns old and new, get agrees.
	var set, got levelResult
	s.ok("log_level_set", map[string]any{"target": "lt_actor", "level": "debug"}, &set)
	if set.Target != pid.String() || set.Kind != "process" || set.OldLevel != "info" || set.NewLevel != "debug" {
		t.Errorf("set process level: %+v", set)
	}
	s.ok("log_level_get", map[string]any{"target": pid.String()}, &got)
	if got.Level != "debug" {
		t.Errorf("process level after set: %+v", got)
	}

	var node1, node2 levelResult
	s.ok("log_level_set", map[string]any{"target": "node", "level": "Warning"}, &node1)
	if node1.Kind != "node" || node1.OldLevel != "info" || node1.NewLevel != "warning" {
		t.Errorf("set node level: %+v", node1)
	}
	s.ok("log_level_get", map[string]any{"target": "node"}, &node2)
	if node2.Level != "warning" || node.Log().Level() != gen.LogLevelWarning {
		t.Errorf("node level after set: %+v", node2)
	}

	var meta, metaGot levelResult
	s.ok("log_level_set", map[string]any{"target": alias.String(), "level": "error"}, &meta)
	if meta.Kind != "meta" || meta.Target != alias.String() || meta.NewLevel != "error" {
		t.Errorf("set meta level: %+v", meta)
	}
	s.ok("log_level_get", map[string]any{"target": alias.String()}, &metaGot)
	if metaGot.Level != "error" {
		t.Errorf("meta level after set: %+v", metaGot)
	}

	var loggers struct {
		Total     int
		NodeLevel string `json:"node_level"`
		Loggers   []struct {
			Name, Behavior string
			Levels         []string
		}
	}
	s.ok("loggers_list", nil, &loggers)
	found := false
	for _, l := range loggers.Loggers {
		if l.Name == "lt_logger" {
			found = true
			if l.Behavior != "ergomcp_test.countingLogger" || len(l.Levels) != 2 || l.Levels[0] != "warning" || l.Levels[1] != "error" {
				t.Errorf("lt_logger: %+v", l)
			}
		}
	}
	if !found || loggers.Total != len(loggers.Loggers) || loggers.NodeLevel != "warning" {
		t.Errorf("loggers_list: %+v", loggers)
	}

	s.fail("log_level_set", map[string]any{"target": "lt_actor", "level": "verbose"},
		`level "verbose" is not valid`, "trace, debug, info, warning, error, panic, disabled")
	s.fail("log_level_set", map[string]any{"target": "lt_actor"}, "level is required")
	s.fail("log_level_set", map[string]any{"level": "info"}, "target is required")
	s.fail("log_level_get", nil, "target is required")
	s.fail("log_level_get", map[string]any{"target": "<not.a.pid>"}, "malformed PID")
	s.fail("log_level_get", map[string]any{"target": "Alias#<bad>"}, "malformed alias")
	s.fail("log_level_get", map[string]any{"target": strings.Replace(alias.String(), ".", ".9", 1)}, "no meta process")
	s.fail("log_level_get", map[string]any{"target": "lt_nobody"}, "no process registered as", "lt_nobody")
	s.fail("log_level_get", map[string]any{"target": "<00000000.0.1001>"}, "another node")
	// ergo 3.1/3.2 take trace only at spawn; the refusal says so.
	s.fail("log_level_set", map[string]any{"target": "lt_actor", "level": "trace"}, "trace")
}

// ergomcp adds one logger to the node, with the history on or off, at
// every level (the history counts them all), and takes it off when it
// stops.
func TestOneErgomcpLogger(t *testing.T) {
	for _, disable := range []bool{false, true} {
		node, s := openSession(t, ergomcp.Options{DisableHistory: disable}, startNode)
		var loggers struct {
			Loggers []struct {
				Name   string
				Levels []string
			}
		}
		s.ok("loggers_list", nil, &loggers)
		var ours []string
		for _, l := range loggers.Loggers {
			if strings.HasPrefix(l.Name, "ergomcp_") {
				ours = append(ours, l.Name)
				if len(l.Levels) != 6 {
					t.Errorf("history off %v: %s logs levels %v, want all six", disable, l.Name, l.Levels)
				}
			}
		}
		if len(ours) != 1 || ours[0] != "ergomcp_logs" {
			t.Fatalf("history off %v: ergomcp's loggers %v, want only ergomcp_logs", disable, ours)
		}
		// Once its supervisor ended, no ergomcp logger stays on the node.
		// ergo drops the supervisor's name before it calls Terminate, which
		// takes the logger off: wait for the logger itself.
		node.SendExit(pidOf(t, node, "ergomcp_sup"), gen.TerminateReasonShutdown)
		mcptest.Eventually(t, mcptest.Wait, fmt.Sprintf("history off %v: no ergomcp logger after ergomcp stopped", disable), func() bool {
			if registered(node, "ergomcp_sup") {
				return false
			}
			for _, l := range node.Loggers() {
				if strings.HasPrefix(l, "ergomcp_") {
					return false
				}
			}
			return true
		})
	}
}
