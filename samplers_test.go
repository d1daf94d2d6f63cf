package ergomcp_test

import (
	"encoding/json"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"ergo.services/ergo/act"
	"ergo.services/ergo/gen"

	"github.com/ergomcp/ergomcp"
	"github.com/ergomcp/ergomcp/internal/ident"
	"github.com/ergomcp/ergomcp/internal/mcptest"
)

// sampleBatch is a sample_read answer, as far as these tests read it.
type sampleBatch struct {
	Samples []struct {
		Sequence  uint64
		Data      json.RawMessage
		Truncated bool
		Size      int
	}
	SamplerID                  string `json:"sampler_id"`
	LastSequence               uint64 `json:"last_sequence"`
	SamplesTotal               uint64 `json:"samples_total"`
	LastError                  string `json:"last_error"`
	Node, Status, Reason, Note string
	Dropped, Errors            uint64
}

// samplerItem is one sample_list entry.
type samplerItem struct {
	SamplerID   string `json:"sampler_id"`
	Node        string
	Kind        string
	Description string
	TargetNode  string `json:"target_node"`
	PID         string
	Status      string
	Reason      string
	Samples     uint64
	Buffered    int
	Bytes       int
	ByteBudget  int `json:"byte_budget"`
	Errors      uint64
}

type samplerList struct {
	Total         int
	Node          string
	Live          int
	MaxSamplers   int `json:"max_samplers"`
	BytesReserved int `json:"bytes_reserved"`
	MemoryBudget  int `json:"memory_budget"`
	Samplers      []samplerItem
}

// startSampler runs sample_start (or sample_listen when args has no tool)
// and returns the sampler_id and the actor's pid.
func startSampler(s *session, args map[string]any) (id, pid string) {
	s.t.Helper()
	tool := "sample_start"
	if _, ok := args["tool"]; !ok {
		tool = "sample_listen"
	}
	var out struct {
		SamplerID string `json:"sampler_id"`
		PID       string
		Status    string
	}
	s.ok(tool, args, &out)
	if out.SamplerID == "" || out.Status != "running" {
		s.t.Fatalf("%s: %+v", tool, out)
	}
	return out.SamplerID, out.PID
}

func readSamples(s *session, id string, since uint64, node string) sampleBatch {
	s.t.Helper()
	args := map[string]any{"sampler_id": id, "since": since}
	if node != "" {
		args["node"] = node
	}
	var b sampleBatch
	s.ok("sample_read", args, &b)
	return b
}

// waitStatus polls sample_read until the sampler has status.
func waitStatus(s *session, id, status, node string) sampleBatch {
	s.t.Helper()
	var b sampleBatch
	mcptest.WaitFor(s.t, func() bool {
		b = readSamples(s, id, 0, node)
		return b.Status == status
	})
	return b
}

func listSamplers(s *session, node string) samplerList {
	s.t.Helper()
	var l samplerList
	args := map[string]any{}
	if node != "" {
		args["node"] = node
	}
	s.ok("sample_list", args, &l)
	return l
}

func (l samplerList) find(id string) (samplerItem, bool) {
	for _, it := range l.Samplers {
		if it.SamplerID == id {
			return it, true
		}
	}
	return samplerItem{}, false
}

// TestSamplerMailboxTrend samples process_list while a process's mailbox
// grows: the samples show the growth, and polling with last_sequence sees
// every sample exactly once.
func TestSamplerMailboxTrend(t *testing.T) {
	node, s := openSession(t, ergomcp.Options{}, startNode)
	release := make(chan struct{})
	defer close(release)
	pid, err := node.SpawnRegister("sampled_blocker", func() gen.ProcessBehavior { return &blocker{} }, gen.ProcessOptions{}, release)
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var feeding sync.WaitGroup
	feeding.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(15 * time.Millisecond):
				node.Send(pid, i)
			}
		}
	})
	defer func() { close(stop); feeding.Wait() }()

	id, _ := startSampler(s, map[string]any{"tool": "process_list", "arguments": map[string]any{"name": "sampled_blocker"}, "interval_ms": 100})
	var since uint64
	var mailbox []uint64
	seen := map[uint64]bool{}
	for deadline := time.Now().Add(10 * time.Second); len(mailbox) < 12; time.Sleep(120 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("only %d samples in 10 s", len(mailbox))
		}
		b := readSamples(s, id, since, "")
		if b.Dropped != 0 || b.Status != "running" {
			t.Fatalf("read since %d: %+v", since, b)
		}
		for _, x := range b.Samples {
			if seen[x.Sequence] || x.Sequence != since+1 {
				t.Fatalf("sequence %d after %d (seen before: %v)", x.Sequence, since, seen[x.Sequence])
			}
			seen[x.Sequence], since = true, x.Sequence
			var list struct {
				Processes []struct{ MessagesMailbox uint64 }
			}
			if err := json.Unmarshal(x.Data, &list); err != nil || len(list.Processes) != 1 {
				t.Fatalf("sample %d: %v %s", x.Sequence, err, x.Data)
			}
			mailbox = append(mailbox, list.Processes[0].MessagesMailbox)
		}
		if b.LastSequence != since {
			t.Fatalf("last_sequence %d, last sample %d", b.LastSequence, since)
		}
	}
	for i := 1; i < len(mailbox); i++ {
		if mailbox[i] < mailbox[i-1] {
			t.Fatalf("mailbox shrank while nothing was handled: %v", mailbox)
		}
	}
	if mailbox[len(mailbox)-1] < mailbox[0]+20 {
		t.Fatalf("the samples do not show the mailbox growing: %v", mailbox)
	}

	var stopped samplerItem
	s.ok("sample_stop", map[string]any{"sampler_id": id}, &stopped)
	if stopped.Status != "lingering" || stopped.Reason != "stopped" {
		t.Fatalf("after sample_stop: %+v", stopped)
	}
	b := readSamples(s, id, 0, "")
	if b.Status != "lingering" || uint64(len(b.Samples)) != b.SamplesTotal || b.LastSequence < since {
		t.Fatalf("lingering data: %d samples of %d, last %d (read up to %d)", len(b.Samples), b.SamplesTotal, b.LastSequence, since)
	}
	l := listSamplers(s, "")
	if it, ok := l.find(id); !ok || it.Node != string(node.Name()) || it.Kind != "active" || !strings.Contains(it.Description, "process_list") {
		t.Fatalf("sample_list: %+v", l)
	}
}

// TestSamplerEndings ends one sampler each way: count, duration,
// max_errors and sample_stop; each lingers with its data readable.
func TestSamplerEndings(t *testing.T) {
	_, s := openSession(t, ergomcp.Options{}, startNode)
	count, _ := startSampler(s, map[string]any{"tool": "runtime_stats", "interval_ms": 100, "count": 3, "linger_sec": 2})
	duration, _ := startSampler(s, map[string]any{"tool": "process_list", "arguments": map[string]any{"limit": 1}, "interval_ms": 200, "duration_sec": 1})
	failing, _ := startSampler(s, map[string]any{"tool": "process_info", "arguments": map[string]any{"name": "no_such_process"}, "interval_ms": 100, "max_errors": 3})
	stopped, _ := startSampler(s, map[string]any{"tool": "runtime_stats", "interval_ms": 100})

	b := waitStatus(s, count, "lingering", "")
	if b.Reason != "count" || len(b.Samples) != 3 || b.SamplesTotal != 3 || b.Errors != 0 {
		t.Fatalf("count=3: %+v", b)
	}
	b = waitStatus(s, failing, "lingering", "")
	if b.Reason != "max_errors" || b.Errors != 3 || len(b.Samples) != 0 || !strings.Contains(b.LastError, "no_such_process") {
		t.Fatalf("max_errors=3: %+v", b)
	}
	mcptest.WaitFor(t, func() bool { return readSamples(s, stopped, 0, "").SamplesTotal >= 2 })
	s.ok("sample_stop", map[string]any{"sampler_id": stopped}, &samplerItem{})
	b = readSamples(s, stopped, 0, "")
	if b.Status != "lingering" || b.Reason != "stopped" || len(b.Samples) < 2 {
		t.Fatalf("stopped: %+v", b)
	}
	b = waitStatus(s, duration, "lingering", "")
	if b.Reason != "duration" || len(b.Samples) < 3 || len(b.Samples) > 5 {
		t.Fatalf("duration_sec=1 at 200 ms: %+v", b)
	}
	// Lingering data stays readable; sample_read since the last sequence
	// returns nothing new and keeps the cursor.
	if again := readSamples(s, duration, b.LastSequence, ""); len(again.Samples) != 0 || again.LastSequence != b.LastSequence {
		t.Fatalf("re-read of a lingering sampler: %+v", again)
	}
	// After its 2 s linger the count sampler is completed, its data gone.
	b = waitStatus(s, count, "completed", "")
	if len(b.Samples) != 0 || b.Reason != "count" || b.Dropped != 3 || b.Note == "" {
		t.Fatalf("after linger: %+v", b)
	}
	// discard frees a lingering sampler's data at once.
	var discarded samplerItem
	s.ok("sample_stop", map[string]any{"sampler_id": stopped, "discard": true}, &discarded)
	if discarded.Status != "stopped" || discarded.Buffered != 0 {
		t.Fatalf("discarded: %+v", discarded)
	}
	if b = readSamples(s, stopped, 0, ""); b.Status != "stopped" || len(b.Samples) != 0 {
		t.Fatalf("read after discard: %+v", b)
	}
	// The actors are gone once the data is: only the lingering ones remain.
	l := listSamplers(s, "")
	if l.Live != 2 || l.Total != 4 {
		t.Fatalf("live %d of %d listed, want 2 of 4: %+v", l.Live, l.Total, l.Samplers)
	}
}

// TestSamplerWakeUpCatch polls with count=1 max_errors=0: failures are
// counted and shown, never end the sampler, and the first success does.
func TestSamplerWakeUpCatch(t *testing.T) {
	node, s := openSession(t, ergomcp.Options{}, startNode)
	id, _ := startSampler(s, map[string]any{"tool": "process_lookup", "arguments": map[string]any{"name": "late_riser"},
		"interval_ms": 100, "count": 1, "max_errors": 0, "duration_sec": 30})
	mcptest.WaitFor(t, func() bool { return readSamples(s, id, 0, "").Errors >= 3 })
	if b := readSamples(s, id, 0, ""); b.Status != "running" || !strings.Contains(b.LastError, "late_riser") {
		t.Fatalf("while it fails: %+v", b)
	}
	release := make(chan struct{})
	defer close(release)
	if _, err := node.SpawnRegister("late_riser", func() gen.ProcessBehavior { return &blocker{} }, gen.ProcessOptions{}, release); err != nil {
		t.Fatal(err)
	}
	b := waitStatus(s, id, "lingering", "")
	var info struct{ Name string }
	if b.Reason != "count" || len(b.Samples) != 1 || json.Unmarshal(b.Samples[0].Data, &info) != nil || info.Name != "late_riser" || b.LastError == "" {
		t.Fatalf("caught: %+v", b)
	}

	// The recipe itself. ergo 3.1 and the v320 branch do not label
	// goroutines, so the sampler keeps polling and shows why it cannot
	// match; with labels it catches the process when it wakes.
	sleeper, err := node.Spawn(func() gen.ProcessBehavior { return &blocker{} }, gen.ProcessOptions{}, release)
	if err != nil {
		t.Fatal(err)
	}
	var ni struct{ Capabilities struct{ PprofLabels bool } }
	s.ok("node_info", nil, &ni)
	recipe, _ := startSampler(s, map[string]any{"tool": "pprof_goroutines", "arguments": map[string]any{"pid": sleeper.String()},
		"interval_ms": 300, "count": 1, "max_errors": 0, "duration_sec": 30})
	if ni.Capabilities.PprofLabels {
		node.Send(sleeper, "wake") // it blocks in HandleMessage, so it has a goroutine
		if b := waitStatus(s, recipe, "lingering", ""); b.Reason != "count" || len(b.Samples) != 1 {
			t.Fatalf("recipe with labels: %+v", b)
		}
		return
	}
	mcptest.WaitFor(t, func() bool { return readSamples(s, recipe, 0, "").Errors >= 2 })
	if b := readSamples(s, recipe, 0, ""); b.Status != "running" || !strings.Contains(b.LastError, "-tags=pprof") {
		t.Fatalf("recipe without labels: %+v", b)
	}
}

// TestSamplerSelfReference: samplers that call sample_list, sample_read of
// themselves and sample_stop of another neither deadlock nor wait for a
// timeout: they sample at their interval.
func TestSamplerSelfReference(t *testing.T) {
	_, s := openSession(t, ergomcp.Options{}, startNode)
	lister, _ := startSampler(s, map[string]any{"tool": "sample_list", "interval_ms": 100})
	hash := lister[strings.IndexByte(lister, '-')+1:]
	// IDs are issued in order: the next one is this sampler's own.
	self, _ := startSampler(s, map[string]any{"tool": "sample_read", "arguments": map[string]any{"sampler_id": "s2-" + hash}, "interval_ms": 100})
	if self != "s2-"+hash {
		t.Fatalf("unexpected id %s", self)
	}
	victim, _ := startSampler(s, map[string]any{"tool": "runtime_stats", "interval_ms": 100})
	stopper, _ := startSampler(s, map[string]any{"tool": "sample_stop", "arguments": map[string]any{"sampler_id": victim}, "interval_ms": 100, "count": 2})
	start := time.Now()
	mcptest.WaitFor(t, func() bool {
		return readSamples(s, lister, 0, "").SamplesTotal >= 10 && readSamples(s, self, 0, "").SamplesTotal >= 10
	})
	if elapsed := time.Since(start); elapsed > 3*time.Second {
		t.Fatalf("10 samples at 100 ms took %s", elapsed)
	}
	for _, id := range []string{lister, self} {
		if b := readSamples(s, id, 0, ""); b.Errors != 0 {
			t.Fatalf("%s: %+v", id, b)
		}
	}
	if b := waitStatus(s, stopper, "lingering", ""); b.Reason != "count" || b.Errors != 0 {
		t.Fatalf("stopper: %+v", b)
	}
	if b := readSamples(s, victim, 0, ""); b.Status != "lingering" || b.Reason != "stopped" {
		t.Fatalf("victim: %+v", b)
	}
	// The self-reader's samples are its own sample_read answers.
	var own sampleBatch
	b := readSamples(s, self, 0, "")
	if err := json.Unmarshal(b.Samples[len(b.Samples)-1].Data, &own); err != nil || own.SamplerID != self || own.Status != "running" {
		t.Fatalf("self sample: %v %+v", err, own)
	}
}

// noisy logs at three levels and publishes an event for each message.
type noisy struct {
	act.Actor
	token gen.Ref
	ready chan struct{}
}

func (n *noisy) Init(args ...any) error {
	n.ready = args[0].(chan struct{})
	return n.Send(n.PID(), "register")
}

func (n *noisy) HandleMessage(from gen.PID, message any) error {
	if message == "register" {
		token, err := n.RegisterEvent("noisy_event", gen.EventOptions{})
		n.token = token
		close(n.ready)
		return err
	}
	n.Log().Info("noisy info %d", 0)
	n.Log().Warning("noisy warning %d", 1)
	n.Log().Error("noisy error %s", "two")
	return n.SendEvent("noisy_event", n.token, fmt.Sprintf("payload-%v", message))
}

// TestSamplerListen: a passive sampler records warning and error logs of a
// process (not info), an event publication and a message sent to it.
func TestSamplerListen(t *testing.T) {
	node, s := openSession(t, ergomcp.Options{}, startNode)
	ready := make(chan struct{})
	pid, err := node.Spawn(func() gen.ProcessBehavior { return &noisy{} }, gen.ProcessOptions{}, ready)
	if err != nil {
		t.Fatal(err)
	}
	<-ready
	id, samplerPID := startSampler(s, map[string]any{"log_levels": []string{"warning", "error"}, "log_source": "process",
		"event": "noisy_event", "messages": true, "duration_sec": 30})
	node.Send(pid, "one")
	sp := localPID(t, node, samplerPID)
	if err := node.Send(sp, "hello sampler"); err != nil {
		t.Fatal(err)
	}

	type record struct {
		Kind, Level, Source, PID, Message, Event, Type, From string
	}
	var got []record
	mcptest.WaitFor(t, func() bool {
		b := readSamples(s, id, 0, "")
		got = got[:0]
		for _, x := range b.Samples {
			var r record
			if err := json.Unmarshal(x.Data, &r); err != nil {
				t.Fatalf("sample %s: %v", x.Data, err)
			}
			got = append(got, r)
		}
		return len(got) >= 4
	})
	var warning, errorLog, event, message bool
	for _, r := range got {
		switch {
		case r.Kind == "log" && r.Level == "info":
			t.Fatalf("info log recorded: %+v", r)
		case r.Kind == "log":
			if r.Source != "process" || r.PID != pid.String() {
				t.Fatalf("log record %+v", r)
			}
			warning = warning || (r.Level == "warning" && r.Message == "noisy warning 1")
			errorLog = errorLog || (r.Level == "error" && r.Message == "noisy error two")
		case r.Kind == "event":
			event = r.Event == "noisy_event" && r.Message == "payload-one"
		case r.Kind == "message":
			message = r.Message == "hello sampler" && r.Type == "string"
		}
	}
	if !warning || !errorLog || !event || !message {
		t.Fatalf("warning %v error %v event %v message %v in %+v", warning, errorLog, event, message, got)
	}
	l := listSamplers(s, "")
	if it, _ := l.find(id); it.Kind != "passive" || it.PID != samplerPID || !strings.Contains(it.Description, "noisy_event") {
		t.Fatalf("listed: %+v", it)
	}
	loggerName := "ergomcp_sampler_" + id
	if !hasLogger(node, loggerName) {
		t.Fatalf("sampler is not a logger: %v", node.Loggers())
	}
	s.ok("sample_stop", map[string]any{"sampler_id": id}, &samplerItem{})
	// Once stopped it lets go of the logger and records nothing more.
	mcptest.WaitFor(t, func() bool { return !hasLogger(node, loggerName) })
	node.Send(pid, "two")
	node.Send(sp, "too late")
	time.Sleep(100 * time.Millisecond)
	if b := readSamples(s, id, 0, ""); b.Status != "lingering" || len(b.Samples) != len(got) {
		t.Fatalf("after stop: %d samples, had %d: %+v", len(b.Samples), len(got), b)
	}
}

func hasLogger(node gen.Node, name string) bool {
	for _, l := range node.Loggers() {
		if l == name {
			return true
		}
	}
	return false
}

// localPID turns a PID of node printed as text back into a gen.PID,
// without reading the process table (whose counters ergo updates without
// synchronisation while the test's actors run).
func localPID(t *testing.T, node gen.Node, text string) gen.PID {
	t.Helper()
	p, err := ident.ParsePID(text)
	if err != nil || p.NodeHash != ident.NodeHash(string(node.Name())) {
		t.Fatalf("%s is not a PID of %s: %v", text, node.Name(), err)
	}
	return gen.PID{Node: node.Name(), ID: p.ID, Creation: node.Creation()}
}

// TestSamplerCeilings: requests over a ceiling are refused with a clear
// error before anything runs; an oversized sample is stored truncated.
func TestSamplerCeilings(t *testing.T) {
	opts := ergomcp.Options{MaxSamplers: 3, SamplerBytes: 64 << 10, SamplerMemory: 160 << 10}
	_, s := openSession(t, opts, startNode)
	for _, c := range []struct {
		args map[string]any
		want string
	}{
		{map[string]any{"tool": "runtime_stats", "interval_ms": 50}, "interval_ms must be between 100 and"},
		{map[string]any{"tool": "runtime_stats", "buffer_size": 5000}, "buffer_size must be between 1 and 4096"},
		{map[string]any{"tool": "runtime_stats", "duration_sec": 3601}, "duration_sec must be between 1 and 3600"},
		{map[string]any{"tool": "runtime_stats", "linger_sec": 601}, "linger_sec must be between 1 and 600"},
		{map[string]any{"tool": "runtime_stats", "count": -1}, "count must be between 0 and"},
		{map[string]any{"tool": "runtime_stats", "max_errors": -1}, "max_errors must be between 0 and"},
		{map[string]any{"tool": "no_such_tool"}, `unknown tool "no_such_tool"`},
		{map[string]any{"tool": "sample_start"}, "samplers do not start samplers"},
		{map[string]any{"tool": "process_list", "arguments": map[string]any{"limit": "ten"}}, "arguments for process_list"},
		{map[string]any{}, "tool is required"},
	} {
		s.fail("sample_start", c.args, c.want)
	}
	s.fail("sample_listen", map[string]any{}, "needs something to record")
	s.fail("sample_listen", map[string]any{"log_levels": "loud"}, "log_levels")
	s.fail("sample_listen", map[string]any{"log_source": []string{"kernel"}}, "log_source")
	s.fail("sample_listen", map[string]any{"event": "no_such_event"}, "no_such_event")
	s.fail("sample_read", map[string]any{"sampler_id": "s77-00000000"}, "belongs to another node")
	if l := listSamplers(s, ""); l.Total != 0 {
		t.Fatalf("refused requests left samplers behind: %+v", l)
	}

	// 64 KiB per sampler, 160 KiB in all, 3 samplers.
	big, _ := startSampler(s, map[string]any{"tool": "pprof_goroutines", "arguments": map[string]any{"debug": 2}, "buffer_size": 4096, "interval_ms": 100})
	startSampler(s, map[string]any{"tool": "runtime_stats", "buffer_size": 4096})
	s.fail("sample_start", map[string]any{"tool": "runtime_stats", "buffer_size": 4096}, "Options.SamplerMemory")
	startSampler(s, map[string]any{"tool": "runtime_stats", "buffer_size": 2})
	s.fail("sample_listen", map[string]any{"messages": true, "buffer_size": 1}, "Options.MaxSamplers")

	// Every goroutine's stack is more than a 64 KiB sampler's share
	// (8 KiB) of a sample: it is stored truncated, marked, with its size.
	mcptest.WaitFor(t, func() bool { return readSamples(s, big, 0, "").SamplesTotal >= 10 })
	b := readSamples(s, big, 0, "")
	x := b.Samples[0]
	var text string
	if !x.Truncated || x.Size <= 8<<10 || json.Unmarshal(x.Data, &text) != nil || !strings.HasPrefix(text, `{`) || len(x.Data) > 8<<10 {
		t.Fatalf("oversized sample: truncated %v size %d", x.Truncated, x.Size)
	}
	l := listSamplers(s, "")
	if l.Live != 3 || l.MaxSamplers != 3 || l.MemoryBudget != 160<<10 || l.BytesReserved > l.MemoryBudget {
		t.Fatalf("usage: %+v", l)
	}
	for _, it := range l.Samplers {
		if it.Bytes > it.ByteBudget || it.ByteBudget > 64<<10 {
			t.Fatalf("sampler over its budget: %+v", it)
		}
	}
	// Stopping with discard frees a place at once.
	s.ok("sample_stop", map[string]any{"sampler_id": big, "discard": true}, &samplerItem{})
	startSampler(s, map[string]any{"tool": "runtime_stats", "buffer_size": 4096})

	for _, bad := range []ergomcp.Options{{MaxSamplers: -1}, {SamplerBytes: 1000}, {SamplerBytes: 1 << 20, SamplerMemory: 1 << 19}} {
		if _, err := startNode(t, bad); err == nil || !strings.Contains(err.Error(), "Options.Sampler") && !strings.Contains(err.Error(), "Options.MaxSamplers") {
			t.Errorf("%+v: %v", bad, err)
		}
	}
}

// TestSamplersUnderLoad runs the default ceiling of 32 samplers at 100 ms
// for 10 s: all sample, a 33rd is refused, and memory stays inside the
// budget.
func TestSamplersUnderLoad(t *testing.T) {
	const budget = 8 << 20
	_, s := openSession(t, ergomcp.Options{SamplerBytes: 256 << 10, SamplerMemory: budget}, startNode)
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	tools := []map[string]any{
		{"tool": "process_list", "arguments": map[string]any{"limit": 20}},
		{"tool": "runtime_stats"},
		{"tool": "process_list", "arguments": map[string]any{"sort_by": "mailbox", "limit": 5}},
		{"tool": "sample_list"},
	}
	ids := make([]string, 32)
	for i := range ids {
		args := map[string]any{"interval_ms": 100, "duration_sec": 10, "buffer_size": 4096}
		for k, v := range tools[i%len(tools)] {
			args[k] = v
		}
		ids[i], _ = startSampler(s, args)
	}
	s.fail("sample_start", map[string]any{"tool": "runtime_stats"}, "Options.MaxSamplers")
	time.Sleep(9 * time.Second)
	l := listSamplers(s, "")
	var during runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&during)
	if l.Live != 32 || l.BytesReserved > budget {
		t.Fatalf("usage: live %d, reserved %d of %d", l.Live, l.BytesReserved, budget)
	}
	used := 0
	for _, it := range l.Samplers {
		used += it.Bytes
		if it.Bytes > it.ByteBudget || it.Errors != 0 || it.Samples < 30 {
			t.Fatalf("sampler %+v", it)
		}
	}
	if used > budget {
		t.Fatalf("buffers hold %d bytes, over the budget of %d", used, budget)
	}
	// The heap grows by the buffers plus slack for the calls in flight
	// and the test's own garbage, never by more than the budget allows.
	if grown := int64(during.HeapAlloc) - int64(before.HeapAlloc); grown > budget+24<<20 {
		t.Fatalf("heap grew by %d MiB with a sampler budget of %d MiB", grown>>20, budget>>20)
	}
	for _, id := range ids {
		if b := waitStatus(s, id, "lingering", ""); b.Reason != "duration" {
			t.Fatalf("%s: %+v", id, b)
		}
	}
}

// TestSamplerProxied starts, reads, lists and stops a sampler on another
// node through the entry node, and samples a peer from a local sampler.
func TestSamplerProxied(t *testing.T) {
	port := mcptest.FreePort(t)
	entry := startNetNode(t, "sentry", ergomcp.Options{Port: port})
	peer := startNetNode(t, "speer", ergomcp.Options{})
	s := &session{t: t, s: mcptest.Connect(t, mcptest.URL(port), "")}
	peerName := string(peer.Name())

	// Tools that read the peer's process table would race (inside ergo)
	// with the peer answering these very calls; runtime_stats and
	// node_info read nothing of the kind.
	id, pid := startSampler(s, map[string]any{"node": peerName, "tool": "runtime_stats", "interval_ms": 100, "count": 3})
	if !strings.HasPrefix(pid, "<"+peer.PID().String()[1:9]) {
		t.Fatalf("sampler actor %s is not on the peer", pid)
	}
	b := waitStatus(s, id, "lingering", peerName)
	if b.Reason != "count" || len(b.Samples) != 3 || b.Node != peerName {
		t.Fatalf("proxied read: %+v", b)
	}
	if it, ok := listSamplers(s, peerName).find(id); !ok || it.Node != peerName {
		t.Fatalf("sample_list node=peer: %+v", it)
	}
	if _, ok := listSamplers(s, "").find(id); ok {
		t.Fatal("the peer's sampler is listed on the entry node")
	}
	s.fail("sample_read", map[string]any{"sampler_id": id}, peerName, "node=")
	var stopped samplerItem
	s.ok("sample_stop", map[string]any{"sampler_id": id, "node": peerName, "discard": true}, &stopped)
	if stopped.Status != "completed" || stopped.Node != peerName {
		t.Fatalf("proxied stop: %+v", stopped)
	}

	// A local sampler whose tool runs on the peer.
	local, _ := startSampler(s, map[string]any{"tool": "node_info", "arguments": map[string]any{"node": peerName}, "interval_ms": 100, "count": 2})
	b = waitStatus(s, local, "lingering", "")
	var ni struct{ Name string }
	if b.Node != string(entry.Name()) || len(b.Samples) != 2 || json.Unmarshal(b.Samples[1].Data, &ni) != nil || ni.Name != peerName {
		t.Fatalf("local sampler of the peer: %+v", b)
	}
	if it, _ := listSamplers(s, "").find(local); it.TargetNode != peerName {
		t.Fatalf("target_node: %+v", it)
	}
}
