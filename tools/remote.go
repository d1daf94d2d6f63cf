package tools

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"ergo.services/ergo/gen"
	"ergo.services/ergo/net/edf"

	"github.com/ergomcp/ergomcp/internal/fanout"
	"github.com/ergomcp/ergomcp/internal/redact"
	"github.com/ergomcp/ergomcp/internal/remote"
	"github.com/ergomcp/ergomcp/tools/catalog"
)

// DispatcherName is the registered name of ergomcp's dispatcher on every
// node: the entry point of local calls and of calls from other nodes.
const DispatcherName gen.Atom = "ergomcp_dispatcher"

func init() {
	// Both ends of a remote call must know the message types; registering
	// them when the package loads is before any node starts its network.
	for _, v := range []any{remote.Request{}, remote.Response{}} {
		if err := edf.RegisterTypeOf(v); err != nil {
			panic(fmt.Sprintf("ergomcp: registering %T for the network: %v", v, err))
		}
	}
}

// proxy runs the call on node target through that node's ergomcp, from
// worker process p. The target checks its own policy again.
func (rt *Runtime) proxy(env *Env, target gen.Atom) catalog.Result {
	if env.Process == nil {
		return errorResult(catalog.Errorf("tool %s cannot be sent to node %s from here", env.Call.Tool.Name, target))
	}
	if env.Node().Network().Mode() != gen.NetworkModeEnabled {
		return errorResult(catalog.Errorf("node %q: networking is disabled on this node (%s), so other nodes cannot be reached", string(target), env.Node().Name()))
	}
	args, err := json.Marshal(env.Call.Args)
	if err != nil {
		return errorResult(fmt.Errorf("encoding arguments for node %s: %w", target, err))
	}
	deadline, ok := env.Ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(catalog.DefaultTimeout * time.Second)
	}
	req, err := remote.NewRequest(env.Call.Tool.Name, string(args), env.Call.Caller, deadline, time.Now())
	if err != nil {
		return errorResult(catalog.Errorf("node %s: %v", target, err))
	}
	resp, err := callPeer(env.Process, target, req, time.Until(deadline))
	if err != nil {
		res := errorResult(err)
		res.Timeout = errors.Is(err, gen.ErrTimeout)
		return res
	}
	return catalog.Result{Text: resp.Text, IsError: resp.IsError}
}

// callPeer sends req to the ergomcp dispatcher of node target and waits at
// most left for the answer.
func callPeer(p gen.Process, target gen.Atom, req remote.Request, left time.Duration) (remote.Response, error) {
	v, err := p.CallWithTimeout(gen.ProcessID{Name: DispatcherName, Node: target}, req, remote.CallSeconds(left))
	if err != nil {
		return remote.Response{}, peerError(target, err, left)
	}
	resp, ok := v.(remote.Response)
	if !ok {
		return remote.Response{}, catalog.Errorf("node %s answered with %T instead of an ergomcp response: does it run a different ergomcp release?", string(target), v)
	}
	if err := resp.CheckResponse(); err != nil {
		return remote.Response{}, catalog.Errorf("node %s: %v", string(target), err)
	}
	return resp, nil
}

// peerError says what a failed remote call means for the caller; it
// keeps ergo's error reachable with errors.Is.
func peerError(target gen.Atom, err error, left time.Duration) error {
	var msg string
	switch {
	case errors.Is(err, gen.ErrProcessUnknown):
		msg = fmt.Sprintf("node %s does not run ergomcp (it has no %s process): add ergomcp to that node (agent mode, Port 0, is enough)", string(target), DispatcherName)
	case errors.Is(err, gen.ErrNoConnection):
		msg = fmt.Sprintf("node %s cannot be reached: it is not connected and could not be resolved or connected to (see cluster_nodes, network_nodes, registrar_resolve)", string(target))
	case errors.Is(err, gen.ErrTimeout):
		msg = fmt.Sprintf("node %s did not answer within %s: it may be overloaded, stuck or gone (the call's timeout bounds the remote hop)", string(target), left.Round(time.Millisecond))
	default:
		msg = fmt.Sprintf("call to node %s failed: %v", string(target), err)
	}
	return &wrapped{msg: msg, cause: err}
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
func (rt *Runtime) ServeRemote(p gen.Process, from gen.PID, req remote.Request, arrived time.Time) (remote.Response, catalog.AuditRecord) {
	audit := catalog.AuditRecord{Time: arrived, Caller: remote.RemoteCaller(string(from.Node), req.Caller), Tool: req.Tool, Outcome: "ok"}
	answer := func(res catalog.Result) (remote.Response, catalog.AuditRecord) {
		audit.Duration = time.Since(arrived)
		if res.IsError {
			audit.Outcome, audit.Error = "error", redact.ArgValues(res.Text, []byte(req.Args))
		}
		return remote.Response{Protocol: remote.Protocol, Text: res.Text, IsError: res.IsError}, audit
	}
	tool, ok := Registry.Lookup(req.Tool)
	if !ok {
		return answer(errorResult(catalog.Errorf("unknown tool %q on node %s (a different ergomcp release?)", req.Tool, p.Node().Name())))
	}
	args, err := tool.Decode(json.RawMessage(req.Args))
	if err != nil {
		return answer(errorResult(err))
	}
	audit.Node = catalog.CommonOf(args).Node
	if audit.Node == fanout.All {
		// The entry node splits node="*" into calls for each node.
		return answer(errorResult(catalog.Errorf("node=\"*\" is served only by the node the MCP client is connected to, not through another node")))
	}
	ctx, cancel := context.WithDeadline(context.Background(), req.Deadline(arrived))
	defer cancel()
	res, _ := rt.Run(ctx, p, &catalog.Call{Tool: tool, Args: args, Caller: audit.Caller})
	if ctx.Err() != nil && !res.IsError {
		// The caller has given up by now; say so rather than pretend.
		res = catalog.Result{IsError: true, Text: fmt.Sprintf("tool %s finished after the caller's deadline", tool.Name)}
	}
	return answer(res)
}
