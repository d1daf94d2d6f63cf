package tools

import (
	"time"

	"ergo.services/ergo/gen"

	"github.com/ergomcp/ergomcp/internal/catalog"
)

type sampleStopArgs struct {
	catalog.Common
	samplerRef
	Discard bool `json:"discard,omitempty"`
}

func init() {
	register(catalog.Tool{
		Name:        "sample_stop",
		Title:       "Stop a sampler",
		Description: "Stops a sampler; its samples stay readable for linger_sec unless discard=true.",
		Idempotent:  true,
	}, sampleStop)
}

func sampleStop(env *Env, args *sampleStopArgs) (any, error) {
	if _, err := env.sampler(args.SamplerID); err != nil {
		return nil, err
	}
	now := time.Now()
	entry, err := env.Server.Samplers.Stop(args.SamplerID, args.Discard, now)
	if err != nil {
		return nil, catalog.Wrap(err)
	}
	if pid, ok := entry.Actor().(gen.PID); ok && env.Process != nil {
		// Asynchronous: the actor may be busy in a call (even this one).
		// Its status is already right; the message makes it let go of its
		// logger, event and memory promptly.
		env.Process.Send(pid, WakeSampler{})
	}
	return string(entry.Summary(now)), nil
}
