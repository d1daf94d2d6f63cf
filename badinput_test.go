package ergomcp_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"ergo.services/ergo/gen"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/ergomcp/ergomcp"
	"github.com/ergomcp/ergomcp/internal/mcptest"
)

// badCase is one call that must fail with an isError result whose text
// holds every want, and change nothing on the node.
type badCase struct {
	tool string
	args any // map[string]any, or any other JSON value for malformed arguments
	want []string
}

func bad(tool string, args any, want ...string) badCase {
	return badCase{tool: tool, args: args, want: want}
}

// nodeSnapshot is what a bad call must leave as it was.
type nodeSnapshot struct {
	processes int
	names     []string
	level     gen.LogLevel
}

func snapshotNode(t *testing.T, node gen.Node) nodeSnapshot {
	t.Helper()
	snap := nodeSnapshot{level: node.Log().Level()}
	for start := 1000; ; {
		page, err := node.ProcessListShortInfo(start, 1000)
		if err != nil {
			t.Fatalf("listing processes: %v", err)
		}
		if len(page) == 0 {
			break
		}
		for _, p := range page {
			snap.processes++
			if p.Name != "" {
				snap.names = append(snap.names, string(p.Name))
			}
		}
		start = int(page[len(page)-1].PID.ID) + 1
	}
	slices.Sort(snap.names)
	return snap
}

func (a nodeSnapshot) equal(b nodeSnapshot) bool {
	return a.processes == b.processes && a.level == b.level && slices.Equal(a.names, b.names)
}

// maxErrorText bounds an error text: a clear error says what was wrong
// without echoing a huge argument back.
const maxErrorText = 4 << 10

func TestBadInput(t *testing.T) {
	if err := registerActionTypes(); err != nil {
		t.Fatal(err)
	}
	port := mcptest.FreePort(t)
	node, err := startNode(t, ergomcp.Options{Port: port, EnableActions: true})
	if err != nil {
		t.Fatal(err)
	}
	url := mcptest.URL(port)
	s := &session{t: t, s: mcptest.Connect(t, url, "")}
	rec := spawnRecorder(t, node, "bad_recorder")
	dead := spawnRecorder(t, node, "")
	node.Kill(dead.pid)
	mcptest.WaitFor(t, func() bool { _, err := node.ProcessState(dead.pid); return err != nil })
	mcptest.WaitFor(t, func() bool { return registered(node, "ergomcp_listener") })
	sup := pidOf(t, node, "ergomcp_sup")
	dispatcher := pidOf(t, node, "ergomcp_dispatcher")

	// Identifiers of another node (hash 00000000) and malformed ones.
	foreignPID := "<00000000.0.1000>"
	foreignAlias := "Alias#<00000000.0.1.2>"
	local := rec.pid.String()
	hash := local[1:9]
	huge := strings.Repeat("x", 300<<10) // under the 1 MiB body limit
	deep := strings.Repeat("[", 100) + strings.Repeat("]", 100)
	var deepValue any
	if err := json.Unmarshal([]byte(deep), &deepValue); err != nil {
		t.Fatal(err)
	}
	manyItems := make([]any, 65)
	for i := range manyItems {
		manyItems[i] = "i"
	}

	cases := []badCase{
		// process_list
		bad("process_list", map[string]any{"limit": -1}, "limit"),
		bad("process_list", map[string]any{"limit": 100_000_000}, "limit", "10000"),
		bad("process_list", map[string]any{"limit": "ten"}, `"limit" must be an integer`),
		bad("process_list", map[string]any{"limit": 1e30}, `"limit" must be an integer`),
		bad("process_list", map[string]any{"sort_by": "cpu"}, "sort_by", "mailbox"),
		bad("process_list", map[string]any{"state": "dancing"}, "state"),
		bad("process_list", map[string]any{"min_mailbox": -5}, "min_mailbox"),
		bad("process_list", map[string]any{"max_uptime": -1}, "max_uptime"),
		bad("process_list", []any{1, 2}, "arguments must be a JSON object"),
		// process_info, process_state, process_lookup, process_inspect, process_children
		bad("process_info", map[string]any{}, "pass pid", "or name"),
		bad("process_info", map[string]any{"pid": "<1.2.3>"}, "malformed PID", "<90A29F11.0.1017>"),
		bad("process_info", map[string]any{"pid": "garbage"}, "malformed PID"),
		bad("process_info", map[string]any{"pid": foreignPID}, "another node", "00000000"),
		bad("process_info", map[string]any{"pid": local, "name": "bad_recorder"}, "not both"),
		bad("process_info", map[string]any{"name": 42}, `"name" must be a string`),
		bad("process_info", map[string]any{"name": huge}, "at most 255"),
		bad("process_info", map[string]any{"pid": "<" + hash + ".0.99999999999>"}, "malformed PID"),
		bad("process_info", map[string]any{"pid": dead.pid.String()}, "no process "+dead.pid.String()),
		bad("process_state", map[string]any{"pid": "<ZZZZZZZZ.0.1001>"}, "malformed PID"),
		bad("process_lookup", map[string]any{"name": "no_such_process_name"}, `no process registered as "no_such_process_name"`),
		bad("process_inspect", map[string]any{"name": "bad_recorder", "items": "x"}, `"items" must be an array`),
		bad("process_inspect", map[string]any{"name": "bad_recorder", "items": manyItems}, "at most 64"),
		bad("process_children", map[string]any{}, "parent"),
		bad("process_children", map[string]any{"parent": foreignPID}, "another node"),
		bad("process_children", map[string]any{"parent": "bad_recorder", "recursive": "yes"}, `"recursive" must be a boolean`),
		bad("meta_inspect", map[string]any{"alias": "Alias#<1.2>"}, "malformed alias"),
		bad("meta_inspect", map[string]any{"alias": local}, "malformed alias"),
		bad("meta_inspect", map[string]any{"alias": foreignAlias}, "another node"),
		// applications
		bad("app_info", map[string]any{}, "name"),
		bad("app_info", map[string]any{"name": "no_such_app"}, "no_such_app"),
		bad("app_list", map[string]any{"state": "sleeping"}, "state", "running"),
		bad("app_list", map[string]any{"mode": "forever"}, "mode", "permanent"),
		bad("app_list", map[string]any{"min_uptime": -3}, "min_uptime"),
		bad("app_processes", map[string]any{"name": "ergomcp", "sort_by": "bogus"}, "sort_by"),
		bad("app_processes", map[string]any{"name": "ergomcp", "limit": -1}, "limit"),
		// logging
		bad("log_level_get", map[string]any{}, "target is required"),
		bad("log_level_get", map[string]any{"target": "Alias#<zz>"}, "malformed alias"),
		bad("log_level_set", map[string]any{"target": "node", "level": "loud"}, `level "loud" is not valid`, "debug"),
		bad("log_level_set", map[string]any{"target": "node"}, "level is required"),
		bad("log_level_set", map[string]any{"target": foreignPID, "level": "info"}, "another node"),
		bad("log_level_set", map[string]any{"target": "node", "level": 3}, `"level" must be a string`),
		bad("audit_log", map[string]any{"limit": 5000}, "between 1 and 1000"),
		bad("audit_log", map[string]any{"limit": -1}, "between 1 and 1000"),
		// profiles
		bad("pprof_cpu", map[string]any{"duration": 0.5}, `"duration" must be an integer`),
		bad("pprof_cpu", map[string]any{"duration": 31}, "duration", "30"),
		bad("pprof_cpu", map[string]any{"group_by": "line"}, "group_by"),
		bad("pprof_goroutines", map[string]any{"debug": 3}, "debug"),
		bad("pprof_goroutines", map[string]any{"pid": "nope"}, "malformed PID"),
		bad("pprof_goroutines", map[string]any{"limit": -2}, "limit"),
		bad("pprof_heap", map[string]any{"sample": "everything"}, "sample"),
		// node, network, registrar, cron, events
		bad("node_info", map[string]any{"node": "nobody@nowhere"}, "nobody@nowhere", "networking is disabled"),
		bad("node_info", map[string]any{"timeout": 121}, "timeout must be between 1 and 120"),
		bad("network_ping", map[string]any{"name": "peer@localhost", "count": 21}, "count"),
		bad("network_connect_route", map[string]any{"name": "peer@localhost", "host": "localhost", "port": 70000}, "port"),
		bad("network_connect_route", map[string]any{"name": "peer@localhost", "host": "localhost", "port": -1}, "port"),
		bad("network_disconnect", map[string]any{}, "name"),
		bad("registrar_resolve", map[string]any{}, "name"),
		bad("cron_job", map[string]any{}, "name"),
		bad("cron_schedule", map[string]any{"duration_seconds": 999_999_999}, "duration_seconds"),
		bad("cron_schedule", map[string]any{"duration_seconds": -1}, "duration_seconds"),
		bad("event_info", map[string]any{}, "name"),
		bad("event_list", map[string]any{"utilization_state": "busy"}, "utilization_state"),
		bad("event_list", map[string]any{"sort_by": "loudness"}, "sort_by"),
		bad("event_list", map[string]any{"producer": "<bad>"}, "malformed PID"),
		// samplers
		bad("sample_start", map[string]any{"tool": "no_such_tool"}, "no_such_tool"),
		bad("sample_start", map[string]any{"tool": "node_info", "interval_ms": 5}, "interval_ms"),
		bad("sample_start", map[string]any{"tool": "node_info", "duration_sec": 99_999}, "duration_sec"),
		bad("sample_start", map[string]any{"tool": "node_info", "arguments": "x"}, "arguments"),
		bad("sample_read", map[string]any{"sampler_id": "nope"}, "nope"),
		bad("sample_stop", map[string]any{}, "sampler_id"),
		// actions
		bad("message_types", map[string]any{"limit": 5000}, "limit must be between 1 and 1000"),
		bad("message_types", map[string]any{"filter": strings.Repeat("x", 300)}, "filter is 300 bytes"),
		bad("message_type_info", map[string]any{}, "type_name is required"),
		bad("message_type_info", map[string]any{"type_name": "NoSuchType"}, `no registered message type matches "NoSuchType"`),
		bad("message_type_info", map[string]any{"type_name": strings.Repeat("T", 5000)}, "type_name is 5000 bytes"),
		bad("send_message", map[string]any{"message": "x"}, "to is required"),
		bad("send_message", map[string]any{"to": "bad_recorder"}, "message is required"),
		bad("send_message", map[string]any{"to": "<bad>", "message": 1}, "to: malformed PID"),
		bad("send_message", map[string]any{"to": foreignPID, "message": 1}, "another node"),
		bad("send_message", map[string]any{"to": foreignAlias, "message": 1}, "alias", "another node"),
		bad("send_message", map[string]any{"to": "bad_recorder", "message": 1, "important": "yes"}, `"important" must be a boolean`),
		bad("send_message", map[string]any{"to": "bad_recorder", "type_name": "ActionOrder", "message": map[string]any{"Items": []any{map[string]any{"Qty": "many"}}}}, "ActionOrder.Items[0].Qty: expected an integer (int16), got a string"),
		bad("send_message", map[string]any{"to": "bad_recorder", "type_name": "ActionOrder", "message": map[string]any{"ID": 9.5}}, "ActionOrder.ID: expected an integer (int64), got 9.5"),
		bad("send_message", map[string]any{"to": "bad_recorder", "message": deepValue}, "nested deeper than 32 levels"),
		bad("send_message", map[string]any{"to": "no_such_process_name", "message": huge}, `no process registered as "no_such_process_name"`),
		bad("send_message", map[string]any{"to": huge, "message": 1}, "at most 255 bytes"),
		bad("call_process", map[string]any{"to": "bad_recorder", "request": 1, "call_timeout": 61}, "call_timeout must be between 1 and 60"),
		bad("call_process", map[string]any{"to": "bad_recorder", "request": 1, "call_timeout": -1}, "call_timeout must be between 1 and 60"),
		bad("call_process", map[string]any{"to": "bad_recorder", "request": 1, "call_timeout": "5"}, `"call_timeout" must be an integer`),
		bad("call_process", map[string]any{"to": "bad_recorder", "request": 1, "call_timeout": 30}, "must be less than the call's timeout (30 s)"),
		bad("call_process", map[string]any{"to": "bad_recorder"}, "request is required"),
		bad("send_exit", map[string]any{"pid": local}, "reason is required"),
		bad("send_exit", map[string]any{"pid": "bad_recorder", "reason": "normal"}, "is not a PID", "process_lookup"),
		bad("send_exit", map[string]any{"pid": local, "reason": strings.Repeat("r", 300)}, "reason is 300 bytes"),
		bad("send_exit", map[string]any{"pid": foreignPID, "reason": "kill"}, "another node"),
		bad("send_exit", map[string]any{"pid": dispatcher.String(), "reason": "kill"}, "refusing to kill", "ergomcp"),
		bad("process_kill", map[string]any{}, "pid is required"),
		bad("process_kill", map[string]any{"pid": "<" + hash + ".0.99999999999>"}, "malformed PID"),
		bad("process_kill", map[string]any{"pid": sup.String()}, "refusing to kill", "ergomcp_sup"),
		bad("process_kill", map[string]any{"pid": dead.pid.String()}, "no process "+dead.pid.String()),
		bad("process_kill", map[string]any{"pid": 1001}, `"pid" must be a string`),
	}

	// Every tool, including those added after this table was written, gets
	// the bad inputs every tool shares.
	nSpecific := len(cases)
	tools, err := s.s.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, tl := range tools.Tools {
		listed[tl.Name] = true
		cases = append(cases,
			bad(tl.Name, map[string]any{"bogus_argument": 1}, `unknown argument "bogus_argument" for `+tl.Name),
			bad(tl.Name, map[string]any{"timeout": -1}, "timeout must be between 1 and 120"),
			bad(tl.Name, map[string]any{"node": 7}, `"node" must be a string`),
		)
	}
	specific, perTool := 0, map[string]int{}
	before := snapshotNode(t, node)
	for i, c := range cases {
		if !listed[c.tool] {
			continue // a tool of the table not (or no longer) served here
		}
		if i < nSpecific {
			specific++
		}
		perTool[c.tool]++
		text := s.badCall(c)
		if len(text) > maxErrorText {
			t.Errorf("%s(%.80v): error text of %d bytes echoes the input: %.200s…", c.tool, c.args, len(text), text)
		}
		if after := snapshotNode(t, node); !after.equal(before) {
			t.Fatalf("%s(%.80v) changed the node: before %+v, after %+v", c.tool, c.args, before, after)
		}
	}
	if specific < 60 {
		t.Errorf("only %d tool-specific bad-input cases ran, want at least 60", specific)
	}
	for name := range listed {
		if perTool[name] == 0 {
			t.Errorf("tool %s got no bad-input case", name)
		}
	}
	select {
	case m := <-rec.got:
		t.Errorf("a bad call delivered a message: %#v", m)
	default:
	}
	if _, err := node.ProcessState(rec.pid); err != nil {
		t.Errorf("the recorder is gone: %v", err)
	}

	// Faults below the tools are protocol errors, not tool results.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := s.s.CallTool(ctx, &mcp.CallToolParams{Name: "no_such_tool"}); err == nil || !strings.Contains(err.Error(), "no_such_tool") {
		t.Errorf("unknown tool: %v", err)
	}
	if _, err := s.s.CallTool(ctx, &mcp.CallToolParams{Name: "send_message", Arguments: map[string]any{"to": "bad_recorder", "message": strings.Repeat("y", 2<<20)}}); err == nil {
		t.Error("a body over the 1 MiB limit was accepted")
	}
	status, _, body := mcptest.Post(t, nil, url, nil, strings.NewReader(strings.Repeat("z", 2<<20)))
	if status != http.StatusRequestEntityTooLarge || !strings.Contains(body, "MaxBodyBytes") {
		t.Errorf("oversized body: HTTP %d %s", status, body)
	}
	status, _, body = mcptest.Post(t, nil, url, nil, strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":`))
	if status < 400 && !strings.Contains(body, `"error"`) {
		t.Errorf("malformed JSON-RPC: HTTP %d %s", status, body)
	}
	if after := snapshotNode(t, node); !after.equal(before) {
		t.Fatalf("protocol faults changed the node: before %+v, after %+v", before, after)
	}
}

// badCall makes a call that must fail and returns its text.
func (s *session) badCall(c badCase) string {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := s.s.CallTool(ctx, &mcp.CallToolParams{Name: c.tool, Arguments: c.args})
	if err != nil {
		s.t.Errorf("%s(%.80v): protocol error instead of an isError result: %v", c.tool, c.args, err)
		return ""
	}
	text := s.record(res).Content[0].(*mcp.TextContent).Text
	if !res.IsError {
		s.t.Errorf("%s(%.80v): succeeded: %.300s", c.tool, c.args, text)
		return text
	}
	for _, w := range c.want {
		if !strings.Contains(text, w) {
			s.t.Errorf("%s(%.80v): error %.300q lacks %q", c.tool, c.args, text, w)
		}
	}
	return text
}

// pidOf finds a registered process.
func pidOf(t *testing.T, node gen.Node, name gen.Atom) gen.PID {
	t.Helper()
	page, _ := node.ProcessListShortInfo(1000, 10000)
	for _, p := range page {
		if p.Name == name {
			return p.PID
		}
	}
	t.Fatalf("no process %s", name)
	return gen.PID{}
}
