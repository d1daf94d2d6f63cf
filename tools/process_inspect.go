package tools

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"ergo.services/ergo/act"
	"ergo.services/ergo/gen"

	"github.com/ergomcp/ergomcp/internal/catalog"
	"github.com/ergomcp/ergomcp/internal/record"
)

// InspectItems is the items argument of process_inspect and meta_inspect.
type InspectItems struct {
	Items []string `json:"items,omitempty" jsonschema:"passed to HandleInspect as is; ≤ 64 of ≤ 256 bytes"`
}

// Inspect item bounds: items travel into application code, so they are
// held to what a human would type.
const (
	maxInspectItems   = 64
	maxInspectItemLen = 256
)

// Validate bounds the items.
func (a *InspectItems) Validate() error {
	if len(a.Items) > maxInspectItems {
		return catalog.Errorf("items: at most %d strings, got %d", maxInspectItems, len(a.Items))
	}
	for i, it := range a.Items {
		if len(it) > maxInspectItemLen {
			return catalog.Errorf("items[%d]: at most %d bytes, got %d", i, maxInspectItemLen, len(it))
		}
	}
	return nil
}

type processInspectArgs struct {
	catalog.Common
	Target
	InspectItems
}

// Validate checks both embedded parts; Go promotes neither Validate when
// both have one.
func (a *processInspectArgs) Validate() error {
	if err := a.Target.Validate(); err != nil {
		return err
	}
	return a.InspectItems.Validate()
}

func init() {
	register(catalog.Tool{
		Name:  "process_inspect",
		Title: "Inspect a process",
		// Long: the wait (up to 5 s for a stuck process) runs on a one-shot
		// inspector process, not on a dispatcher worker.
		Long: true,
		Description: "A process's HandleInspect map by pid or name (act.Supervisor shows children, act.Pool workers). It waits for " +
			"the current callback: no answer in 5 s means the process is likely stuck inside one (then pprof_goroutines " +
			"pid=...). One inspect per process at a time: a second is answered at once with how long the first has waited.",
	}, processInspect)
}

func processInspect(env *Env, args *processInspectArgs) (any, error) {
	pid, err := env.resolve(args.Target)
	if err != nil {
		return nil, err
	}
	if env.Process != nil && pid == env.Process.PID() {
		return nil, catalog.Errorf("refusing to inspect %s: it is the ergomcp process running this call, and a process "+
			"that inspects itself waits for its own answer until the timeout; process_info shows its details", pid)
	}
	target := inspectTarget{
		name: "process " + pid.String(),
		do:   func(p gen.Process) (map[string]string, error) { return p.Inspect(pid, args.Items...) },
		state: func() (string, gen.MailboxQueues, error) {
			info, err := env.Node().ProcessInfo(pid)
			return info.State.String(), info.MailboxQueues, err
		},
		hint: fmt.Sprintf("pprof_goroutines pid=%s shows where it waits (needs -tags=pprof)", pid),
	}
	items, err := inspectOnce(env, target)
	if err != nil {
		return nil, err
	}
	return inspectResult("PID", pid, items)
}

// inspectTarget is what the inspect tools need to know of their target.
type inspectTarget struct {
	name  string // "process <pid>", "meta process <alias>": also the single-flight key
	do    func(p gen.Process) (map[string]string, error)
	state func() (string, gen.MailboxQueues, error)
	hint  string
}

// inspects holds the inspect requests in flight, at most one per target:
// a process stuck in a callback answers none of them, and 40 callers
// asking would otherwise hold 40 waits of 5 s each.
var inspects = inflight{since: map[string]time.Time{}}

// maxInspectsInFlight bounds the inspector processes alive at once.
const maxInspectsInFlight = 64

type inflight struct {
	mu    sync.Mutex
	since map[string]time.Time
}

// begin claims key; when it is taken, since tells how long ago it was.
// since is zero when the bound is reached instead.
func (f *inflight) begin(key string) (since time.Time, ok bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if t, taken := f.since[key]; taken {
		return t, false
	}
	if len(f.since) >= maxInspectsInFlight {
		return time.Time{}, false
	}
	f.since[key] = time.Now()
	return time.Time{}, true
}

func (f *inflight) end(key string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.since, key)
}

// inspectOnce sends the one inspect request of t and waits for its answer
// or the caller's end. Called without a process (the local call path), it
// leaves the wait to a one-shot inspector process, so that no dispatcher
// worker waits on a stuck target; called on a process (a call from another
// node, a sampler), it inspects from there, still one request per target.
func inspectOnce(env *Env, t inspectTarget) (map[string]string, error) {
	since, ok := inspects.begin(t.name)
	if !ok {
		if since.IsZero() {
			return nil, catalog.Errorf("%d inspect requests are already waiting for their targets on %s; retry when some have been answered",
				maxInspectsInFlight, env.Node().Name())
		}
		return nil, stillWaiting(env, t, time.Since(since))
	}
	if env.Process != nil {
		defer inspects.end(t.name)
		items, err := t.do(env.Process)
		if err != nil {
			return nil, inspectError(env, t.name, err, t.state, t.hint)
		}
		return items, nil
	}
	reply := make(chan inspectReply, 1) // the inspector never blocks on a caller that left
	_, err := env.Node().Spawn(func() gen.ProcessBehavior { return &inspector{} }, gen.ProcessOptions{},
		t.do, reply, func() { inspects.end(t.name) })
	if err != nil {
		inspects.end(t.name)
		return nil, fmt.Errorf("starting an inspector process: %w", err)
	}
	select {
	case r := <-reply:
		if r.err != nil {
			return nil, inspectError(env, t.name, r.err, t.state, t.hint)
		}
		return r.items, nil
	case <-env.Ctx.Done():
		return nil, env.Ctx.Err()
	}
}

// stillWaiting answers a second inspect of a target that has not answered
// the first: at once, without queueing another request behind it.
func stillWaiting(env *Env, t inspectTarget, waited time.Duration) error {
	waitedText := waited.Round(time.Millisecond).String()
	s, q, err := t.state()
	if err != nil {
		return catalog.Errorf("%s has not answered an inspect request sent %s ago and is gone now: %v", t.name, waitedText, err)
	}
	return catalog.Errorf("%s has not answered the inspect request sent %s ago (requests wait in its urgent queue until its "+
		"current callback returns; it is likely stuck inside a callback): state %q; %d messages waiting: main %d, system %d, "+
		"urgent %d, log %d. No second request was queued. %s",
		t.name, waitedText, s, q.Main+q.System+q.Urgent+q.Log, q.Main, q.System, q.Urgent, q.Log, t.hint)
}

type inspectReply struct {
	items map[string]string
	err   error
}

// inspectNow starts an inspector: a process cannot inspect from its Init.
type inspectNow struct{}

// inspector makes one inspect request and ends. Ending releases the
// target's single-flight slot, also when the node stops it first.
type inspector struct {
	act.Actor
	do    func(p gen.Process) (map[string]string, error)
	reply chan inspectReply
	done  func()
}

func (i *inspector) Init(args ...any) error {
	i.do, i.reply, i.done = args[0].(func(gen.Process) (map[string]string, error)), args[1].(chan inspectReply), args[2].(func())
	return i.Send(i.PID(), inspectNow{})
}

func (i *inspector) HandleMessage(from gen.PID, message any) error {
	items, err := i.do(i)
	i.reply <- inspectReply{items: items, err: err}
	return gen.TerminateReasonNormal
}

func (i *inspector) Terminate(reason error) { i.done() }

// inspectResult is the result of both inspect tools: which target answered,
// under key (ergo's own name for it: PID, or ID for meta processes), and
// its map.
func inspectResult(key string, id any, items map[string]string) ([]byte, error) {
	return record.Append(nil, nil, nil, record.Field{Name: key, Value: id}, record.Field{Name: "Inspect", Value: items})
}

// inspectError explains a failed inspect of target. A timeout means the
// target did not reach its mailbox in time, so state reads what it is
// doing instead; hint says how to dig further.
func inspectError(env *Env, target string, err error, state func() (string, gen.MailboxQueues, error), hint string) error {
	switch {
	case errors.Is(err, gen.ErrTimeout):
		s, q, serr := state()
		if serr != nil {
			return catalog.Errorf("%s did not answer the inspect request within %d s and is gone now: %v", target, gen.DefaultRequestTimeout, serr)
		}
		return catalog.Errorf("%s did not answer the inspect request within %d s: it is likely stuck inside a callback "+
			"(state %q; %d messages waiting: main %d, system %d, urgent %d, log %d, counting this request). %s",
			target, gen.DefaultRequestTimeout, s, q.Main+q.System+q.Urgent+q.Log, q.Main, q.System, q.Urgent, q.Log, hint)
	case errors.Is(err, gen.ErrProcessUnknown), errors.Is(err, gen.ErrMetaUnknown):
		return catalog.Errorf("no %s on %s (it may have terminated)", target, env.Node().Name())
	case errors.Is(err, gen.ErrProcessTerminated):
		return catalog.Errorf("%s has terminated", target)
	case errors.Is(err, gen.ErrProcessMailboxFull):
		return catalog.Errorf("%s has a full mailbox and cannot take the inspect request: it is overloaded or stuck", target)
	}
	return catalog.Errorf("inspecting %s: %v", target, err)
}
