package tools

import (
	"time"

	"github.com/ergomcp/ergomcp/internal/catalog"
)

type sampleReadArgs struct {
	catalog.Common
	samplerRef
	Since   int64 `json:"since,omitempty" arg:"min=0" jsonschema:"the last_sequence already read"`
	Summary bool  `json:"summary,omitempty" jsonschema:"counts by level, source and message template instead of the samples"`
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
		Description: "A sampler's samples with sequence > since, oldest first; pass last_sequence back as since to read on. " +
			"summary=true instead returns counts by level, by source and by message template (numbers and IDs folded), each " +
			"with first/last time and one example: read a log storm in one answer.",
	}, sampleRead)
}

func sampleRead(env *Env, args *sampleReadArgs) (any, error) {
	entry, err := env.sampler(args.SamplerID)
	if err != nil {
		return nil, err
	}
	if args.Summary {
		text, err := entry.Summarize(uint64(args.Since), time.Now())
		if err != nil {
			return nil, catalog.Wrap(err)
		}
		return text, nil
	}
	text, err := entry.Read(uint64(args.Since), env.Server.Budget, time.Now())
	if err != nil {
		return nil, catalog.Wrap(err)
	}
	return text, nil
}
