package actors

import (
	"errors"

	"ergo.services/ergo/act"
	"ergo.services/ergo/gen"
)

// samplers supervises sampler actors, one per running sampler, started on
// demand (simple one-for-one). Samplers are not started by any tool yet.
type samplers struct {
	act.Supervisor
}

func (s *samplers) Init(args ...any) (act.SupervisorSpec, error) {
	return act.SupervisorSpec{
		Type: act.SupervisorTypeSimpleOneForOne,
		Children: []act.SupervisorChildSpec{{
			Name:    "sampler",
			Factory: func() gen.ProcessBehavior { return &sampler{} },
		}},
		Restart: act.SupervisorRestart{Strategy: act.SupervisorStrategyTemporary},
	}, nil
}

// sampler is the child template of the samplers supervisor. No tool starts
// one yet; a start is refused rather than running an empty sampler.
type sampler struct {
	act.Actor
}

var errNoSamplers = errors.New("ergomcp: samplers are not available in this version")

func (s *sampler) Init(args ...any) error { return errNoSamplers }
