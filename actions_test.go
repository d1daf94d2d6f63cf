package ergomcp_test

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"ergo.services/ergo/act"
	"ergo.services/ergo/gen"
	"ergo.services/ergo/net/edf"

	"github.com/ergomcp/ergomcp"
	"github.com/ergomcp/ergomcp/internal/mcptest"
)

// ActionItem and ActionOrder are message types the tests register for the
// network, as an application would, and build with send_message.
type ActionItem struct {
	SKU string
	Qty int16
}

type ActionOrder struct {
	ID    int64
	Items []ActionItem
	Owner gen.PID
	Note  string `json:"note"`
}

// ActionReceipt is what the recorder answers an ActionOrder call with.
type ActionReceipt struct {
	OrderID int64
	Lines   int
}

// registerActionTypes registers the test types once per test binary (EDF
// refuses a second registration); children first, as EDF requires.
var registerActionTypes = sync.OnceValue(func() error {
	for _, v := range []any{ActionItem{}, ActionOrder{}, ActionReceipt{}} {
		if err := edf.RegisterTypeOf(v); err != nil {
			return fmt.Errorf("registering %T: %w", v, err)
		}
	}
	return nil
})

// recorder hands every message it gets to got, answers calls, and reports
// its termination reason to exits.
type recorder struct {
	act.Actor
	got   chan any
	exits chan error
}

func (r *recorder) Init(args ...any) error {
	r.got, r.exits = args[0].(chan any), args[1].(chan error)
	return nil
}

func (r *recorder) HandleMessage(from gen.PID, message any) error {
	r.got <- message
	return nil
}

func (r *recorder) HandleCall(from gen.PID, ref gen.Ref, request any) (any, error) {
	switch req := request.(type) {
	case ActionOrder:
		return ActionReceipt{OrderID: req.ID, Lines: len(req.Items)}, nil
	case string:
		if req == "never" {
			return nil, nil // answers nobody: the caller times out
		}
		return "pong: " + req, nil
	}
	return fmt.Sprintf("unexpected %T", request), nil
}

func (r *recorder) Terminate(reason error) { r.exits <- reason }

// recorded is a spawned recorder with its channels.
type recorded struct {
	pid   gen.PID
	got   chan any
	exits chan error
}

func spawnRecorder(t *testing.T, node gen.Node, name gen.Atom) recorded {
	t.Helper()
	r := recorded{got: make(chan any, 16), exits: make(chan error, 1)}
	factory := func() gen.ProcessBehavior { return &recorder{} }
	var err error
	if name == "" {
		r.pid, err = node.Spawn(factory, gen.ProcessOptions{}, r.got, r.exits)
	} else {
		r.pid, err = node.SpawnRegister(name, factory, gen.ProcessOptions{}, r.got, r.exits)
	}
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// next returns the next message the recorder got.
func (r recorded) next(t *testing.T) any {
	t.Helper()
	return mcptest.Receive(t, "a message to the recorder", r.got)
}

// exit returns the recorder's termination reason.
func (r recorded) exit(t *testing.T) error {
	t.Helper()
	return mcptest.Receive(t, "the recorder's termination", r.exits)
}

// logLines is a node logger that keeps every line in memory, so a test
// can check that no secret reached the log.
type logLines struct {
	mu    sync.Mutex
	lines []string
}

func (l *logLines) Log(m gen.MessageLog) {
	line := fmt.Sprintf(m.Format, m.Args...)
	for _, f := range m.Fields {
		line += " " + f.String()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.lines) < 100_000 {
		l.lines = append(l.lines, line)
	}
}

func (l *logLines) Terminate() {}

func (l *logLines) neverShowed(t *testing.T, secrets ...string) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, line := range l.lines {
		for _, s := range secrets {
			if strings.Contains(line, s) {
				t.Errorf("a log line reveals the secret %q: %s", s, line)
			}
		}
	}
}

// withLog adds logger to a node at debug level.
func withLog(logger *logLines) func(*gen.NodeOptions) {
	return func(no *gen.NodeOptions) {
		no.Log.Level = gen.LogLevelDebug
		no.Log.Loggers = append(no.Log.Loggers, gen.Logger{Name: "test_lines", Logger: logger})
	}
}

func TestActionsRefusedByDefault(t *testing.T) {
	node, s := openSession(t, ergomcp.Options{}, startNode)
	victim := spawnRecorder(t, node, "act_victim")
	for tool, args := range map[string]map[string]any{
		"send_message": {"to": "act_victim", "message": "hi"},
		"call_process": {"to": "act_victim", "request": "ping"},
		"send_exit":    {"pid": victim.pid.String(), "reason": "shutdown"},
		"process_kill": {"pid": victim.pid.String()},
	} {
		s.fail(tool, args, "refused", "Options.EnableActions")
	}
	if _, err := node.ProcessState(victim.pid); err != nil {
		t.Fatalf("a refused action touched the process: %v", err)
	}
	select {
	case m := <-victim.got:
		t.Fatalf("a refused send_message delivered %v", m)
	default:
	}
	// The type registry shows the application's message structure: it is
	// off with the actions (TOOLS.md).
	s.fail("message_types", map[string]any{"filter": "remote.Request"}, "refused", "Options.EnableActions")
	s.fail("message_type_info", map[string]any{"type_name": "remote.Request"}, "refused", "Options.EnableActions")
}

type typesResult struct {
	Total, Returned int
	Truncated       bool
	Source          string
	Types           []struct{ TypeName, GoType string }
}

type typeInfoResult struct {
	TypeName, GoType, Kind string
	Fields                 []struct{ Key, Field, Type, Tag, Form string }
	Unsettable             []string
	Example                map[string]any
}

func TestActionMessages(t *testing.T) {
	if err := registerActionTypes(); err != nil {
		t.Fatal(err)
	}
	node, s := openSession(t, ergomcp.Options{EnableActions: true}, startNode)
	rec := spawnRecorder(t, node, "act_recorder")

	// The registry lists the type under EDF's full name.
	var types typesResult
	s.ok("message_types", map[string]any{"filter": "actionorder"}, &types)
	const fullName = "#github.com/ergomcp/ergomcp_test/ActionOrder"
	if types.Total != 1 || types.Types[0].TypeName != fullName || types.Types[0].GoType != "ergomcp_test.ActionOrder" || types.Source == "" {
		t.Fatalf("message_types: %+v", types)
	}
	s.ok("message_types", map[string]any{"limit": 2}, &types)
	if types.Returned != 2 || !types.Truncated || types.Total < 10 {
		t.Errorf("message_types limit: %+v", types)
	}

	// Every spelling of the name resolves; fields come with keys and forms.
	for _, name := range []string{fullName, "ergomcp_test.ActionOrder", "ActionOrder"} {
		var info typeInfoResult
		s.ok("message_type_info", map[string]any{"type_name": name}, &info)
		if info.TypeName != fullName || info.Kind != "struct" || len(info.Fields) != 4 {
			t.Fatalf("message_type_info %s: %+v", name, info)
		}
		if f := info.Fields[3]; f.Key != "note" || f.Field != "Note" || f.Type != "string" || f.Tag != `json:"note"` {
			t.Errorf("tagged field: %+v", f)
		}
		if f := info.Fields[2]; f.Type != "gen.PID" || !strings.Contains(f.Form, "PID") {
			t.Errorf("PID field: %+v", f)
		}
		if _, ok := info.Example["Items"]; !ok {
			t.Errorf("example: %v", info.Example)
		}
	}
	s.fail("message_type_info", map[string]any{"type_name": "NoSuchType"}, `no registered message type matches "NoSuchType"`, "message_types")

	// A typed message reaches the actor with every field in place.
	order := map[string]any{"ID": 42, "Items": []any{map[string]any{"SKU": "a-1", "Qty": 2}, map[string]any{"sku": "b-2", "Qty": -1}},
		"Owner": rec.pid.String(), "note": "rush"}
	var sent struct {
		To, From, TypeName, GoType string
		Sent                       bool
	}
	s.ok("send_message", map[string]any{"to": "act_recorder", "type_name": "ActionOrder", "message": order}, &sent)
	if sent.To != rec.pid.String() || sent.TypeName != fullName || sent.GoType != "ergomcp_test.ActionOrder" || !sent.Sent {
		t.Errorf("send_message result: %+v", sent)
	}
	got, ok := rec.next(t).(ActionOrder)
	want := ActionOrder{ID: 42, Items: []ActionItem{{"a-1", 2}, {"b-2", -1}}, Owner: rec.pid, Note: "rush"}
	if !ok || got.ID != want.ID || len(got.Items) != 2 || got.Items[0] != want.Items[0] || got.Items[1] != want.Items[1] || got.Owner != want.Owner || got.Note != want.Note {
		t.Fatalf("the recorder got %#v, want %#v", got, want)
	}

	// Strict building: the error names the field path and nothing is sent.
	bad := map[string]any{"ID": 1, "Items": []any{map[string]any{}, map[string]any{"Qty": 70000}}}
	s.fail("send_message", map[string]any{"to": rec.pid.String(), "type_name": "ActionOrder", "message": bad},
		"ActionOrder.Items[1].Qty: 70000 is out of range for int16")
	s.fail("send_message", map[string]any{"to": "act_recorder", "type_name": "ActionOrder", "message": map[string]any{"Qty": 1}},
		`unknown field "Qty"`)
	s.fail("send_message", map[string]any{"to": "act_recorder", "type_name": "ActionOrder", "message": map[string]any{"Owner": "<00000000.0.1001>"}},
		"ActionOrder.Owner", "belongs to no node")

	// Untyped JSON goes as it is; important delivery is confirmed.
	s.ok("send_message", map[string]any{"to": "act_recorder", "message": map[string]any{"k": "v", "n": 3, "f": 1.5}, "important": true}, &sent)
	if m, ok := rec.next(t).(map[string]any); !ok || m["k"] != "v" || m["n"] != int64(3) || m["f"] != 1.5 {
		t.Fatalf("untyped object arrived as %#v (the bad sends before must not have arrived)", m)
	}
	s.ok("send_message", map[string]any{"to": rec.pid.String(), "message": "plain text"}, &sent)
	if m := rec.next(t); m != "plain text" {
		t.Fatalf("string arrived as %#v", m)
	}
	s.fail("send_message", map[string]any{"to": "act_nobody", "message": "x"}, `no process registered as "act_nobody"`)

	// call_process returns the reply, typed or not.
	var reply struct {
		To, RequestType, ResponseType string
		Response                      map[string]any
	}
	s.ok("call_process", map[string]any{"to": "act_recorder", "type_name": "ActionOrder", "request": map[string]any{"ID": 7, "Items": []any{map[string]any{"SKU": "z"}}}}, &reply)
	if reply.ResponseType != "ergomcp_test.ActionReceipt" || reply.Response["OrderID"] != float64(7) || reply.Response["Lines"] != float64(1) {
		t.Errorf("call_process typed: %+v", reply)
	}
	var pong struct{ Response string }
	s.ok("call_process", map[string]any{"to": rec.pid.String(), "request": "ping"}, &pong)
	if pong.Response != "pong: ping" {
		t.Errorf("call_process untyped: %+v", pong)
	}
	start := time.Now()
	s.fail("call_process", map[string]any{"to": "act_recorder", "request": "never", "call_timeout": 1}, "did not answer within 1 s")
	if time.Since(start) > 4*time.Second {
		t.Errorf("call_timeout 1 took %s", time.Since(start))
	}
	s.fail("call_process", map[string]any{"to": "act_recorder", "request": "x", "call_timeout": 10, "timeout": 10}, "call_timeout (10 s) must be less than")
}

func TestActionExitAndKill(t *testing.T) {
	node, s := openSession(t, ergomcp.Options{EnableActions: true}, startNode)
	type exitResult struct{ PID, Reason, State, Note string }

	for _, c := range []struct {
		reason string
		is     error
	}{{"shutdown", gen.TerminateReasonShutdown}, {"maintenance window", nil}, {"kill", gen.TerminateReasonKill}} {
		v := spawnRecorder(t, node, "")
		var res exitResult
		s.ok("send_exit", map[string]any{"pid": v.pid.String(), "reason": c.reason}, &res)
		reason := v.exit(t)
		if c.is != nil && !errors.Is(reason, c.is) || !strings.Contains(reason.Error(), c.reason) {
			t.Errorf("send_exit %s: terminated with %v", c.reason, reason)
		}
		if res.PID != v.pid.String() || res.State != "gone" && res.State != "terminated" || res.Note == "" {
			t.Errorf("send_exit %s result: %+v", c.reason, res)
		}
		mcptest.WaitFor(t, func() bool { _, err := node.ProcessState(v.pid); return err != nil })
	}

	v := spawnRecorder(t, node, "act_kill_me")
	var res exitResult
	s.ok("process_kill", map[string]any{"pid": v.pid.String()}, &res)
	if reason := v.exit(t); !errors.Is(reason, gen.TerminateReasonKill) {
		t.Errorf("process_kill: terminated with %v", reason)
	}
	mcptest.WaitFor(t, func() bool { return !registered(node, "act_kill_me") })
	s.fail("process_kill", map[string]any{"pid": v.pid.String()}, "no process "+v.pid.String())
	s.fail("process_kill", map[string]any{"pid": "act_recorder"}, "is not a PID", "process_lookup")

	// ergomcp's own processes, and their descendants, are refused.
	own := map[string]gen.PID{}
	page, _ := node.ProcessListShortInfo(1000, 10000)
	for _, p := range page {
		if strings.HasPrefix(string(p.Name), "ergomcp_") {
			own[string(p.Name)] = p.PID
		}
	}
	for _, p := range page {
		if p.Parent == own["ergomcp_dispatcher"] {
			own["a dispatcher worker"] = p.PID
			break
		}
	}
	if len(own) < 5 {
		t.Fatalf("ergomcp processes: %v", own)
	}
	for what, pid := range own {
		s.fail("process_kill", map[string]any{"pid": pid.String()}, "refusing to kill", "ergomcp")
		s.fail("send_exit", map[string]any{"pid": pid.String(), "reason": "shutdown"}, "refusing to send an exit signal", "ergomcp")
		if _, err := node.ProcessState(pid); err != nil {
			t.Errorf("%s (%s) is gone after refused actions: %v", what, pid, err)
		}
	}
	// A worker never answers calls; when it is the one running this call,
	// waiting for itself is refused outright.
	msg := s.fail("call_process", map[string]any{"to": own["a dispatcher worker"].String(), "request": "x", "call_timeout": 1})
	if !strings.Contains(msg, "refusing to call") && !strings.Contains(msg, "did not answer within 1 s") {
		t.Errorf("call to a worker: %s", msg)
	}
}

// TestActionsAcrossNodes checks that a proxied action obeys the target
// node's own policy, and that no result and no log line shows the HTTP
// token or the network cookie.
func TestActionsAcrossNodes(t *testing.T) {
	if err := registerActionTypes(); err != nil {
		t.Fatal(err)
	}
	const token = "act-token-9c2e71f04b"
	cookie := fmt.Sprintf("cookie-%d", os.Getpid())
	entryLog, closedLog, openLog := &logLines{}, &logLines{}, &logLines{}
	start := func(prefix string, logger *logLines) func(*testing.T, ergomcp.Options) (gen.Node, error) {
		return func(t *testing.T, opts ergomcp.Options) (gen.Node, error) {
			return startNetNodeWith(t, prefix, opts, withLog(logger))
		}
	}
	entry, s := openSession(t, ergomcp.Options{EnableActions: true, Token: token}, start("actentry", entryLog))
	closed, err := start("actclosed", closedLog)(t, ergomcp.Options{})
	if err != nil {
		t.Fatal(err)
	}
	open, err := start("actopen", openLog)(t, ergomcp.Options{EnableActions: true})
	if err != nil {
		t.Fatal(err)
	}
	closedRec := spawnRecorder(t, closed, "act_remote")
	openRec := spawnRecorder(t, open, "act_remote")

	// The entry node allows actions; the target's own policy refuses them.
	s.fail("send_message", map[string]any{"node": string(closed.Name()), "to": "act_remote", "message": "hi"}, "Options.EnableActions")
	s.fail("process_kill", map[string]any{"node": string(closed.Name()), "pid": closedRec.pid.String()}, "Options.EnableActions")
	if _, err := closed.ProcessState(closedRec.pid); err != nil {
		t.Fatalf("refused remote kill took effect: %v", err)
	}

	// A target that allows them builds the typed message itself.
	s.ok("send_message", map[string]any{"node": string(open.Name()), "to": "act_remote", "type_name": "ActionOrder",
		"message": map[string]any{"ID": 5, "Owner": openRec.pid.String()}}, &struct{}{})
	if m, ok := openRec.next(t).(ActionOrder); !ok || m.ID != 5 || m.Owner != openRec.pid {
		t.Fatalf("remote typed message: %#v", m)
	}
	var pong struct{ Response string }
	s.ok("call_process", map[string]any{"node": string(open.Name()), "to": "act_remote", "request": "ping"}, &pong)
	if pong.Response != "pong: ping" {
		t.Errorf("remote call: %+v", pong)
	}
	// A PID of the other node given to the entry node names the node.
	s.fail("process_kill", map[string]any{"pid": openRec.pid.String()}, string(open.Name()), "node=")
	s.ok("process_kill", map[string]any{"node": string(open.Name()), "pid": openRec.pid.String()}, &struct{}{})
	if reason := openRec.exit(t); !errors.Is(reason, gen.TerminateReasonKill) {
		t.Errorf("remote kill: %v", reason)
	}

	// Places a secret could surface: configuration, supervisor, network.
	for tool, args := range map[string]map[string]any{
		"node_info":       nil,
		"node_env":        nil,
		"network_info":    nil,
		"process_info":    {"name": "ergomcp_sup"},
		"process_inspect": {"name": "ergomcp_sup"},
		"app_info":        {"name": "ergomcp"},
	} {
		res := mcptest.Call(t, s.s, tool, args, nil)
		s.record(res)
	}
	s.record(mcptest.Call(t, s.s, "process_inspect", map[string]any{"name": "ergomcp_listener"}, nil))
	s.fail("call_process", map[string]any{"to": "ergomcp_listener", "request": "token?", "call_timeout": 1}, "")
	s.fail("send_message", map[string]any{"node": string(closed.Name()), "to": "act_remote", "message": token}, "EnableActions")

	s.neverShowed(token)
	s.neverShowed(cookie)
	for _, l := range []*logLines{entryLog, closedLog, openLog} {
		l.neverShowed(t, token, cookie)
	}
	_ = entry
}
