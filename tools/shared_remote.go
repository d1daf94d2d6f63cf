package tools

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"ergo.services/ergo/act"
	"ergo.services/ergo/gen"
	"ergo.services/ergo/net/edf"

	"github.com/ergomcp/ergomcp/internal/catalog"
	"github.com/ergomcp/ergomcp/internal/peers"
	"github.com/ergomcp/ergomcp/internal/redact"
	"github.com/ergomcp/ergomcp/internal/remote"
)

// DispatcherName is the registered name of ergomcp's dispatcher on every
// node: the entry point of local calls and of calls from other nodes.
const DispatcherName gen.Atom = "ergomcp_dispatcher"

// Bounds of the calls waiting on other nodes at once. Each waits in a hop
// process of its own (see hop), never in a dispatcher worker, so a peer
// that does not answer holds only hops, and these bounds keep a hung peer
// from making the node spawn without end.
const (
	maxHops        = 256
	maxHopsPerNode = 64
)

func init() {
	// Both ends of a remote call must know the message types; registering
	// them when the package loads is before any node starts its network.
	for _, v := range []any{remote.Request{}, remote.Response{}} {
		if err := edf.RegisterTypeOf(v); err != nil {
			panic(fmt.Sprintf("ergomcp: registering %T for the network: %v", v, err))
		}
	}
}

// Proxy runs call, a call for another node (its node argument), through
// that node's ergomcp, on the caller's goroutine: the call waits in a hop
// process of its own, never in a dispatcher worker. The target checks its
// own policy; the entry node's was checked before (actors.Router).
func (rt *Server) Proxy(ctx context.Context, node gen.Node, call *catalog.Call) catalog.Result {
	target := gen.Atom(catalog.CommonOf(call.Args).Node)
	if node.Network().Mode() != gen.NetworkModeEnabled {
		return errorResult(catalog.Errorf("node %q: networking is disabled on this node (%s), so other nodes cannot be reached", string(target), node.Name()))
	}
	full, err := rt.resolveNode(node, string(target))
	if err != nil {
		return errorResult(err)
	}
	target = gen.Atom(full)
	if target == node.Name() {
		return errorResult(catalog.Errorf("node %q is this node (%s): omit node to run here", full, node.Name()))
	}
	raw, err := argsText(call)
	if err != nil {
		return errorResult(fmt.Errorf("encoding arguments for node %s: %w", full, err))
	}
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(time.Duration(catalog.DefaultTimeout) * time.Second)
	}
	// The hop gives up a little before the call's deadline, so that its
	// answer, which names the node, reaches the caller before the bare
	// timeout of the layer above.
	deadline = deadline.Add(-answerMargin(time.Until(deadline)))
	ctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	req, err := remote.NewRequest(call.Tool.Name, raw, call.Caller, deadline, time.Now())
	if err != nil {
		return errorResult(catalog.Errorf("node %s: %w", full, err))
	}
	if err := rt.connect(ctx, node, target); err != nil {
		return errorResult(err)
	}
	total := time.Duration(catalog.CommonOf(call.Args).Timeout) * time.Second
	resp, err := rt.callPeer(ctx, node, target, req, total)
	if err != nil {
		res := errorResult(err)
		res.Timeout = errors.Is(err, gen.ErrTimeout)
		return res
	}
	return catalog.Result{Text: resp.Text, IsError: resp.IsError}
}

// argsText is the JSON of call's arguments for a remote hop: the text they
// were decoded from when there is one (the target decodes it and takes
// node to mean itself), else Args encoded (a sampler's fixed arguments).
func argsText(call *catalog.Call) (string, error) {
	if len(call.Raw) > 0 {
		return string(call.Raw), nil
	}
	raw, err := json.Marshal(call.Args)
	return string(raw), err
}

// answerMargin is what a remote call leaves of left for its answer to
// travel back up: a tenth, between 50 and 500 ms. Less lost the race
// against the transport's own timeout on a loaded machine (2 cores, -race),
// and the caller got a bare timeout that does not name the node.
func answerMargin(left time.Duration) time.Duration {
	return min(max(left/10, 50*time.Millisecond), 500*time.Millisecond)
}

// connectWait bounds connecting to a node that is not connected: a dead
// node (its registration gone or its acceptor silent) would otherwise hold
// the call for its whole deadline inside ergo's Call.
const connectWait = 3 * time.Second

// connect makes sure target is connected before a call is sent, within
// connectWait or half of what is left, whichever is less.
func (rt *Server) connect(ctx context.Context, node gen.Node, target gen.Atom) error {
	net := node.Network()
	if _, err := net.Node(target); err == nil {
		return nil
	}
	wait := connectWait
	if d, ok := ctx.Deadline(); ok {
		wait = min(wait, time.Until(d)/2)
	}
	cctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	start := time.Now()
	_, err := awaitNet(cctx, "connecting to node "+string(target), func() (gen.RemoteNode, error) { return net.GetNode(target) })
	if err == nil {
		return nil
	}
	cause := err
	if !errors.Is(err, gen.ErrNoRoute) && !errors.Is(err, gen.ErrNoConnection) {
		cause = fmt.Errorf("%w: %v", gen.ErrNoConnection, err)
	}
	return &wrapped{msg: fmt.Sprintf("node %s cannot be reached: not connected, and connecting failed after %s (%v): %s",
		string(target), time.Since(start).Round(time.Millisecond), err, rt.seen(node, string(target))), cause: cause}
}

// resolveNode turns a short name (agent1) into the one known node it
// names (agent1@localhost), or says which names would do.
func (rt *Server) resolveNode(node gen.Node, name string) (string, error) {
	if strings.Contains(name, "@") {
		return name, nil
	}
	known := rt.knownNodes(node)
	full, candidates := peers.Resolve(name, known)
	switch {
	case full != "":
		return full, nil
	case len(candidates) > 0:
		return "", catalog.Errorf("node %q is not a full node name (name@host) and names several nodes: %s; pass one of them",
			name, strings.Join(candidates, ", "))
	}
	return "", catalog.Errorf("node %q is not a full node name (name@host) and no node ergomcp knows is called so; known nodes: %s",
		name, knownList(known))
}

// knownNodes is this node, the connected ones and those remembered.
func (rt *Server) knownNodes(node gen.Node) []string {
	known := append([]string{string(node.Name())}, rt.Peers.Names()...)
	if net := node.Network(); net != nil && net.Mode() == gen.NetworkModeEnabled {
		for _, n := range net.Nodes() {
			known = append(known, string(n))
		}
	}
	return known
}

func knownList(known []string) string {
	names := make([]gen.Atom, len(known))
	for i, k := range known {
		names[i] = gen.Atom(k)
	}
	return nameList(compactAtoms(names), "cluster_nodes lists them")
}

func compactAtoms(names []gen.Atom) []gen.Atom {
	seen := map[gen.Atom]bool{}
	out := names[:0]
	for _, n := range names {
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out
}

// hopBudget counts the hops in flight, in all and per target node.
type hopBudget struct {
	mu    sync.Mutex
	total int
	per   map[gen.Atom]int
}

func (b *hopBudget) take(target gen.Atom) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.per == nil {
		b.per = map[gen.Atom]int{}
	}
	switch {
	case b.per[target] >= maxHopsPerNode:
		return catalog.Errorf("not sent to node %s: %d calls already wait on it (the most at once); it answers slowly or not at all "+
			"(network_nodes, diagnose scenario=network)", string(target), b.per[target])
	case b.total >= maxHops:
		return catalog.Errorf("not sent to node %s: %d calls already wait on other nodes (the most at once); retry shortly", string(target), b.total)
	}
	b.total++
	b.per[target]++
	return nil
}

func (b *hopBudget) give(target gen.Atom) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.total--
	if b.per[target]--; b.per[target] <= 0 {
		delete(b.per, target)
	}
}

// InFlight is how many calls wait on other nodes now.
func (rt *Server) InFlight() int {
	rt.hops.mu.Lock()
	defer rt.hops.mu.Unlock()
	return rt.hops.total
}

// hopJob is one remote call handed to a hop process.
type hopJob struct {
	target  gen.Atom
	req     remote.Request
	seconds int
	reply   chan hopResult // buffered: the hop never blocks on a caller that left
	release func()
}

type hopResult struct {
	v   any
	err error
}

// hop makes one remote call and ends. A goroutine cannot Call on ergo
// 3.1, and a worker that waited on a peer would be one local calls miss;
// a process per call costs a spawn (microseconds) beside a round trip
// (the network's), and lives at most a second past its caller's deadline,
// since ergo waits in whole seconds.
type hop struct {
	act.Actor
	job *hopJob
}

type hopGo struct{}

func (h *hop) Init(args ...any) error {
	h.job = args[0].(*hopJob)
	return nil
}

func (h *hop) HandleMessage(from gen.PID, message any) error {
	if _, ok := message.(hopGo); !ok {
		return nil
	}
	v, err := h.CallWithTimeout(gen.ProcessID{Name: DispatcherName, Node: h.job.target}, h.job.req, h.job.seconds)
	h.job.reply <- hopResult{v: v, err: err}
	return gen.TerminateReasonNormal
}

func (h *hop) Terminate(reason error) { h.job.release() }

// callPeer sends req to the ergomcp dispatcher of node target through a
// hop and waits for the answer until ctx's deadline, to the millisecond:
// the caller's context is awaited here and nowhere else on a remote call.
// total is the whole call's timeout, for the error text (0 for a ping).
func (rt *Server) callPeer(ctx context.Context, node gen.Node, target gen.Atom, req remote.Request, total time.Duration) (remote.Response, error) {
	sent := time.Now()
	left := time.Duration(req.TimeoutMs) * time.Millisecond
	if d, ok := ctx.Deadline(); ok {
		left = min(left, time.Until(d))
	}
	if err := rt.hops.take(target); err != nil {
		return remote.Response{}, err
	}
	var once sync.Once
	job := &hopJob{target: target, req: req, seconds: remote.CallSeconds(left), reply: make(chan hopResult, 1),
		release: func() { once.Do(func() { rt.hops.give(target) }) }}
	pid, err := node.Spawn(func() gen.ProcessBehavior { return &hop{} },
		// Important delivery makes a peer without ergomcp answer at once
		// instead of letting the call wait for its deadline.
		gen.ProcessOptions{ImportantDelivery: true}, job)
	if err != nil {
		job.release()
		return remote.Response{}, fmt.Errorf("call to node %s not sent: starting its hop process: %w", string(target), err)
	}
	if err := node.Send(pid, hopGo{}); err != nil {
		node.Kill(pid)
		return remote.Response{}, fmt.Errorf("call to node %s not sent: %w", string(target), err)
	}
	var r hopResult
	select {
	case r = <-job.reply:
	case <-ctx.Done():
		if ctx.Err() == context.Canceled {
			return remote.Response{}, fmt.Errorf("call to node %s cancelled by its caller after %s", string(target), time.Since(sent).Round(time.Millisecond))
		}
		r.err = gen.ErrTimeout
	}
	now := time.Now()
	if r.err != nil {
		if !errors.Is(r.err, gen.ErrTimeout) && !errors.Is(r.err, gen.ErrNoConnection) && !errors.Is(r.err, gen.ErrNoRoute) {
			rt.Peers.Answered(string(target), now) // the peer itself said no
		}
		return remote.Response{}, rt.peerError(node, target, r.err, now.Sub(sent), total)
	}
	rt.Peers.Answered(string(target), now)
	resp, ok := r.v.(remote.Response)
	if !ok {
		return remote.Response{}, catalog.Errorf("node %s answered with %T instead of an ergomcp response: does it run a different ergomcp release?", string(target), r.v)
	}
	if err := resp.CheckResponse(); err != nil {
		return remote.Response{}, catalog.Errorf("node %s: %w", string(target), err)
	}
	return resp, nil
}

// Ping makes one round trip to the ergomcp of target within wait and
// records it in the peer memory; the dispatcher's watch calls it.
func (rt *Server) Ping(ctx context.Context, node gen.Node, target gen.Atom, wait time.Duration) {
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	start := time.Now()
	p := peers.Ping{}
	req, err := remote.NewRequest("", "", "ergomcp peer watch", start.Add(wait), start)
	if err == nil {
		_, err = rt.callPeer(ctx, node, target, req, 0)
	}
	p.At, p.RTT = time.Now(), time.Since(start)
	switch {
	case err == nil, errors.Is(err, gen.ErrProcessUnknown):
		p.OK = true // a node without ergomcp still answers
	default:
		p.Err, p.Timeout = err.Error(), errors.Is(err, gen.ErrTimeout)
	}
	rt.Peers.PingDone(string(target), p)
}

// peerError says what a failed remote call means for the caller: which
// node, what happened and what ergomcp saw of it; it keeps ergo's error
// reachable with errors.Is. waited is how long the hop waited, total the
// call's whole timeout.
func (rt *Server) peerError(node gen.Node, target gen.Atom, err error, waited, total time.Duration) error {
	name := string(target)
	var msg string
	switch {
	case errors.Is(err, gen.ErrProcessUnknown):
		msg = fmt.Sprintf("node %s does not run ergomcp (it has no %s process): add ergomcp to that node (agent mode, Port 0, is enough)", name, DispatcherName)
	case errors.Is(err, gen.ErrNoConnection), errors.Is(err, gen.ErrNoRoute):
		msg = fmt.Sprintf("node %s cannot be reached (ergo: %v): %s", name, err, rt.seen(node, name))
	case errors.Is(err, gen.ErrTimeout):
		msg = fmt.Sprintf("node %s did not answer within %s: it may be overloaded, stuck or gone (%s)%s",
			name, waited.Round(time.Millisecond), rt.seen(node, name), budgetNote(total, waited))
	default:
		msg = fmt.Sprintf("call to node %s failed: %v (%s)", name, err, rt.seen(node, name))
	}
	return &wrapped{msg: msg, cause: err}
}

// budgetNote says how the wait compares with the whole call's timeout
// when the hop had less (queueing, a fan-out's margin for merging).
func budgetNote(total, waited time.Duration) string {
	if total > 0 && total-waited >= time.Millisecond {
		return fmt.Sprintf("; that was all the hop had of the call's timeout=%s", total)
	}
	return ""
}

// seen tells what ergomcp saw of name: its story, or that it was never
// seen, with the known nodes and a suggestion for a near name.
func (rt *Server) seen(node gen.Node, name string) string {
	rt.Observe(node)
	now := time.Now()
	if n, ok := rt.Peers.Get(name); ok {
		return "ergomcp saw it " + n.Story(now)
	}
	start := rt.Peers.Started()
	msg := "ergomcp has not seen it connected"
	if !start.IsZero() {
		msg += " since it started watching at " + start.UTC().Format("15:04:05Z")
	}
	known := rt.knownNodes(node)
	short, _, _ := strings.Cut(name, "@")
	if _, near := peers.Resolve(short, known); len(near) > 0 {
		msg += "; did you mean " + strings.Join(near, " or ") + "?"
	} else if full, _ := peers.Resolve(short, known); full != "" && full != name {
		msg += "; did you mean " + full + "?"
	}
	return msg + "; known nodes: " + knownList(known)
}

// wrapped is an error with a message for the caller and a cause for code.
type wrapped struct {
	msg   string
	cause error
}

func (w *wrapped) Error() string { return w.msg }
func (w *wrapped) Unwrap() error { return w.cause }

// ServeRemote runs a call that arrived from another node on worker p and
// returns the answer to send back. from is the calling process there.
func (rt *Server) ServeRemote(p gen.Process, from gen.PID, req remote.Request, arrived time.Time) (remote.Response, catalog.AuditRecord) {
	audit := catalog.AuditRecord{Time: arrived, Caller: remote.RemoteCaller(string(from.Node), req.Caller), Tool: req.Tool, Outcome: "ok"}
	answer := func(res catalog.Result, outcome string) (remote.Response, catalog.AuditRecord) {
		audit.Duration = time.Since(arrived)
		if res.IsError {
			audit.Outcome, audit.Error = outcome, redact.ArgValues(res.Text, []byte(req.Args), "node")
		}
		return remote.Response{Protocol: remote.Protocol, Text: res.Text, IsError: res.IsError}, audit
	}
	served, ok := rt.Tools.Lookup(req.Tool)
	if !ok {
		return answer(errorResult(catalog.Errorf("unknown tool %q on node %s: a tool of the service's own (Options.Tools) "+
			"runs on another node only if that node registered it too; otherwise the nodes run different ergomcp releases",
			req.Tool, string(p.Node().Name()))), "error")
	}
	tool := served.Tool
	args, err := tool.Decode(json.RawMessage(req.Args))
	if err != nil {
		return answer(errorResult(err), "error")
	}
	// The request was sent here: node means this node, whatever name the
	// caller gave it (a short name, or "*" in one call of a fan-out).
	audit.Node = string(p.Node().Name())
	catalog.CommonOf(args).Node = audit.Node
	if err := rt.Policy.CheckOn(tool, "node "+string(p.Node().Name())); err != nil {
		// Say whose policy it was: the entry node let the call through.
		return answer(catalog.Result{IsError: true, Refused: true, Text: fmt.Sprintf("refused by the target node %s's own policy (the entry node %s allowed it): %s",
			string(p.Node().Name()), string(from.Node), errorResult(err).Text)}, "refused")
	}
	ctx, cancel := context.WithDeadline(context.Background(), req.Deadline(arrived))
	defer cancel()
	res, _ := rt.Run(ctx, p, &catalog.Call{Tool: tool, Args: args, Caller: audit.Caller})
	if ctx.Err() != nil && !res.IsError {
		// The caller has given up by now; say so rather than pretend.
		res = catalog.Result{IsError: true, Text: fmt.Sprintf("tool %s finished after the caller's deadline", tool.Name)}
	}
	return answer(res, "error")
}
