package tools

import (
	"time"

	"ergo.services/ergo/gen"

	"github.com/ergomcp/ergomcp/tools/catalog"
)

type sampleStopArgs struct {
	catalog.Common
	samplerRef
	Discard bool `json:"discard,omitempty" jsonschema:"also free the samples now instead of keeping them readable for linger_sec"`
}

func init() {
	register(catalog.Tool{
		Name:  "sample_stop",
		Title: "Stop a sampler",
		Description: "Stops a running sampler (reason stopped, status lingering): it collects no more and its samples stay " +
			"readable with sample_read for its linger_sec, then it is stopped and its samples are gone. discard=true " +
			"frees the samples at once, also of a sampler that already ended, and releases its share of the node's " +
			"sampler memory. A call in flight is cancelled. Returns the sampler as sample_list shows it. A sampler " +
			"started with node=X is stopped with node=X.",
		Idempotent: true,
	}, sampleStop)
}

func sampleStop(env *Env, args *sampleStopArgs) (any, error) {
	if _, err := env.sampler(args.SamplerID); err != nil {
		return nil, err
	}
	now := time.Now()
	entry, err := env.RT.Samplers.Stop(args.SamplerID, args.Discard, now)
	if err != nil {
		return nil, catalog.Errorf("%v", err)
	}
	if pid, ok := entry.Actor().(gen.PID); ok && env.Process != nil {
		// Asynchronous: the actor may be busy in a call (even this one).
		// Its status is already right; the message makes it let go of its
		// logger, event and memory promptly.
		env.Process.Send(pid, WakeSampler{})
	}
	return string(entry.Summary(now)), nil
}
