package ergomcp_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"ergo.services/ergo/act"
	"ergo.services/ergo/gen"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/ergomcp/ergomcp"
	"github.com/ergomcp/ergomcp/internal/catalog"
	"github.com/ergomcp/ergomcp/internal/ident"
	"github.com/ergomcp/ergomcp/internal/mcptest"
	"github.com/ergomcp/ergomcp/internal/result"
	"github.com/ergomcp/ergomcp/sampler"
	"github.com/ergomcp/ergomcp/tools"
)

// benchSessions is how many MCP sessions call at once in the concurrent
// benchmarks and the load test.
const benchSessions = 100

// BenchmarkToolCall measures one small tool call (process_state of a
// process, by PID) over Streamable HTTP through the whole app: go-sdk
// client, HTTP, ergomcp's handler (auth, decode, policy, deadline, audit),
// the dispatcher and a worker process, and back. Its floor is a bare
// go-sdk server (mcp.NewServer + NewStreamableHTTPHandler on httptest)
// whose tool does the same work (parse the PID, Node.ProcessState, encode
// PID and state as JSON) on the HTTP goroutine. Both are measured in the
// same run with the same client transport; p50 and p99 are per call.
//
// serial: one session, one call at a time. parallel100: 100 sessions,
// each its own go-sdk client session, calling at once; ns/op is then the
// throughput cost per call and the percentiles are per-call latency under
// that load.
func BenchmarkToolCall(b *testing.B) {
	node, url := benchApp(b, ergomcp.Options{})
	target := spawnIdle(b, node)
	bare := bareServer(b, node)
	sides := []struct{ name, url string }{{"bare_gosdk", bare}, {"ergomcp", url}}
	args := map[string]any{"pid": target.String()}

	for _, side := range sides {
		b.Run("serial/"+side.name, func(b *testing.B) {
			s := benchSession(b, side.url)
			benchCall(b, s, args) // warm the connection
			lat := make([]time.Duration, 0, 1<<16)
			b.ReportAllocs()
			for b.Loop() {
				start := time.Now()
				benchCall(b, s, args)
				lat = append(lat, time.Since(start))
			}
			reportPercentiles(b, lat)
		})
	}
	for _, side := range sides {
		b.Run(fmt.Sprintf("parallel%d/%s", benchSessions, side.name), func(b *testing.B) {
			sessions := make([]*mcp.ClientSession, benchSessions)
			for i := range sessions {
				sessions[i] = benchSession(b, side.url)
				benchCall(b, sessions[i], args)
			}
			lat := parallelCalls(b, sessions, args, b.N)
			reportPercentiles(b, lat)
		})
	}
}

// parallelCalls runs n calls spread over sessions, one goroutine per
// session, and returns every call's latency. The benchmark timer covers
// exactly the calls.
func parallelCalls(b *testing.B, sessions []*mcp.ClientSession, args map[string]any, n int) []time.Duration {
	var (
		next atomic.Int64
		mu   sync.Mutex
		all  = make([]time.Duration, 0, n)
		wg   sync.WaitGroup
		errs = make(chan error, 1)
	)
	b.ReportAllocs()
	b.ResetTimer()
	for _, s := range sessions {
		wg.Go(func() {
			var mine []time.Duration
			for next.Add(1) <= int64(n) {
				start := time.Now()
				if err := tryCall(s, args); err != nil {
					select {
					case errs <- err:
					default:
					}
					return
				}
				mine = append(mine, time.Since(start))
			}
			mu.Lock()
			all = append(all, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	b.StopTimer()
	select {
	case err := <-errs:
		b.Fatal(err)
	default:
	}
	return all
}

// reportPercentiles adds the p50 and p99 of lat, in µs, to the
// benchmark's output.
func reportPercentiles(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	at := func(p int) float64 {
		return float64(lat[min(len(lat)-1, len(lat)*p/100)].Nanoseconds()) / 1e3
	}
	b.ReportMetric(at(50), "p50-µs")
	b.ReportMetric(at(99), "p99-µs")
}

// benchCall calls process_state and fails on any error: a benchmark of
// calls that do not succeed measures nothing.
func benchCall(b testing.TB, s *mcp.ClientSession, args map[string]any) {
	if err := tryCall(s, args); err != nil {
		b.Fatal(err)
	}
}

// tryCall is benchCall for goroutines other than the benchmark's, which
// must not call Fatal.
func tryCall(s *mcp.ClientSession, args map[string]any) error {
	res, err := s.CallTool(context.Background(), &mcp.CallToolParams{Name: "process_state", Arguments: args})
	if err != nil {
		return fmt.Errorf("process_state: %w", err)
	}
	if res.IsError {
		return fmt.Errorf("process_state: %s", res.Content[0].(*mcp.TextContent).Text)
	}
	return nil
}

// benchApp starts a node with ergomcp serving HTTP on a free port.
func benchApp(tb testing.TB, opts ergomcp.Options) (gen.Node, string) {
	tb.Helper()
	opts.Port = mcptest.FreePort(tb)
	node, err := newNode(tb, opts, func(*gen.NodeOptions) {})
	if err != nil {
		tb.Fatal(err)
	}
	return node, mcptest.URL(opts.Port)
}

func spawnIdle(tb testing.TB, node gen.Node) gen.PID {
	tb.Helper()
	pid, err := node.Spawn(func() gen.ProcessBehavior { return &blocker{} }, gen.ProcessOptions{}, make(chan struct{}))
	if err != nil {
		tb.Fatal(err)
	}
	return pid
}

// benchTransport is the client transport of every benchmark session: one
// pool with room for every session's connections, so that neither side
// pays for connections the default transport (2 idle per host) would
// close and reopen.
var benchTransport = sync.OnceValue(func() *http.Transport {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = 4 * benchSessions
	tr.MaxIdleConnsPerHost = 4 * benchSessions
	return tr
})

// benchSession opens a go-sdk client session, closed at the end of tb.
func benchSession(tb testing.TB, url string) *mcp.ClientSession {
	tb.Helper()
	return mcptest.Client{HTTP: &http.Client{Transport: benchTransport()}}.Connect(tb, url)
}

// bareServer serves the floor of BenchmarkToolCall: a go-sdk server with
// a process_state tool that does what ergomcp's does, minus ergomcp.
func bareServer(tb testing.TB, node gen.Node) string {
	tb.Helper()
	server := mcp.NewServer(&mcp.Implementation{Name: "bare", Version: "1"}, &mcp.ServerOptions{
		Capabilities: &mcp.ServerCapabilities{Tools: &mcp.ToolCapabilities{}},
	})
	schema := json.RawMessage(`{"type":"object","properties":{"pid":{"type":"string"}},"required":["pid"]}`)
	hash := ident.NodeHash(string(node.Name()))
	server.AddTool(&mcp.Tool{Name: "process_state", InputSchema: schema}, func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		var args struct {
			PID string `json:"pid"`
		}
		if err := json.Unmarshal(req.Params.Arguments, &args); err != nil {
			return nil, err
		}
		p, err := ident.ParsePID(args.PID)
		if err != nil || p.NodeHash != hash {
			return nil, fmt.Errorf("bad pid %q", args.PID)
		}
		pid := gen.PID{Node: node.Name(), ID: p.ID, Creation: node.Creation()}
		state, err := node.ProcessState(pid)
		if err != nil {
			return nil, err
		}
		text, err := json.Marshal(map[string]string{"PID": pid.String(), "State": state.String()})
		if err != nil {
			return nil, err
		}
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: string(text)}}}, nil
	})
	srv := httptest.NewServer(mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return server }, nil))
	tb.Cleanup(srv.Close)
	return srv.URL
}

// samplerMix is what the samplers of BenchmarkSamplers call, the same mix
// as TestSamplersUnderLoad: small listings, runtime stats, sample_list.
var samplerMix = []map[string]any{
	{"tool": "process_list", "arguments": map[string]any{"limit": 20}},
	{"tool": "runtime_stats"},
	{"tool": "process_list", "arguments": map[string]any{"sort_by": "mailbox", "limit": 5}},
	{"tool": "sample_list"},
}

// BenchmarkSamplers measures what 32 samplers at 10 Hz cost a node beside
// the same node idle: the process's CPU time (user + system, getrusage)
// over a fixed wall interval, as a share of one core and per sample, and
// the heap in use after GC, against the sampler memory budget
// (Options.SamplerMemory). Buffers hold 32 samples, so they are full
// (steady state) before the measurement starts. Each iteration takes
// samplerWindow; run with -benchtime=1x.
//
// The floor of each mix is the same tool calls at the same rate with no
// sampler: one process calls them in a plain loop through the tool runtime
// (tools.Server.Run, what a sampler calls) with the arguments decoded
// once, sleeping until the next call is due; sample_list there lists a
// registry holding 32 samplers with full buffers, as the real one does.
// The difference is the sampler machinery: timers, messages to the actors,
// call contexts, storing the samples.
func BenchmarkSamplers(b *testing.B) {
	mix := func(testing.TB, gen.Node) []map[string]any { return samplerMix }
	// "state": every sampler calls process_state of one process, about the
	// cheapest tool, so what is left is mostly the samplers' own machinery.
	// By name, on ergo 3.1 the tool walks the process table to find it
	// (3.1 has no name index); by PID it reads the process's state only.
	byName := func(testing.TB, gen.Node) []map[string]any {
		return []map[string]any{{"tool": "process_state", "arguments": map[string]any{"name": "ergomcp_sup"}}}
	}
	byPID := func(tb testing.TB, node gen.Node) []map[string]any {
		return []map[string]any{{"tool": "process_state", "arguments": map[string]any{"pid": spawnIdle(tb, node).String()}}}
	}
	for _, v := range []struct {
		samplers int
		mix      func(testing.TB, gen.Node) []map[string]any
		floor    bool
		name     string
	}{
		{0, nil, false, "idle_node"},
		{32, mix, false, "32_samplers_10Hz_mix"},
		{32, mix, true, "floor_direct_calls_320Hz_mix"},
		{32, byName, false, "32_samplers_10Hz_state"},
		{32, byName, true, "floor_direct_calls_320Hz_state"},
		{32, byPID, false, "32_samplers_10Hz_state_pid"},
		{32, byPID, true, "floor_direct_calls_320Hz_state_pid"},
	} {
		b.Run(v.name, func(b *testing.B) {
			if v.floor {
				benchSamplerFloor(b, v.samplers, v.mix)
				return
			}
			benchSamplers(b, v.samplers, v.mix)
		})
	}
}

// samplerWindow is the wall time of one BenchmarkSamplers measurement.
const samplerWindow = 5 * time.Second

func benchSamplers(b *testing.B, samplers int, mixOf func(testing.TB, gen.Node) []map[string]any) {
	node, url := benchApp(b, ergomcp.Options{})
	s := benchSession(b, url)
	var mix []map[string]any
	if mixOf != nil {
		mix = mixOf(b, node)
	}
	heapIdle := heapInUse()
	for i := range samplers {
		args := map[string]any{"interval_ms": 100, "duration_sec": 600, "buffer_size": 32}
		for k, v := range mix[i%len(mix)] {
			args[k] = v
		}
		res, err := s.CallTool(context.Background(), &mcp.CallToolParams{Name: "sample_start", Arguments: args})
		if err != nil || res.IsError {
			b.Fatalf("sample_start: %v %+v", err, res)
		}
	}
	time.Sleep(4 * time.Second) // 40 samples each: buffers full
	var usage struct {
		Live          int
		BytesReserved int `json:"bytes_reserved"`
		MemoryBudget  int `json:"memory_budget"`
		Samplers      []struct{ Bytes, Samples, Errors int }
	}
	res, err := s.CallTool(context.Background(), &mcp.CallToolParams{Name: "sample_list"})
	if err != nil || res.IsError || json.Unmarshal([]byte(res.Content[0].(*mcp.TextContent).Text), &usage) != nil || usage.Live != samplers {
		b.Fatalf("sample_list: %v %+v", err, res)
	}
	held := 0
	for _, it := range usage.Samplers {
		held += it.Bytes
		if it.Errors > 0 {
			b.Fatalf("sampler errors: %+v", it)
		}
	}
	var cpu time.Duration
	for b.Loop() {
		cpu = cpuDuring(samplerWindow)
	}
	reportSamplerCPU(b, cpu, samplers)
	b.ReportMetric(float64(int64(heapInUse())-int64(heapIdle))/(1<<20), "heap-delta-MiB")
	b.ReportMetric(float64(held)/(1<<20), "buffers-MiB")
	b.ReportMetric(float64(usage.BytesReserved)/(1<<20), "reserved-MiB")
	b.ReportMetric(float64(usage.MemoryBudget)/(1<<20), "budget-MiB")
}

// reportSamplerCPU reports cpu over samplerWindow as a share of one core
// and, with samplers at 10 Hz, per call.
func reportSamplerCPU(b *testing.B, cpu time.Duration, samplers int) {
	b.ReportMetric(100*cpu.Seconds()/samplerWindow.Seconds(), "%core")
	if samplers > 0 {
		calls := float64(samplers) * 10 * samplerWindow.Seconds()
		b.ReportMetric(float64(cpu.Microseconds())/calls, "cpu-us/call")
	}
}

// floorJob is one call of the floor: a tool and its decoded arguments.
type floorJob struct {
	tool *catalog.Tool
	args any
}

// floorRunner makes the floor's calls from one process: on a message
// carrying the end time, it calls the jobs in turn, one every period,
// until then, and reports the calls that failed on done.
type floorRunner struct {
	act.Actor
	rt     *tools.Server
	jobs   []floorJob
	period time.Duration
	done   chan int
}

func (f *floorRunner) Init(args ...any) error {
	f.rt, f.jobs, f.period, f.done = args[0].(*tools.Server), args[1].([]floorJob), args[2].(time.Duration), args[3].(chan int)
	return nil
}

func (f *floorRunner) HandleMessage(from gen.PID, message any) error {
	until, failed := message.(time.Time), 0
	next := time.Now()
	for i := 0; next.Before(until); i++ {
		job := f.jobs[i%len(f.jobs)]
		if res, _ := f.rt.Run(context.Background(), f, &catalog.Call{Tool: job.tool, Args: job.args, Caller: "floor"}); res.IsError {
			failed++
		}
		next = next.Add(f.period)
		time.Sleep(time.Until(next))
	}
	f.done <- failed
	return nil
}

func benchSamplerFloor(b *testing.B, samplers int, mixOf func(testing.TB, gen.Node) []map[string]any) {
	node, _ := benchApp(b, ergomcp.Options{})
	mix := mixOf(b, node)
	rt := tools.NewServer(node, tools.Builtins(), catalog.Policy{}, result.DefaultBudget)
	rt.Samplers = sampler.NewRegistry(string(node.Name()), sampler.Limits{ReadBudget: result.DefaultBudget})
	settings, err := sampler.Params{IntervalMs: 100, DurationSec: 600, BufferSize: 32}.Settings(true)
	if err != nil {
		b.Fatal(err)
	}
	jobs := make([]floorJob, samplers)
	for i := range jobs {
		m := mix[i%len(mix)]
		served, ok := rt.Tools.Lookup(m["tool"].(string))
		if !ok {
			b.Fatalf("no tool %v", m["tool"])
		}
		desc := m["tool"].(string)
		var raw []byte
		if a, ok := m["arguments"]; ok {
			raw, _ = json.Marshal(a)
			desc += " " + string(raw)
		}
		args, err := served.Decode(raw)
		if err != nil {
			b.Fatalf("%v: %v", m, err)
		}
		jobs[i] = floorJob{tool: served.Tool, args: args}
		if _, err := rt.Samplers.Reserve(sampler.Spec{Kind: sampler.Active, Description: desc + " every 100ms",
			Settings: settings}, time.Now()); err != nil {
			b.Fatal(err)
		}
	}
	done := make(chan int, 1)
	pid, err := node.Spawn(func() gen.ProcessBehavior { return &floorRunner{} }, gen.ProcessOptions{},
		rt, jobs, 100*time.Millisecond/time.Duration(samplers), done)
	if err != nil {
		b.Fatal(err)
	}
	// Fill the listed samplers' buffers with what their tools return, as
	// the real ones hold after the warm-up.
	if err := node.Send(pid, time.Now().Add(time.Second)); err != nil {
		b.Fatal(err)
	}
	<-done
	items, _ := rt.Samplers.List(time.Now())
	for i, it := range items {
		var sum struct {
			ID string `json:"sampler_id"`
		}
		if err := json.Unmarshal(it, &sum); err != nil {
			b.Fatal(err)
		}
		e, err := rt.Samplers.Get(sum.ID, time.Now())
		if err != nil {
			b.Fatal(err)
		}
		job := jobs[i%len(jobs)]
		res := rt.RunDirect(context.Background(), node, &catalog.Call{Tool: job.tool, Args: job.args})
		if res.IsError {
			b.Fatalf("%s: %s", job.tool.Name, res.Text)
		}
		for range 32 {
			e.Record(time.Now(), time.Now(), []byte(res.Text))
		}
	}
	var cpu time.Duration
	for b.Loop() {
		if err := node.Send(pid, time.Now().Add(samplerWindow+500*time.Millisecond)); err != nil {
			b.Fatal(err)
		}
		time.Sleep(250 * time.Millisecond) // the loop is running
		cpu = cpuDuring(samplerWindow)
		if failed := <-done; failed > 0 {
			b.Fatalf("%d floor calls failed", failed)
		}
	}
	reportSamplerCPU(b, cpu, samplers)
}

// cpuDuring is the CPU time (user + system) the whole process spends
// during a wall interval d.
func cpuDuring(d time.Duration) time.Duration {
	before := processCPU()
	time.Sleep(d)
	return processCPU() - before
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// heapInUse is HeapInuse right after a collection.
func heapInUse() uint64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}
