package actors

import (
	"ergo.services/ergo/act"
	"ergo.services/ergo/gen"

	"github.com/ergomcp/ergomcp/tools"
)

// worker is one process of the dispatcher's pool: it runs the calls the
// dispatcher hands it, one at a time, so that a tool can Inspect, Call and
// Send like any actor. Local calls answer on their request's channel,
// calls from other nodes to their caller there.
type worker struct {
	act.Actor
	rt   *tools.Server
	slot *slot
	// panicked: a tool panicked here; the worker runs no more calls and
	// waits for the dispatcher to take it out of its table (retire).
	panicked bool
}

func (w *worker) Init(args ...any) error {
	w.rt, w.slot = args[0].(*tools.Server), args[1].(*slot)
	return nil
}

func (w *worker) HandleMessage(from gen.PID, message any) error {
	switch m := message.(type) {
	case *request, *remoteCall:
		if w.slot.retired.Load() || w.panicked {
			// Replaced while this call waited behind an abandoned one (or
			// a panic): the dispatcher gives it to another worker.
			if err := w.Send(DispatcherName, m); err != nil {
				w.Log().Warning("ergomcp worker: handing a queued call back to the dispatcher: %s", err)
			}
			return w.finished()
		}
	}
	switch m := message.(type) {
	case retire:
		if w.slot.load.Load() <= 0 {
			return gen.TerminateReasonNormal
		}
	case *request:
		if m.ctx.Err() != nil {
			return w.finished() // the caller gave up while the call queued
		}
		m.by.Store(w.slot)
		res, panicked := w.rt.Run(m.ctx, w, m.call)
		m.done.Store(true)
		m.reply <- res
		if panicked {
			// Its state is not to be trusted: it runs no more calls and
			// hands back those queued to it; the dispatcher puts a fresh
			// worker in its place and then retires this one. Only the
			// dispatcher ends it: ending here, while the dispatcher may
			// still pick it, could lose a call sent in between.
			w.Log().Warning("ergomcp worker: replaced after a tool panicked: %s", tools.ErrPanicked)
			w.panicked = true
			if err := w.Send(DispatcherName, abandoned{slot: w.slot, panicked: true}); err != nil {
				return tools.ErrPanicked
			}
		}
		return w.finished()
	case *remoteCall:
		resp, audit := w.rt.ServeRemote(w, m.from, m.req, m.arrived)
		// Audited before answering: the caller's next call may read this
		// node's audit log (it did, and found the call missing).
		w.rt.Audit.Add(audit)
		auditLog(w.Node().Log(), audit)
		if err := w.SendResponse(m.from, m.ref, resp); err != nil {
			w.Log().Warning("ergomcp: answering %s on %s: %s", m.req.Tool, m.from.Node, err)
		}
		return w.finished()
	default:
		w.Log().Warning("ergomcp worker: ignored %T from %s", message, from)
	}
	return nil
}

// finished counts a call off the worker's load; a retired worker ends
// with its last call.
func (w *worker) finished() error {
	if w.slot.load.Add(-1) <= 0 && w.slot.retired.Load() {
		return gen.TerminateReasonNormal
	}
	return nil
}
