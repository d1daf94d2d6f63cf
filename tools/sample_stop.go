package tools

import (
	"time"

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
	if a := entry.Actor(); a != nil {
		// Asynchronous: the actor may be busy in a call (even this one).
		// Its status is already right; waking makes it let go of its
		// logger, event and memory promptly.
		a.Wake()
	}
	return string(entry.Summary(now)), nil
}
