package tools

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"ergo.services/ergo/gen"

	"github.com/ergomcp/ergomcp/internal/catalog"
	"github.com/ergomcp/ergomcp/internal/fanout"
	"github.com/ergomcp/ergomcp/internal/redact"
	"github.com/ergomcp/ergomcp/sampler"
)

type sampleStartArgs struct {
	catalog.Common
	Tool       string         `json:"tool" arg:"required" jsonschema:"e.g. process_list, runtime_stats, pprof_goroutines"`
	Arguments  map[string]any `json:"arguments,omitempty" jsonschema:"checked now; node=<peer> samples that peer"`
	IntervalMs int            `json:"interval_ms,omitempty" arg:"min=100,max=3600000,default=1000"`
	Count      int            `json:"count,omitempty" arg:"min=0,max=1000000" jsonschema:"0: until duration_sec ends"`
	MaxErrors  int            `json:"max_errors,omitempty" arg:"min=0,max=1000000" jsonschema:"0: never"`
	Stop       string         `json:"stop,omitempty" arg:"enum=first_match" jsonschema:"first_match: keep only results that matched something (Matched or total above 0) and end at the first"`
	samplerParams

	settings sampler.Settings
	tool     *catalog.Tool
	raw      json.RawMessage
	decoded  any // raw, decoded and validated for tool
}

// unsampleable are tools a sampler may not call: samplers do not start
// samplers.
var unsampleable = map[string]bool{"sample_start": true, "sample_listen": true}

func (a *sampleStartArgs) Validate() error {
	if a.Tool == "" {
		return catalog.Errorf("tool is required: the name of the tool to call on each tick (e.g. process_list)")
	}
	if unsampleable[a.Tool] {
		return catalog.Errorf("a sampler cannot call %s: samplers do not start samplers", a.Tool)
	}
	if a.Arguments == nil {
		a.Arguments = map[string]any{}
	}
	if a.Stop != "" {
		a.Stop = strings.ToLower(a.Stop)
		if a.Count > 1 {
			return catalog.Errorf("stop=first_match ends the sampler at its first match: count must be 0 or 1, got %d", a.Count)
		}
		a.Count = 1
	}
	p := sampler.Params{IntervalMs: a.IntervalMs, Count: a.Count, DurationSec: a.DurationSec,
		MaxErrors: a.MaxErrors, BufferSize: a.BufferSize, LingerSec: a.LingerSec}
	var err error
	if a.settings, err = p.Settings(true); err != nil {
		return catalog.Wrap(err)
	}
	return nil
}

// resolve finds the sampled tool among the tools of the server that runs
// the sampler (a service's own tools included) and decodes its arguments
// once, before the sampler starts.
func (a *sampleStartArgs) resolve(tools *Registry) error {
	tool, ok := tools.Lookup(a.Tool)
	if !ok {
		return catalog.Errorf("unknown tool %q: tool must be one of this server's tools (tools/list)", a.Tool)
	}
	raw, err := json.Marshal(a.Arguments)
	if err != nil {
		return catalog.Errorf("arguments: %v", err)
	}
	decoded, err := tool.Decode(raw)
	if err != nil {
		return catalog.Errorf("arguments for %s: %v", a.Tool, err)
	}
	if catalog.CommonOf(decoded).Node == fanout.All {
		return catalog.Errorf("a sampler samples one node: start one per node instead of node=\"*\"")
	}
	a.tool, a.raw, a.decoded = tool.Tool, raw, decoded
	return nil
}

func init() {
	register(catalog.Tool{
		Name:  "sample_start",
		Title: "Start an active sampler",
		Description: "Starts an active sampler calling tool with arguments every interval_ms for duration_sec (or count samples) to " +
			"watch a trend; read with sample_read. stop=first_match ends it at the first sample that matched something (a " +
			"filter with Matched 0 is no catch)." + ceilingsText + ". Catch a process the moment it wakes: tool=pprof_goroutines " +
			"arguments={\"pid\":\"<PID>\"} interval_ms=300 count=1 max_errors=0 duration_sec=30.",
	}, sampleStart)
}

// ceilingsText describes the node-wide ceilings in the tool descriptions.
var ceilingsText = fmt.Sprintf("at most %d samplers running or lingering per node by default (Options.MaxSamplers), "+
	"buffers of up to %d samples within %d MiB per sampler (Options.SamplerBytes) and %d MiB for all (Options.SamplerMemory); "+
	"a sample too large for its share is stored truncated, marked truncated with its full size",
	sampler.DefaultMaxSamplers, sampler.MaxBuffer, sampler.DefaultSamplerBytes>>20, sampler.DefaultTotalBytes>>20)

// ActiveJob is what an active sampler runs: one tool with fixed
// arguments, decoded and validated once, when the sampler starts.
type ActiveJob struct {
	Tool *catalog.Tool
	// Args are the decoded arguments; each call gets a copy
	// (catalog.CopyArgs), so that no call sees what an earlier one might
	// have left in it; decoding once is the same as per call, as validation
	// depends on nothing but the arguments.
	Args    any
	Timeout time.Duration
	Caller  string
	// Remote is set when the tool runs on another node: its answer is that
	// node's text, checked as JSON before it is stored.
	Remote bool
	// FirstMatch keeps only results that matched something (stop=first_match).
	FirstMatch bool
}

func sampleStart(env *Env, args *sampleStartArgs) (any, error) {
	if err := args.resolve(env.Server.Tools); err != nil {
		return nil, err
	}
	if err := env.Server.Policy.Check(args.tool); err != nil {
		return nil, err
	}
	decoded := args.decoded
	target := catalog.CommonOf(decoded).Node
	if gen.Atom(target) == env.Node().Name() {
		target = ""
	}
	caller := "sampler"
	if env.Call != nil {
		caller = fmt.Sprintf("sampler started by %s", env.Call.Caller)
	}
	job := &ActiveJob{Tool: args.tool, Args: decoded, FirstMatch: args.Stop != "", Timeout: time.Duration(catalog.CommonOf(decoded).Timeout) * time.Second,
		Caller: caller, Remote: target != ""}
	desc := args.Tool
	if len(args.Arguments) > 0 {
		desc += " " + string(redact.Args(args.raw)) // shown by sample_start, sample_list and sample_read
	}
	desc += fmt.Sprintf(" every %dms", args.settings.Interval.Milliseconds())
	if args.settings.Count > 0 {
		desc += fmt.Sprintf(", %d samples", args.settings.Count)
	}
	entry, pid, err := env.startSampler(sampler.Spec{Kind: sampler.Active, Description: desc, Target: target, Settings: args.settings}, &StartSampler{Active: job})
	if err != nil {
		return nil, err
	}
	var note string
	if !args.settings.Reachable() {
		note = fmt.Sprintf("count %d cannot be reached in duration_sec %.0f at one call per %dms: the sampler will end by duration",
			args.settings.Count, args.settings.Duration.Seconds(), args.settings.Interval.Milliseconds())
	}
	return started(entry, pid, note), nil
}

// SampleOnce makes one call of job, an active sampler's, from its actor p,
// started at start, and stores the outcome in entry: a sample, or a
// failure. It reports whether the sampler still runs. The call ends with
// the sampler (sample_stop, duration); its outcome is then not stored.
func (rt *Server) SampleOnce(p gen.Process, job *ActiveJob, entry *sampler.Entry, start time.Time) bool {
	ctx, cancel := entry.CallContext(start, job.Timeout)
	defer cancel()
	call := &catalog.Call{Tool: job.Tool, Args: catalog.CopyArgs(job.Args), Caller: job.Caller}
	var res catalog.Result
	if job.Remote { // where it runs was decided, and allowed, at sample_start
		res = rt.Proxy(ctx, p.Node(), call)
	} else {
		res, _ = rt.Run(ctx, p, call)
	}
	now := time.Now()
	switch {
	case res.IsError:
		return entry.Fail(now, res.Text)
	case job.FirstMatch && !sampler.Matched(res.Text):
		// Nothing caught yet (pprof_goroutines with a filter and Matched
		// 0): not a sample; the next tick tries again.
		return entry.Miss(now)
	case job.Remote:
		return entry.Record(now, start, []byte(res.Text))
	}
	return entry.RecordJSON(now, start, res.Text) // this node's tool: ergomcp's encoders wrote it
}
