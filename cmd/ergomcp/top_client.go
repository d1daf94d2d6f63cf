package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// topSource makes the calls the top view shows, over one MCP session that
// it opens again after the server went away (restarted, network cut): the
// view keeps running and says it is waiting instead of exiting. Safe for
// concurrent use: a detail fetch may overlap a refresh.
type topSource struct {
	cfg config

	mu   sync.Mutex
	cs   *mcp.ClientSession
	base *http.Transport
	// What tools/list said on the last connect.
	topFormat  bool // process_top takes format (issue 17's compact encoding): ask for records
	hasHistory bool // node_history is served
}

// errNoSession wraps a failure to reach the server: the next call
// reconnects.
var errNoSession = errors.New("not connected")

// toolFailure is a result the tool marked isError: the server is there,
// the call was refused (unknown node, process gone).
type toolFailure struct{ tool, text string }

func (e *toolFailure) Error() string { return e.tool + ": " + e.text }

// callSlack is how much longer than the window a call may take before
// the view calls the server unresponsive: two walks of a million-process
// table take a few seconds, and process_inspect gives up after 5 s.
const callSlack = 20 * time.Second

func newTopSource(cfg config) *topSource { return &topSource{cfg: cfg} }

// callTimeout bounds each call: --timeout, or less, so that a hung node
// shows as not answering within seconds rather than after 2m30s.
func (s *topSource) callTimeout() time.Duration {
	return min(s.cfg.timeout, s.cfg.top.window+callSlack)
}

// session returns the open session, connecting (and reading tools/list)
// when there is none.
func (s *topSource) session(ctx context.Context) (cs *mcp.ClientSession, fresh bool, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cs != nil {
		return s.cs, false, nil
	}
	cs, _, base, err := dial(ctx, s.cfg, nil)
	if err != nil {
		return nil, false, fmt.Errorf("%w: %w", errNoSession, err)
	}
	tools, err := fetchTools(ctx, cs)
	if err != nil {
		cs.Close()
		base.CloseIdleConnections()
		return nil, false, fmt.Errorf("%w: tools/list: %w", errNoSession, err)
	}
	if _, err := findTool(tools, "process_top"); err != nil {
		cs.Close()
		base.CloseIdleConnections()
		return nil, false, fmt.Errorf("this server has no process_top tool; ergomcp top needs it")
	}
	s.topFormat, s.hasHistory = false, false
	for _, t := range tools {
		switch t.Name {
		case "process_top":
			if sch, err := inputSchema(t); err == nil && sch.Properties["format"] != nil {
				s.topFormat = true
			}
		case "node_history":
			s.hasHistory = true
		}
	}
	s.cs, s.base = cs, base
	return cs, true, nil
}

// drop forgets a session that failed, so that the next call dials again.
func (s *topSource) drop(cs *mcp.ClientSession) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cs != cs {
		return // another caller dropped it already
	}
	s.cs = nil
	go func(cs *mcp.ClientSession, base *http.Transport) {
		// The server may be gone: closing sends a DELETE that can wait;
		// nobody needs its answer.
		cs.Close()
		base.CloseIdleConnections()
	}(cs, s.base)
}

// close ends the session; the source is not used afterwards.
func (s *topSource) close() {
	s.mu.Lock()
	cs, base := s.cs, s.base
	s.cs = nil
	s.mu.Unlock()
	if cs != nil {
		done := make(chan struct{})
		go func() { cs.Close(); close(done) }()
		select {
		case <-done:
		case <-time.After(cancelGrace):
		}
		base.CloseIdleConnections()
	}
}

// capabilities reports what tools/list said; false before the first
// connect.
func (s *topSource) capabilities() (topFormat, hasHistory bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.topFormat, s.hasHistory
}

// call runs one tool and returns its text. Every call is bounded by
// --timeout as well as by ctx.
func (s *topSource) call(ctx context.Context, tool string, args map[string]any) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, s.callTimeout())
	defer cancel()
	for {
		cs, fresh, err := s.session(ctx)
		if err != nil {
			return "", err
		}
		res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: tool, Arguments: args})
		if err != nil {
			s.drop(cs)
			if !fresh && ctx.Err() == nil {
				// The session was opened before: a server that restarted
				// forgot it. Once more on a new one, which fails for good
				// if the server is really gone.
				continue
			}
			return "", fmt.Errorf("%w: %s: %w", errNoSession, tool, err)
		}
		text := resultText(res)
		if res.IsError {
			return "", &toolFailure{tool: tool, text: text}
		}
		return text, nil
	}
}

// refreshReq is what one refresh asks for.
type refreshReq struct {
	node    string // "" for the node serving the endpoint
	sortBy  string
	limit   int
	window  time.Duration
	info    bool // node_info too (it stops the world on ergo 3.1/3.2: not every refresh)
	history bool // node_history too, when served
}

// topArgs are process_top's arguments for one refresh; the benchmark in
// the root package (top_bench_test.go) makes the same call.
func topArgs(node, sortBy string, limit int, window time.Duration, records bool) map[string]any {
	args := map[string]any{"sort_by": sortBy, "limit": limit, "window_ms": window.Milliseconds()}
	if node != "" {
		args["node"] = node
	}
	if records {
		args["format"] = "records"
	}
	return args
}

func nodeArgs(node string) map[string]any {
	if node == "" {
		return nil
	}
	return map[string]any{"node": node}
}

// refresh makes one refresh's calls: runtime_stats and process_top every
// time, node_info and node_history when asked.
func (s *topSource) refresh(ctx context.Context, req refreshReq) (*snapshot, error) {
	snap := &snapshot{at: time.Now()}
	text, err := s.call(ctx, "runtime_stats", nodeArgs(req.node))
	if err != nil {
		return nil, err
	}
	snap.busy = time.Since(snap.at)
	if snap.stats, err = decodeStats(text); err != nil {
		return nil, err
	}
	if req.info {
		text, err := s.call(ctx, "node_info", nodeArgs(req.node))
		if err != nil {
			return nil, err
		}
		if snap.info, err = decodeInfo(text); err != nil {
			return nil, err
		}
	}
	records, history := s.capabilities()
	snap.historyServed = history
	if req.history && history {
		args := nodeArgs(req.node)
		text, err := s.call(ctx, "node_history", args)
		if err == nil {
			snap.history, err = decodeHistory(text)
		}
		if err != nil {
			snap.historyErr = err.Error() // the header says so; the table still shows
		} else {
			snap.historyFetched = true
		}
	}
	start := time.Now()
	text, err = s.call(ctx, "process_top", topArgs(req.node, req.sortBy, req.limit, req.window, records))
	if err != nil {
		return nil, err
	}
	took := time.Since(start)
	if snap.top, err = decodeTop(text); err != nil {
		return nil, err
	}
	snap.busy += topBusy(took, snap.top.windowMs)
	return snap, nil
}

// topBusy estimates how long a process_top call that took took kept the
// node working. window_ms runs from the start of the first walk of the
// process table to the start of the second: what the call took beyond it
// is the second walk (and the answer's way back), and the first walk
// costs as much again.
func topBusy(took time.Duration, windowMs int64) time.Duration {
	return 2 * max(took-time.Duration(windowMs)*time.Millisecond, 0)
}

// cluster makes the cluster view's calls: node_info, runtime_stats and
// the busiest process of each node, all with node="*".
func (s *topSource) cluster(ctx context.Context, sortBy string, window time.Duration) ([]clusterRow, time.Duration, error) {
	all := map[string]any{"node": "*"}
	start := time.Now()
	infoText, err := s.call(ctx, "node_info", all)
	if err != nil {
		return nil, 0, err
	}
	statsText, err := s.call(ctx, "runtime_stats", all)
	if err != nil {
		return nil, 0, err
	}
	busy := time.Since(start)
	records, _ := s.capabilities()
	start = time.Now()
	topText, err := s.call(ctx, "process_top", topArgs("*", sortBy, 1, window, records))
	if err != nil {
		return nil, 0, err
	}
	// The nodes work in parallel, each on its own table: the call's time
	// beyond the window is the slowest node's.
	busy += topBusy(time.Since(start), window.Milliseconds())
	rows, err := mergeCluster(infoText, statsText, topText, sortBy)
	return rows, busy, err
}

// detail is process_info and process_inspect of one process, as text
// ready to show (or the tool's error, which is worth showing too: a stuck
// process fails process_inspect).
type detail struct {
	pid, name     string
	info, inspect string
}

func (s *topSource) detail(ctx context.Context, node, pid string) (*detail, error) {
	args := map[string]any{"pid": pid}
	if node != "" {
		args["node"] = node
	}
	d := &detail{pid: pid}
	for _, part := range []struct {
		tool string
		out  *string
	}{{"process_info", &d.info}, {"process_inspect", &d.inspect}} {
		text, err := s.call(ctx, part.tool, args)
		var tf *toolFailure
		switch {
		case errors.As(err, &tf):
			*part.out = "error: " + tf.text
		case err != nil:
			return nil, err
		default:
			*part.out = resultTable(text)
		}
	}
	return d, nil
}
