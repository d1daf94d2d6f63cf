package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/ergomcp/ergomcp/internal/catalog"
	"github.com/ergomcp/ergomcp/internal/query"
	"github.com/ergomcp/ergomcp/internal/window"
	"github.com/ergomcp/ergomcp/transport"
)

// The model tests run the view's state machine on messages, and its
// commands against a real MCP server (the repo's transport, strict
// decoding included) whose tools answer in the shapes of process_top,
// runtime_stats, node_info, process_info and process_inspect from a table
// the test controls. The end-to-end test against a real Ergo node is in
// top_pty_test.go.

type fakeTopArgs struct {
	catalog.Common
	SortBy   string `json:"sort_by,omitempty"`
	Limit    int    `json:"limit,omitempty"`
	WindowMs int    `json:"window_ms,omitempty"`
}

// fakeTopArgsFormat is process_top once it takes format (issue 17).
type fakeTopArgsFormat struct {
	fakeTopArgs
	Format string `json:"format,omitempty"`
}

type fakePIDArgs struct {
	catalog.Common
	PID  string `json:"pid,omitempty"`
	Name string `json:"name,omitempty"`
}

// fakeProc is one row of the fake process table, in process_top's
// record order.
type fakeProc struct {
	PID               string
	Name              string
	Application       string
	Behavior          string
	State             string
	Mailbox           uint64
	MessagesInRate    float64
	MessagesOutRate   float64
	CPU               float64
	MailboxGrowthRate float64
	ProcessingRate    float64
	EstLatencyMs      any
	TimeToDrainS      any
	MailboxLatencyMs  *float64
	New, Reset        bool
	Stalled, CPUStale bool
}

// fakeNode serves the tools top calls from procs.
type fakeNode struct {
	name    string
	format  bool // process_top takes format
	history bool // node_history is served
	// waitWindow: process_top waits its window_ms before answering, as
	// the real one does.
	waitWindow bool

	statsCalls int
	// hang: process_top answers only when its call is cancelled, as a
	// node stuck in a scan would; hungEnded gets the context's error.
	hang      bool
	hungEnded chan error

	mu    sync.Mutex
	procs []fakeProc
	calls []string         // tool names, in order
	args  map[string][]any // decoded arguments by tool
}

func (f *fakeNode) registry() *catalog.Registry {
	r := new(catalog.Registry)
	if f.format {
		r.Add(catalog.Define[fakeTopArgsFormat](catalog.Tool{Name: "process_top", Title: "top", Description: "top."}))
	} else {
		r.Add(catalog.Define[fakeTopArgs](catalog.Tool{Name: "process_top", Title: "top", Description: "top."}))
	}
	r.Add(catalog.Define[noArgs](catalog.Tool{Name: "runtime_stats", Title: "stats", Description: "stats."}))
	r.Add(catalog.Define[noArgs](catalog.Tool{Name: "node_info", Title: "info", Description: "info."}))
	r.Add(catalog.Define[fakePIDArgs](catalog.Tool{Name: "process_info", Title: "info", Description: "info."}))
	r.Add(catalog.Define[fakePIDArgs](catalog.Tool{Name: "process_inspect", Title: "inspect", Description: "inspect."}))
	if f.history {
		r.Add(catalog.Define[noArgs](catalog.Tool{Name: "node_history", Title: "history", Description: "history."}))
	}
	return r
}

func (f *fakeNode) invoke(ctx context.Context, call *catalog.Call) catalog.Result {
	if f.hang && call.Tool.Name == "process_top" {
		<-ctx.Done()
		f.hungEnded <- ctx.Err()
		return catalog.Result{Text: "cancelled", IsError: true}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, call.Tool.Name)
	if f.args == nil {
		f.args = map[string][]any{}
	}
	f.args[call.Tool.Name] = append(f.args[call.Tool.Name], call.Args)
	if catalog.CommonOf(call.Args).Node == "*" {
		// As ergomcp's fan-out answers: this node, and one that left.
		res := f.answer(call)
		return catalog.Result{Text: fmt.Sprintf(`{"tool":%q,"nodes":2,"ok":1,"errors":1,"results":[`+
			`{"node":%q,"status":"ok","duration_ms":1,"result":%s},`+
			`{"node":"gone@localhost","status":"error","duration_ms":0,"error":"no connection to gone@localhost"}]}`,
			call.Tool.Name, f.name, res.Text)}
	}
	return f.answer(call)
}

func (f *fakeNode) answer(call *catalog.Call) catalog.Result {
	switch call.Tool.Name {
	case "runtime_stats":
		// Counters since start; the GC takes a tenth of the CPU between
		// two calls.
		f.statsCalls++
		return catalog.Result{Text: fmt.Sprintf(`{"Goroutines":42,"HeapLiveBytes":3145728,"GCCPUShare":0.0125,"CPUSeconds":%d,"GCCPUSeconds":%g}`,
			2*f.statsCalls, 0.2*float64(f.statsCalls))}
	case "node_info":
		return catalog.Result{Text: fmt.Sprintf(`{"Name":%q,"Uptime":3725,"Version":"app:1.0","Framework":"Ergo Framework:3.1.0","ProcessesTotal":%d,`+
			`"Capabilities":{"MailboxLatency":false,"Wakeups":false,"LogLevelSetter":"SetLogLevelProcess"}}`, f.name, len(f.procs))}
	case "node_history":
		return catalog.Result{Text: fakeHistory}
	case "process_info":
		a := call.Args.(*fakePIDArgs)
		return catalog.Result{Text: fmt.Sprintf(`{"PID":%q,"MailboxQueues":{"Main":7},"MessagesIn":99}`, a.PID)}
	case "process_inspect":
		return catalog.Result{Text: "process is not responding to inspect within 5s", IsError: true}
	case "process_top":
		var a fakeTopArgs
		switch v := call.Args.(type) {
		case *fakeTopArgs:
			a = *v
		case *fakeTopArgsFormat:
			a = v.fakeTopArgs
		}
		if f.waitWindow {
			f.mu.Unlock()
			time.Sleep(time.Duration(a.WindowMs) * time.Millisecond)
			f.mu.Lock()
		}
		return catalog.Result{Text: f.top(a)}
	}
	return catalog.Result{Text: "unexpected tool", IsError: true}
}

// top answers like process_top, ranked by process_top's own ranking (its
// sort-key table and bounded top-N, ties in PID order), so that the view's
// order is checked against the server's and not against its own sort.
func (f *fakeNode) top(a fakeTopArgs) string {
	windowMs, sortBy := a.WindowMs, a.SortBy
	if err := window.Validate(&windowMs, &sortBy); err != nil {
		return err.Error()
	}
	args := query.ProcessArgs{Limit: a.Limit}
	plan, err := args.Plan(query.Caps{})
	if err != nil {
		return err.Error()
	}
	top := query.NewTop[fakeProc](plan)
	value := window.Key(sortBy)
	for _, p := range f.procs {
		r := p.rates()
		top.OfferKey(p.id(), query.FloatKey(value(&r)), func() fakeProc { return p })
	}
	out := top.Result()
	body, _ := json.Marshal(map[string]any{
		"total": len(f.procs), "returned": len(out), "truncated": len(out) < len(f.procs),
		"window_ms": a.WindowMs, "sort_by": a.SortBy, "processes_before": len(f.procs), "processes": out,
	})
	return string(body)
}

// rates are the window's rates that p's record shows.
func (p fakeProc) rates() window.Rates {
	// infinite is a record's number in seconds, or +Inf where it holds a
	// word ("stalled", "never").
	infinite := func(v any, toSeconds float64) float64 {
		if n, ok := v.(float64); ok {
			return n * toSeconds
		}
		return math.Inf(1)
	}
	return window.Rates{
		InRate: p.MessagesInRate, OutRate: p.MessagesOutRate, CPU: p.CPU,
		MailboxGrowth: p.MailboxGrowthRate, ProcessingRate: p.ProcessingRate, Mailbox: p.Mailbox,
		EstLatency: infinite(p.EstLatencyMs, 1e-3), TimeToDrain: infinite(p.TimeToDrainS, 1),
	}
}

// id is the process number of p's PID (<node.0.ID>).
func (p fakeProc) id() uint64 {
	n, _ := strconv.ParseUint(strings.TrimSuffix(p.PID[strings.LastIndex(p.PID, ".")+1:], ">"), 10, 64)
	return n
}

func (f *fakeNode) toolCalls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

func (f *fakeNode) lastArgs(tool string) any {
	f.mu.Lock()
	defer f.mu.Unlock()
	a := f.args[tool]
	if len(a) == 0 {
		return nil
	}
	return a[len(a)-1]
}

// fakeServer serves a fakeNode on a fixed loopback address that can be
// stopped and started again, as a node restarting does.
type fakeServer struct {
	t    *testing.T
	node *fakeNode
	addr string
	srv  *http.Server
	h    *transport.Handler
}

func startFake(t *testing.T, node *fakeNode) *fakeServer {
	t.Helper()
	s := &fakeServer{t: t, node: node}
	s.start("127.0.0.1:0")
	t.Cleanup(s.stop)
	return s
}

func (s *fakeServer) url() string { return "http://" + s.addr + transport.DefaultPath }

func (s *fakeServer) start(addr string) {
	s.t.Helper()
	h, err := transport.New(transport.Config{Registry: s.node.registry(), Invoker: catalog.InvokerFunc(s.node.invoke)})
	if err != nil {
		s.t.Fatal(err)
	}
	var l net.Listener
	for try := 0; ; try++ {
		l, err = net.Listen("tcp", addr)
		if err == nil || try == 50 {
			break
		}
		time.Sleep(20 * time.Millisecond) // the old listener's port is being released
	}
	if err != nil {
		s.t.Fatal(err)
	}
	s.addr, s.h = l.Addr().String(), h
	s.srv = &http.Server{Handler: h}
	go s.srv.Serve(l)
}

func (s *fakeServer) stop() {
	if s.srv != nil {
		s.srv.Close()
		s.h.Close()
		s.srv = nil
	}
}

func demoProcs() []fakeProc {
	return []fakeProc{
		{PID: "<AB.0.1001>", Name: "healthy", Behavior: "act.Actor", State: "sleep", MessagesInRate: 5, MessagesOutRate: 5, CPU: 0.01, ProcessingRate: 5, EstLatencyMs: 0.0, TimeToDrainS: 0.0},
		{PID: "<AB.0.1002>", Name: "burner", Behavior: "cpuBurner", State: "running", MessagesInRate: 40, MessagesOutRate: 40, CPU: 0.72, ProcessingRate: 40, EstLatencyMs: 0.0, TimeToDrainS: 0.0},
		{PID: "<AB.0.1003>", Name: "slow", Behavior: "slowConsumer", State: "running", Mailbox: 900, MessagesInRate: 20, CPU: 0, MailboxGrowthRate: 10, ProcessingRate: 10, EstLatencyMs: 90000.0, TimeToDrainS: "never", CPUStale: true},
		{PID: "<AB.0.1004>", Name: "chain_a", Behavior: "chainStart", State: "wait response", Mailbox: 300, MessagesInRate: 8, MailboxGrowthRate: 8, EstLatencyMs: "stalled", TimeToDrainS: "never", Stalled: true},
		{PID: "<AB.0.1005>", Name: "fanout", Behavior: "producer", State: "sleep", MessagesInRate: 2, MessagesOutRate: 300, CPU: 0.05, ProcessingRate: 2, EstLatencyMs: 0.0, TimeToDrainS: 0.0, New: true},
	}
}

// newTestModel is a model against url with test-sized options.
func newTestModel(t *testing.T, url string, mod func(*config)) *topModel {
	t.Helper()
	cfg := config{url: url, timeout: 5 * time.Second, top: topConfig{interval: 300 * time.Millisecond, sortBy: "cpu"}}
	if mod != nil {
		mod(&cfg)
	}
	if err := cfg.top.check(); err != nil {
		t.Fatal(err)
	}
	src := newTopSource(cfg)
	t.Cleanup(src.close)
	m := newTopModel(t.Context(), src, cfg.top, cfg.node)
	m.Update(tea.WindowSizeMsg{Width: 160, Height: 30})
	return m
}

// step executes cmd, feeds its message to the model and returns the
// command Update gave back. Ticks are not waited for: the caller decides
// when time passes.
func step(t *testing.T, m *topModel, cmd tea.Cmd) tea.Cmd {
	t.Helper()
	if cmd == nil {
		t.Fatal("no command to run")
	}
	_, next := m.Update(cmd())
	return next
}

// refresh runs one refresh the way a tick starts it.
func refresh(t *testing.T, m *topModel) {
	t.Helper()
	_, cmd := m.Update(tickMsg{seq: m.tickSeq})
	if cmd == nil {
		t.Fatal("a refresh is already running")
	}
	step(t, m, cmd)
}

func names(m *topModel) []string {
	var out []string
	for _, r := range m.rows {
		out = append(out, r.text("Name"))
	}
	return out
}

func press(m *topModel, key string) tea.Cmd {
	_, cmd := m.Update(keyPress(key))
	return cmd
}

// keyPress builds the message bubbletea sends for a key name.
func keyPress(k string) tea.KeyPressMsg {
	switch k {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "shift+tab":
		return tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "pgdown":
		return tea.KeyPressMsg{Code: tea.KeyPgDown}
	case "end":
		return tea.KeyPressMsg{Code: tea.KeyEnd}
	case "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	}
	r := []rune(k)[0]
	return tea.KeyPressMsg{Code: r, Text: k}
}

func TestTopSortKeys(t *testing.T) {
	node := &fakeNode{name: "n@localhost", procs: demoProcs()}
	s := startFake(t, node)
	m := newTestModel(t, s.url(), nil)
	step(t, m, m.Init())
	if got, want := names(m), []string{"burner", "fanout", "healthy", "slow", "chain_a"}; !slices.Equal(got, want) {
		t.Fatalf("by cpu: %v, want %v", got, want)
	}
	for _, tc := range []struct {
		key, sortBy string
		first       []string
	}{
		// "stalled" and "never" are infinite: they rank above every number.
		{"g", "mailbox_growth", []string{"slow", "chain_a"}},
		{"i", "messages_in_rate", []string{"burner", "slow", "chain_a"}},
		{"o", "messages_out_rate", []string{"fanout", "burner"}},
		{"l", "est_latency", []string{"chain_a", "slow"}},
		{"d", "time_to_drain", []string{"slow", "chain_a"}}, // both "never": PID order
		{"tab", "cpu", []string{"burner", "fanout"}},        // tab cycles back to the first
		{"shift+tab", "time_to_drain", []string{"slow", "chain_a"}},
		{"2", "mailbox_growth", []string{"slow", "chain_a"}},
	} {
		cmd := press(m, tc.key)
		if got := sortKeys[m.sort].name; got != tc.sortBy {
			t.Fatalf("key %q: sort %s, want %s", tc.key, got, tc.sortBy)
		}
		// Re-sorted at once, before the server answers.
		if got := names(m)[:len(tc.first)]; !slices.Equal(got, tc.first) {
			t.Errorf("key %q, before the refresh: %v, want %v first", tc.key, got, tc.first)
		}
		if m.cursor != 0 {
			t.Errorf("key %q: cursor %d, want the busiest row", tc.key, m.cursor)
		}
		// And asked again with the new key.
		step(t, m, cmd)
		if got := node.lastArgs("process_top").(*fakeTopArgs).SortBy; got != tc.sortBy {
			t.Errorf("key %q: process_top was asked sort_by=%s, want %s", tc.key, got, tc.sortBy)
		}
		if got := names(m)[:len(tc.first)]; !slices.Equal(got, tc.first) {
			t.Errorf("key %q, after the refresh: %v, want %v first", tc.key, got, tc.first)
		}
		view := ansi.Strip(m.render(screenStyles))
		if !strings.Contains(view, columnLabels[sortColumn(tc.sortBy)]+"▼") {
			t.Errorf("key %q: the header does not mark %s:\n%s", tc.key, sortColumn(tc.sortBy), view)
		}
	}
	// The same key again, or a key that sorts nothing, asks nothing.
	if cmd := press(m, "2"); cmd != nil {
		t.Error("pressing the current sort key started a refresh")
	}
	if cmd := press(m, "z"); cmd != nil {
		t.Error("an unbound key did something")
	}
}

func TestTopEveryColumn(t *testing.T) {
	node := &fakeNode{name: "n@localhost", procs: demoProcs()}
	s := startFake(t, node)
	m := newTestModel(t, s.url(), func(c *config) { c.top.limit = 3 })
	step(t, m, m.Init())
	m.Update(tea.WindowSizeMsg{Width: 400, Height: 30})
	view := ansi.Strip(m.render(screenStyles))
	for _, label := range []string{"PID", "NAME", "APP", "BEHAVIOR", "STATE", "MAILBOX", "IN/s", "OUT/s", "CPU▼", "GROW/s", "DONE/s", "LAT ms", "DRAIN s", "FLAGS"} {
		if !strings.Contains(view, label) {
			t.Errorf("no %s column:\n%s", label, view)
		}
	}
	for _, want := range []string{
		"FLAGS: N New, R Reset, S Stalled, C CPUStale",
		"no values this window: MailboxLatencyMs",
		"72.0%",       // CPU as a share of one core
		"processes 5", // from processes_before
		"goroutines 42", "heap live 3.0 MiB", "GC CPU 1.25% since start", "up 1h02m", "Ergo Framework:3.1.0",
		"capabilities: LogLevelSetter=SetLogLevelProcess (2 unavailable",
		"no sparklines: this server has no node_history tool",
		"5 processes matched, 3 shown",
	} {
		if !strings.Contains(view, want) {
			t.Errorf("view lacks %q:\n%s", want, view)
		}
	}
	// GC CPU between two readings once the counters moved.
	refresh(t, m)
	if view := ansi.Strip(m.render(screenStyles)); !strings.Contains(view, "GC CPU 10.00% lately (1.25% since start)") {
		t.Errorf("after two refreshes the header should show the GC's recent share:\n%s", view)
	}
	// Go moves its CPU classes at each GC only: readings that did not
	// move keep the last share, and the next move counts from the last
	// reading that moved.
	m.gcShare(runtimeStats{CPUSeconds: m.gcBase.CPUSeconds, GCCPUSeconds: m.gcBase.GCCPUSeconds})
	if m.gcRecent != 0.1 {
		t.Errorf("a reading that did not move changed the share to %v", m.gcRecent)
	}
	base := *m.gcBase
	m.gcShare(runtimeStats{CPUSeconds: base.CPUSeconds + 10, GCCPUSeconds: base.GCCPUSeconds + 0.5})
	if math.Abs(m.gcRecent-0.05) > 1e-9 {
		t.Errorf("share %v after 0.5 s of GC in 10 s, want 0.05", m.gcRecent)
	}
	// A restarted node's counters begin again: no share until two.
	m.gcShare(runtimeStats{CPUSeconds: 1, GCCPUSeconds: 0.01})
	if m.gcRecent != -1 {
		t.Errorf("after a restart the share is %v, want none", m.gcRecent)
	}
	// CPUStale: the CPU is unknown, not 0.
	m.opts.limit = 5
	refresh(t, m)
	if view := ansi.Strip(m.render(screenStyles)); !regexp.MustCompile(`(?m)^<AB\.0\.1003> +slow +slowConsumer +running +900 +20 +0 +\? `).MatchString(view) {
		t.Errorf("a CPUStale process should show CPU ?:\n%s", view)
	}
	if got := node.lastArgs("process_top").(*fakeTopArgs); got.Limit != 5 || got.WindowMs != 150 {
		t.Errorf("process_top asked limit=%d window_ms=%d, want --limit and half the 300ms interval", got.Limit, got.WindowMs)
	}
}

func TestTopFormatRecordsWhenOffered(t *testing.T) {
	node := &fakeNode{name: "n@localhost", procs: demoProcs(), format: true}
	s := startFake(t, node)
	m := newTestModel(t, s.url(), nil)
	step(t, m, m.Init())
	if got := node.lastArgs("process_top").(*fakeTopArgsFormat).Format; got != "records" {
		t.Errorf("process_top with a format argument was asked format=%q, want records", got)
	}
	if len(m.rows) != 5 {
		t.Errorf("%d rows, want 5", len(m.rows))
	}
	// Without the argument nothing is added: the strict decoder would
	// refuse an unknown one, which the refresh above would have reported.
}

func TestTopCursorResizeAndSelection(t *testing.T) {
	node := &fakeNode{name: "n@localhost"}
	for i := range 60 {
		node.procs = append(node.procs, fakeProc{PID: fmt.Sprintf("<AB.0.%d>", 1000+i), Name: fmt.Sprintf("p%02d", i), CPU: float64(60-i) / 100, EstLatencyMs: 0.0, TimeToDrainS: 0.0})
	}
	s := startFake(t, node)
	m := newTestModel(t, s.url(), nil)
	step(t, m, m.Init())
	if got := node.lastArgs("process_top").(*fakeTopArgs).Limit; got < m.tableRows() || got > maxLimit {
		t.Errorf("limit %d, want at least the %d rows the screen shows", got, m.tableRows())
	}
	check := func(when string) {
		t.Helper()
		lines := strings.Split(m.render(screenStyles), "\n")
		if len(lines) > m.height {
			t.Errorf("%s: %d lines on a %d-line screen", when, len(lines), m.height)
		}
		for _, l := range lines {
			if w := ansi.StringWidth(l); w > m.width {
				t.Errorf("%s: a line %d wide on a %d-wide screen: %q", when, w, m.width, ansi.Strip(l))
			}
		}
		if m.cursor < m.top || m.cursor >= m.top+m.tableRows() {
			t.Errorf("%s: cursor %d outside the rows shown (%d..%d)", when, m.cursor, m.top, m.top+m.tableRows()-1)
		}
		if !strings.Contains(ansi.Strip(m.render(screenStyles)), m.selected) {
			t.Errorf("%s: the selected %s is not on screen", when, m.selected)
		}
	}
	for range 25 {
		press(m, "down")
	}
	check("after 25 downs")
	if m.cursor != 25 || m.selected != "<AB.0.1025>" {
		t.Errorf("cursor %d on %s, want 25 on <AB.0.1025>", m.cursor, m.selected)
	}
	m.Update(tea.WindowSizeMsg{Width: 70, Height: 12})
	check("after shrinking to 70x12")
	m.Update(tea.WindowSizeMsg{Width: 200, Height: 50})
	check("after growing to 200x50")
	press(m, "end")
	check("after end")
	press(m, "pgdown")
	check("after pgdown at the end")

	// The selection follows its process when a refresh reorders the table.
	for range 3 {
		press(m, "up")
	}
	sel := m.selected
	node.mu.Lock()
	slices.Reverse(node.procs)
	for i := range node.procs {
		node.procs[i].CPU = float64(i) / 100
	}
	node.mu.Unlock()
	refresh(t, m)
	if m.selected != sel || m.rows[m.cursor].text("PID") != sel {
		t.Errorf("after a reordering refresh the cursor is on %s, want %s", m.rows[m.cursor].text("PID"), sel)
	}
	check("after the refresh")

	// Sideways: the fixed columns stay, the others scroll.
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 20})
	before := ansi.Strip(m.render(screenStyles))
	press(m, "right")
	press(m, "right")
	after := ansi.Strip(m.render(screenStyles))
	if !strings.Contains(after, "PID") || !strings.Contains(after, "NAME") || strings.Contains(after, "BEHAV") || !strings.Contains(before, "BEHAV") {
		t.Errorf("two rights should hide APP and BEHAVIOR and keep PID, NAME:\nbefore\n%s\nafter\n%s", before, after)
	}
	for range 40 {
		press(m, "right")
	}
	if !strings.Contains(ansi.Strip(m.render(screenStyles)), "FLAGS") {
		t.Error("scrolling far right lost the last column")
	}
}

func TestTopQuitKeys(t *testing.T) {
	m := newTestModel(t, "http://127.0.0.1:1/mcp", nil)
	for _, view := range []int{viewTop, viewDetail, viewCluster} {
		for _, k := range []string{"q", "ctrl+c"} {
			m.view = view
			cmd := press(m, k)
			if cmd == nil {
				t.Fatalf("view %d, %s: no command", view, k)
			}
			if _, ok := cmd().(tea.QuitMsg); !ok {
				t.Errorf("view %d, %s: the command does not quit", view, k)
			}
		}
	}
}

func TestTopServerGoesAwayAndComesBack(t *testing.T) {
	node := &fakeNode{name: "n@localhost", procs: demoProcs()}
	s := startFake(t, node)
	m := newTestModel(t, s.url(), nil)
	step(t, m, m.Init())
	if m.err != nil || len(m.rows) != 5 {
		t.Fatalf("first refresh: err %v, %d rows", m.err, len(m.rows))
	}

	s.stop()
	refresh(t, m)
	refresh(t, m)
	if m.err == nil || m.failures != 2 {
		t.Fatalf("server down: err %v, failures %d; want an error and 2 failures", m.err, m.failures)
	}
	view := ansi.Strip(m.render(screenStyles))
	if !strings.Contains(view, "server not answering") || !strings.Contains(view, "(2 tries") ||
		!strings.Contains(view, "showing data from") || !strings.Contains(view, "connection refused") {
		t.Errorf("the view does not say the server is gone:\n%s", view)
	}
	if !strings.Contains(view, "burner") {
		t.Errorf("the last data should stay on screen while the server is gone:\n%s", view)
	}
	// The node's uptime stops at its last answer: it may be down.
	m.now = func() time.Time { return m.lastOK.Add(time.Hour) }
	if view := ansi.Strip(m.render(screenStyles)); !strings.Contains(view, "up 1h02m") {
		t.Errorf("uptime should stay at the last answer's (1h02m) while the server is gone:\n%s", view)
	}
	m.now = time.Now
	// A server that is down is asked once an interval, not in a loop.
	m.fetching = true
	_, next := m.Update(snapshotMsg{err: errors.New("down"), start: m.now()})
	if next == nil {
		t.Fatal("no next tick after a failure")
	}

	// The node comes back on the same address with new numbers, and no
	// memory of the old session.
	node.mu.Lock()
	node.procs[0].CPU = 0.99
	node.calls = nil
	node.mu.Unlock()
	s.start(s.addr)
	m.fetching = false
	refresh(t, m)
	if m.err != nil {
		t.Fatalf("after the server came back: %v", m.err)
	}
	if got := names(m)[0]; got != "healthy" {
		t.Errorf("after the server came back the top process is %s, want healthy (new numbers)", got)
	}
	if calls := node.toolCalls(); !slices.Contains(calls, "node_info") {
		t.Errorf("after a gap node_info was not read again (calls %v): the node may have restarted", calls)
	}
	if view := ansi.Strip(m.render(screenStyles)); strings.Contains(view, "not answering") {
		t.Errorf("the error stayed on screen after recovery:\n%s", view)
	}
}

func TestTopDetail(t *testing.T) {
	node := &fakeNode{name: "n@localhost", procs: demoProcs()}
	s := startFake(t, node)
	m := newTestModel(t, s.url(), nil)
	step(t, m, m.Init())
	press(m, "down") // fanout, second by cpu
	cmd := press(m, "enter")
	if m.view != viewDetail || !m.detailLoading {
		t.Fatalf("enter: view %d, loading %v", m.view, m.detailLoading)
	}
	step(t, m, cmd)
	if got := node.lastArgs("process_info").(*fakePIDArgs).PID; got != "<AB.0.1005>" {
		t.Errorf("process_info asked for %s, want the selected <AB.0.1005>", got)
	}
	view := ansi.Strip(m.render(screenStyles))
	for _, want := range []string{"<AB.0.1005> fanout", "process_info", "Main: 7", "MessagesIn:", "process_inspect", "error: process is not responding"} {
		if !strings.Contains(view, want) {
			t.Errorf("detail lacks %q:\n%s", want, view)
		}
	}
	// Sort keys mean nothing here; esc goes back to the table.
	press(m, "g")
	if m.sort != 0 {
		t.Error("a sort key changed the sort from the detail view")
	}
	press(m, "esc")
	if m.view != viewTop {
		t.Errorf("esc: view %d, want the table", m.view)
	}

	// An answer for a process the user left behind is dropped: opening
	// another one shows the other one's.
	press(m, "up")
	first := press(m, "enter") // burner
	press(m, "esc")
	press(m, "down")
	second := press(m, "enter") // fanout
	step(t, m, second)
	step(t, m, first)
	if m.detail == nil || m.detail.pid != "<AB.0.1005>" {
		t.Errorf("after a late answer for the first process the detail shows %+v, want <AB.0.1005>", m.detail)
	}
}

func TestTopHistorySparklines(t *testing.T) {
	node := &fakeNode{name: "n@localhost", procs: demoProcs(), history: true}
	s := startFake(t, node)
	m := newTestModel(t, s.url(), nil)
	step(t, m, m.Init())
	view := ansi.Strip(m.render(screenStyles))
	if !regexp.MustCompile(`processes +\ ▁▂▄█ 19 rising`).MatchString(view) || !regexp.MustCompile(`goroutines +▁▄ ▁█ 42 flat`).MatchString(view) ||
		!regexp.MustCompile(`heap_live +\ + - MiB rising`).MatchString(view) {
		t.Errorf("no sparklines from node_history:\n%s", view)
	}
	if strings.Contains(view, "no sparklines") {
		t.Errorf("says no sparklines although node_history answered:\n%s", view)
	}
	// node_history is read every historyEvery, not every refresh.
	refresh(t, m)
	if n := strings.Count(strings.Join(node.toolCalls(), " "), "node_history"); n != 1 {
		t.Errorf("node_history called %d times in two refreshes, want 1", n)
	}
}

// fakeHistory is node_history's answer as issue 15 shapes it: node-level
// Series with null where nothing was measured, and Movers, which are not
// sparklines.
const fakeHistory = `{"From":"2026-12-01T21:00:00Z","StepS":10,"Buckets":5,"Series":[` +
	`{"Name":"goroutines","Unit":"count","Dir":"flat","Last":42,"Values":[40,41,null,40,42]},` +
	`{"Name":"log_info","Unit":"per_s","Dir":"flat","Values":[1,1,1,1,1]},` +
	`{"Name":"processes","Unit":"count","Trend":"rising 10→19","Dir":"rising","Last":19,"Values":[null,10,12,15,19]},` +
	`{"Name":"heap_live","Unit":"MiB","Dir":"rising","Values":[null,null,null,null,null]}],` +
	`"Movers":[{"PID":"<AB.0.1003>","Name":"slow","MailboxLast":900,"Values":[1,2,3]}]}`

func TestDecodeHistory(t *testing.T) {
	got, err := decodeHistory(fakeHistory)
	if err != nil {
		t.Fatal(err)
	}
	var text []string
	for _, s := range got {
		text = append(text, fmt.Sprintf("%s %s %s %v last=%v", s.name, s.unit, s.dir, s.points, s.last()))
	}
	// The wanted series in the header's order, nulls kept as gaps, Movers
	// and unwanted series left out.
	want := []string{
		"processes count rising [NaN 10 12 15 19] last=19",
		"goroutines count flat [40 41 NaN 40 42] last=42",
		"heap_live MiB rising [NaN NaN NaN NaN NaN] last=NaN",
	}
	if !slices.Equal(text, want) {
		t.Errorf("decoded\n%s\nwant\n%s", strings.Join(text, "\n"), strings.Join(want, "\n"))
	}
	if _, err := decodeHistory("oops"); err == nil {
		t.Error("a broken answer decoded without error")
	}
}

func TestSparkline(t *testing.T) {
	for _, tc := range []struct {
		points []float64
		width  int
		want   string
	}{
		{[]float64{0, 1, 2, 3, 4, 5, 6, 7}, 8, "▁▂▃▄▅▆▇█"},
		{[]float64{0, 1, 2, 3, 4, 5, 6, 7}, 3, "▁▄█"}, // the last points, rescaled
		{[]float64{5, 5, 5}, 10, "▁▁▁"},
		{[]float64{math.NaN(), 0, math.NaN(), 7}, 10, " ▁ █"}, // gaps stay gaps
		{nil, 10, ""},
	} {
		if got := sparkline(tc.points, tc.width); got != tc.want {
			t.Errorf("sparkline(%v, %d) = %q, want %q", tc.points, tc.width, got, tc.want)
		}
	}
}

func TestTopSnapshotWhenNotATerminal(t *testing.T) {
	node := &fakeNode{name: "n@localhost", procs: demoProcs()}
	s := startFake(t, node)
	code, stdout, stderr := runCmd(t, nil, "--url", s.url(), "top", "--sort", "mailbox_growth")
	if code != exitOK {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	if strings.Contains(stdout, "\x1b") || strings.Contains(stdout, " \n") {
		t.Errorf("the snapshot has escape codes or trailing blanks: %q", stdout)
	}
	lines := strings.Split(stdout, "\n")
	var table []string
	for i, l := range lines {
		if strings.HasPrefix(l, "PID ") {
			table = lines[i+1 : i+4]
		}
	}
	if len(table) != 3 || !strings.Contains(table[0], "slow") || !strings.Contains(table[1], "chain_a") {
		t.Errorf("by mailbox growth the snapshot should start with slow, chain_a:\n%s", stdout)
	}
	if got := node.lastArgs("process_top").(*fakeTopArgs).Limit; got != 20 {
		t.Errorf("snapshot limit %d, want 20", got)
	}

	code, stdout, stderr = runCmd(t, nil, "--url", s.url(), "top", "--cluster")
	if code != exitOK || !strings.Contains(stdout, "NODE") {
		t.Errorf("cluster snapshot: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

func TestTopClusterView(t *testing.T) {
	node := &fakeNode{name: "n@localhost", procs: demoProcs()}
	s := startFake(t, node)
	m := newTestModel(t, s.url(), nil)
	step(t, m, m.Init())
	step(t, m, press(m, "v"))
	if m.view != viewCluster {
		t.Fatalf("v: view %d, want the cluster", m.view)
	}
	for _, tool := range []string{"node_info", "runtime_stats", "process_top"} {
		if got := catalog.CommonOf(node.lastArgs(tool)).Node; got != "*" {
			t.Errorf("cluster view asked %s node=%q, want *", tool, got)
		}
	}
	if got := node.lastArgs("process_top").(*fakeTopArgs).Limit; got != 1 {
		t.Errorf("cluster view asked process_top limit=%d, want the busiest only", got)
	}
	view := ansi.Strip(m.render(screenStyles))
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^n@localhost +ok +5 +42 +3\.0 MiB +1\.25% +1h02m +Ergo Framework:3\.1\.0 +<AB\.0\.1002> burner CPU=72\.0%`),
		regexp.MustCompile(`(?m)^gone@localhost +error +- +- .*no connection to gone@localhost`),
		regexp.MustCompile(`2 nodes \(node="\*"\)`),
	} {
		if !want.MatchString(view) {
			t.Errorf("cluster view does not match %s:\n%s", want, view)
		}
	}
	if m.busy <= 0 {
		t.Error("the cluster view did not measure what its refresh cost")
	}
	m.Update(clusterMsg{rows: m.cluster, busy: 400 * time.Millisecond, start: m.now()})
	if view := ansi.Strip(m.render(screenStyles)); !strings.Contains(view, "every 8s (stretched from 300ms") {
		t.Errorf("a costly cluster refresh does not stretch the interval:\n%s", view)
	}
	// g ranks each node's busiest by mailbox growth.
	step(t, m, press(m, "g"))
	if view := ansi.Strip(m.render(screenStyles)); !strings.Contains(view, "<AB.0.1003> slow GROW/s=10") {
		t.Errorf("by mailbox growth the busiest should be slow:\n%s", view)
	}
	// enter on a node shows that node's top.
	step(t, m, press(m, "enter"))
	if m.view != viewTop || m.node != "n@localhost" {
		t.Fatalf("enter: view %d node %q, want the top of n@localhost", m.view, m.node)
	}
	if got := catalog.CommonOf(node.lastArgs("process_top")).Node; got != "n@localhost" {
		t.Errorf("the node's top asked node=%q", got)
	}
}

func TestTopBadFlagsSendNothing(t *testing.T) {
	node := &fakeNode{name: "n@localhost", procs: demoProcs()}
	s := startFake(t, node)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--interval", "1s", "--window", "1s"}, "--window (1s) must be shorter than --interval (1s)"},
		{[]string{"--window", "50ms"}, "--window must be between 100ms and 30s"},
		{[]string{"--interval", "100ms"}, "--interval must be at least 200ms"},
		{[]string{"--sort", "memory"}, `--sort must be one of cpu, mailbox_growth`},
		{[]string{"--limit", "-1"}, "--limit must be between 1 and 500"},
		{[]string{"extra"}, `top takes no arguments, got ["extra"]`},
		{[]string{"--json"}, "top shows tables; --json is for call"},
		{[]string{"call", "process_top", "--interval", "5s"}, "--interval is a flag of top, not of call"},
		{[]string{"tools", "--cluster"}, "--cluster is a flag of top, not of tools"},
	} {
		args := append([]string{"--url", s.url(), "top"}, tc.args...)
		if tc.args[0] == "call" || tc.args[0] == "tools" {
			args = append([]string{"--url", s.url()}, tc.args...)
		}
		code, _, stderr := runCmd(t, nil, args...)
		if code != exitUsage || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", tc.args, code, stderr, exitUsage, tc.want)
		}
	}
	if calls := node.toolCalls(); len(calls) > 0 {
		t.Errorf("bad flags reached the server: %v", calls)
	}
}

func TestTopUnreachableSnapshot(t *testing.T) {
	code, _, stderr := runCmd(t, nil, "--url", "http://127.0.0.1:1/mcp", "top")
	if code != exitConnection || !strings.Contains(stderr, "cannot talk to the MCP server at http://127.0.0.1:1/mcp") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

func TestTopStretchesIntervalUnderLoad(t *testing.T) {
	node := &fakeNode{name: "n@localhost", procs: demoProcs(), waitWindow: true}
	s := startFake(t, node)
	m := newTestModel(t, s.url(), func(c *config) { c.top.interval = 2 * time.Second })
	step(t, m, m.Init())
	// Measured on a real answer: process_top's window (1 s, which the fake
	// waits as the real one does) is not counted as work.
	if m.snap.busy <= 0 || m.snap.busy >= m.opts.window {
		t.Errorf("busy %s for a refresh with a %s window: the window was counted, or nothing", m.snap.busy, m.opts.window)
	}
	snap := *m.snap
	snap.busy = 10 * time.Millisecond // 10k processes
	m.apply(&snap)
	if got := m.period(); got != m.opts.interval {
		t.Errorf("a cheap refresh: period %s, want the %s interval", got, m.opts.interval)
	}
	if strings.Contains(ansi.Strip(m.render(screenStyles)), "stretched") {
		t.Error("a cheap refresh says the interval was stretched")
	}
	// A refresh that kept the node busy 400 ms (100k processes) may come
	// back only after 400 ms / 5% = 8 s.
	snap.busy = 400 * time.Millisecond
	m.apply(&snap)
	if got := m.period(); got != 8*time.Second {
		t.Errorf("busy 400ms: period %s, want 8s", got)
	}
	if view := ansi.Strip(m.render(screenStyles)); !strings.Contains(view, "every 8s (stretched from 2s: a refresh keeps the node busy ~400ms, budget 5% of a core)") {
		t.Errorf("the header does not say the interval was stretched:\n%s", view)
	}
	snap.busy = time.Hour
	m.apply(&snap)
	if got := m.period(); got != maxPeriod {
		t.Errorf("busy 1h: period %s, want the %s bound", got, maxPeriod)
	}
}

func TestTopHungServer(t *testing.T) {
	node := &fakeNode{name: "n@localhost", procs: demoProcs(), hang: true, hungEnded: make(chan error, 1)}
	s := startFake(t, node)
	// Each call is bounded by the window and some slack, well under the
	// default --timeout of 2m30s...
	if got := newTestModel(t, s.url(), func(c *config) { c.timeout = defaultTimeout }).src.callTimeout(); got != 150*time.Millisecond+callSlack {
		t.Errorf("call bound %s with the default --timeout, want the window + %s", got, callSlack)
	}
	// ...and by --timeout when that is shorter.
	m := newTestModel(t, s.url(), func(c *config) { c.timeout = 500 * time.Millisecond })
	start := time.Now()
	step(t, m, m.Init())
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("a hung process_top held the refresh %s with --timeout 500ms", took)
	}
	if m.err == nil || !strings.Contains(ansi.Strip(m.render(screenStyles)), "server not answering") {
		t.Errorf("a hung server is not reported: err %v", m.err)
	}
	select {
	case err := <-node.hungEnded:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("the hung call ended with %v on the server, want cancellation by the client", err)
		}
	case <-time.After(5 * time.Second):
		t.Error("the hung call was never cancelled on the server")
	}
}
