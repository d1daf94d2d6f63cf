package tools

import (
	"errors"
	"fmt"
	"time"

	"ergo.services/ergo/gen"

	"github.com/ergomcp/ergomcp/internal/catalog"
	"github.com/ergomcp/ergomcp/internal/remote"
	"github.com/ergomcp/ergomcp/sampler"
)

// What the sampler tools and the samplers process and its sampler actors
// (package actors) say to each other. Every sampler tool reads and
// changes samplers through Server.Samplers, the node's registry, never by
// calling a sampler actor: a sampler that samples sample_read, sample_list
// or sample_stop (its own or another's) never waits on an actor.

// SamplersName is the registered name of the process that starts and owns
// the sampler actors.
const SamplersName gen.Atom = "ergomcp_samplers"

// StartSampler asks the samplers process to start the actor of a sampler
// reserved in the registry, with the job it runs: exactly one of Active
// (for a sampler.Active Entry) and Listen (sampler.Passive). That process
// passes the request to the actor, which fills PID in its Init; the
// answer is a SamplerReply.
type StartSampler struct {
	Entry  *sampler.Entry
	Active *ActiveJob
	Listen *ListenJob
	PID    gen.PID
}

// ActivateSampler is the first call a sampler actor gets: it registers as
// a logger, subscribes to its event and arms its timers, which ergo does
// not allow from Init. The answer is a SamplerReply.
type ActivateSampler struct{}

// WakeSampler tells a sampler actor that its registry entry changed (a
// sample_stop): it looks at its status and acts on it.
type WakeSampler struct{}

// SamplerReply answers StartSampler and ActivateSampler.
type SamplerReply struct {
	PID gen.PID
	Err error
}

// samplerRef is the sampler_id argument of sample_read and sample_stop.
type samplerRef struct {
	SamplerID string `json:"sampler_id" arg:"required" jsonschema:"as sample_start, sample_listen or sample_list give it"`
}

func (a *samplerRef) Validate() error {
	if a.SamplerID == "" {
		return catalog.Errorf("sampler_id is required: the id sample_start or sample_listen returned (sample_list shows them)")
	}
	return nil
}

// samplerParams are the buffer settings both kinds of sampler take. The
// tags state sampler's own defaults and ceilings (a test keeps them equal).
type samplerParams struct {
	DurationSec int `json:"duration_sec,omitempty" arg:"min=1,max=3600,default=60"`
	BufferSize  int `json:"buffer_size,omitempty" arg:"min=1,max=4096,default=256"`
	LingerSec   int `json:"linger_sec,omitempty" arg:"min=1,max=600,default=30"`
}

// samplers is the node's registry, or an error when this runtime has none.
func (e *Env) samplers() (*sampler.Registry, error) {
	if e.Server.Samplers == nil {
		return nil, catalog.Errorf("samplers are not available on node %s (its ergomcp runs no samplers process)", string(e.Node().Name()))
	}
	return e.Server.Samplers, nil
}

// sampler finds a sampler of this node; an ID issued by another node is
// an error that names the node to pass.
func (e *Env) sampler(id string) (*sampler.Entry, error) {
	reg, err := e.samplers()
	if err != nil {
		return nil, err
	}
	if hash, foreign := reg.Foreign(id); foreign {
		return nil, e.foreign("sampler", id, hash)
	}
	entry, err := reg.Get(id, time.Now())
	if err != nil {
		return nil, catalog.Wrap(err)
	}
	return entry, nil
}

// startSampler reserves a sampler within the node's ceilings, has the
// samplers process start its actor with the job in req and activates it.
// Any failure releases the reservation.
func (e *Env) startSampler(spec sampler.Spec, req *StartSampler) (*sampler.Entry, gen.PID, error) {
	reg, err := e.samplers()
	if err != nil {
		return nil, gen.PID{}, err
	}
	if e.Process == nil {
		return nil, gen.PID{}, catalog.Errorf("samplers can only be started from a process")
	}
	entry, err := reg.Reserve(spec, time.Now())
	if err != nil {
		return nil, gen.PID{}, catalog.Wrap(err)
	}
	secs := e.callSeconds()
	req.Entry = entry
	v, err := e.Process.CallWithTimeout(SamplersName, req, secs)
	pid, err := samplerReply(v, err)
	if err != nil {
		reg.Forget(entry.ID, time.Now())
		return nil, gen.PID{}, fmt.Errorf("starting the sampler actor: %w", err)
	}
	v, err = e.Process.CallWithTimeout(pid, ActivateSampler{}, secs)
	if _, err := samplerReply(v, err); err != nil {
		reg.Forget(entry.ID, time.Now())
		e.Process.Send(pid, WakeSampler{}) // it sees that it ended, and ends
		var ce *catalog.Error
		if errors.As(err, &ce) {
			return nil, gen.PID{}, err
		}
		return nil, gen.PID{}, fmt.Errorf("activating the sampler: %w", err)
	}
	return entry, pid, nil
}

// callSeconds is what is left of the call's deadline for an Ergo Call.
func (e *Env) callSeconds() int {
	if deadline, ok := e.Ctx.Deadline(); ok {
		return remote.CallSeconds(time.Until(deadline))
	}
	return catalog.DefaultTimeout
}

func samplerReply(v any, err error) (gen.PID, error) {
	if err != nil {
		return gen.PID{}, err
	}
	r, ok := v.(SamplerReply)
	if !ok {
		return gen.PID{}, fmt.Errorf("unexpected answer %T", v)
	}
	return r.PID, r.Err
}

// started is the answer of sample_start and sample_listen.
func started(entry *sampler.Entry, pid gen.PID, note string) map[string]any {
	s := entry.Spec
	out := map[string]any{
		"sampler_id":   entry.ID,
		"node":         string(pid.Node),
		"pid":          pid.String(),
		"kind":         string(s.Kind),
		"description":  s.Description,
		"status":       string(sampler.Running),
		"ends_at":      entry.End.UTC().Format(time.RFC3339Nano),
		"duration_sec": s.Duration.Seconds(),
		"buffer_size":  s.Buffer,
		"linger_sec":   s.Linger.Seconds(),
		"next":         fmt.Sprintf("sample_read sampler_id=%s node=%s since=0, then since=<last_sequence> of each answer", entry.ID, string(pid.Node)),
	}
	if s.Kind == sampler.Active {
		out["interval_ms"] = s.Interval.Milliseconds()
		out["count"] = s.Count
		out["max_errors"] = s.MaxErrors
	}
	if note != "" {
		out["note"] = note
	}
	return out
}
