package tools

import (
	"time"

	"github.com/ergomcp/ergomcp/tools/catalog"
)

type sampleReadArgs struct {
	catalog.Common
	samplerRef
	Since int64 `json:"since,omitempty" jsonschema:"return the samples with sequence > since (default 0: all that are held); pass the last_sequence of the previous answer to read on without losing or repeating any"`
}

func (a *sampleReadArgs) Validate() error {
	if a.Since < 0 {
		return catalog.Errorf("since must be 0 or a last_sequence a previous sample_read returned, got %d", a.Since)
	}
	return a.samplerRef.Validate()
}

func init() {
	register(catalog.Tool{
		Name:  "sample_read",
		Title: "Read a sampler",
		Description: "Samples of a sampler with sequence > since, oldest first: {sampler_id, node, status, reason, " +
			"last_sequence, dropped, returned, remaining, truncated, samples_total, errors, last_error, samples: " +
			"[{sequence, time, data}]}. Pass last_sequence back as since to read on: nothing is lost or repeated. " +
			"dropped counts the samples after since that the buffer overwrote before this read (read more often, or " +
			"raise buffer_size). When the answer would exceed the response budget it stops early with truncated=true " +
			"and remaining>0: read again from last_sequence. A sample too large for the sampler's share of memory " +
			"has truncated=true, size (its full bytes) and data as the text of its beginning. status: running " +
			"(collecting), lingering (ended for reason count, duration, max_errors or stopped; samples readable until " +
			"remaining_sec passes), completed or stopped (samples gone; what since had not read counts as dropped). " +
			"A sampler started with node=X is read with node=X. Reading never waits on the sampler, even from a sampler.",
	}, sampleRead)
}

func sampleRead(env *Env, args *sampleReadArgs) (any, error) {
	entry, err := env.sampler(args.SamplerID)
	if err != nil {
		return nil, err
	}
	text, err := entry.Read(uint64(args.Since), env.RT.Budget, time.Now())
	if err != nil {
		return nil, catalog.Errorf("%v", err)
	}
	return text, nil
}
