package tools

import (
	"errors"
	"fmt"

	"ergo.services/ergo/gen"

	"github.com/ergomcp/ergomcp/internal/record"
	"github.com/ergomcp/ergomcp/tools/catalog"
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
		Description: "A process's HandleInspect map by pid or name (act.Supervisor shows children, act.Pool workers). It waits for " +
			"the current callback: no answer in 5 s means the process is likely stuck inside one (then pprof_goroutines " +
			"pid=...).",
	}, processInspect)
}

func processInspect(env *Env, args *processInspectArgs) (any, error) {
	pid, err := env.resolve(args.Target)
	if err != nil {
		return nil, err
	}
	if pid == env.Process.PID() {
		return nil, catalog.Errorf("refusing to inspect %s: it is the ergomcp worker running this call, and a process "+
			"that inspects itself waits for its own answer until the timeout; process_info shows its details", pid)
	}
	items, err := env.Process.Inspect(pid, args.Items...)
	if err != nil {
		return nil, inspectError(env, "process "+pid.String(), err, func() (string, gen.MailboxQueues, error) {
			info, err := env.Node().ProcessInfo(pid)
			return info.State.String(), info.MailboxQueues, err
		}, fmt.Sprintf("pprof_goroutines pid=%s shows where it waits (needs -tags=pprof)", pid))
	}
	return inspectResult("PID", pid, items)
}

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
