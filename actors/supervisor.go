package actors

import (
	"strconv"

	"ergo.services/ergo/act"
	"ergo.services/ergo/gen"

	"github.com/ergomcp/ergomcp/sampler"
	"github.com/ergomcp/ergomcp/tools"
)

// Member returns ergomcp's supervisor as an application member, so it can
// run inside ergomcp's own application or inside a host application on any
// ergo version.
func Member(cfg *Config) gen.ApplicationMemberSpec {
	return gen.ApplicationMemberSpec{
		Name:    SupervisorName,
		Factory: func() gen.ProcessBehavior { return &supervisor{} },
		Options: gen.ProcessOptions{LogLevel: cfg.LogLevel},
		Args:    []any{cfg},
	}
}

// Failed returns a member whose start fails with err: how an invalid
// configuration surfaces when ergomcp runs inside a host application.
func Failed(err error) gen.ApplicationMemberSpec {
	return gen.ApplicationMemberSpec{
		Name:    SupervisorName,
		Factory: func() gen.ProcessBehavior { return &supervisor{} },
		Args:    []any{err},
	}
}

// supervisor restarts each child on its own: a crashed listener must not
// take running tool calls down with it, nor the other way round.
type supervisor struct {
	act.Supervisor
}

func (s *supervisor) Init(args ...any) (act.SupervisorSpec, error) {
	var cfg *Config
	switch a := args[0].(type) {
	case error:
		return act.SupervisorSpec{}, a
	case *Config:
		cfg = a
	}
	if err := cfg.validate(); err != nil {
		return act.SupervisorSpec{}, err
	}
	rt := tools.NewServer(s.Node(), cfg.Tools, cfg.Policy, cfg.Budget)
	rt.Samplers = sampler.NewRegistry(string(s.Node().Name()), cfg.Samplers)
	rt.History = cfg.History
	if cfg.Logs != nil {
		if err := rt.CountLogs(s.Node(), cfg.Logs); err != nil {
			// diagnose reports the log as unavailable; the rest serves.
			s.Log().Warning("ergomcp: %s", err)
		}
	}
	opts := gen.ProcessOptions{LogLevel: cfg.LogLevel}
	var children []act.SupervisorChildSpec
	if cfg.History != nil {
		// First, so that the history covers ergomcp's whole life.
		children = append(children, act.SupervisorChildSpec{
			Name:    HistoryName,
			Factory: func() gen.ProcessBehavior { return &historyKeeper{} },
			Options: opts,
			Args:    []any{cfg.History},
		})
	}
	children = append(children, []act.SupervisorChildSpec{
		{
			Name:    DispatcherName,
			Factory: func() gen.ProcessBehavior { return &dispatcher{} },
			Options: opts,
			Args:    []any{cfg, rt, &crew{}},
		},
		{
			Name:    SamplersName,
			Factory: func() gen.ProcessBehavior { return &samplers{} },
			Options: opts,
			Args:    []any{cfg, rt},
		},
	}...)
	if cfg.Listen {
		// Started last: by the time HTTP calls arrive, the dispatcher runs.
		children = append(children, act.SupervisorChildSpec{
			Name:    ListenerName,
			Factory: func() gen.ProcessBehavior { return &listener{} },
			Options: opts,
			Args:    []any{cfg, rt},
		})
	}
	return act.SupervisorSpec{
		Type:     act.SupervisorTypeOneForOne,
		Children: children,
		Restart: act.SupervisorRestart{
			Strategy:  act.SupervisorStrategyPermanent,
			Intensity: 5,
			Period:    5,
		},
	}, nil
}

// Terminate takes ergomcp's logger off the node: no ergomcp logger stays
// on a node whose ergomcp stopped.
func (s *supervisor) Terminate(reason error) { tools.StopCountingLogs(s.Node()) }

// HandleInspect describes the tree without the child specs: their
// arguments carry the configuration, token included, which must never
// leave the node (whatever a newer act.Supervisor would print by default).
func (s *supervisor) HandleInspect(from gen.PID, item ...string) map[string]string {
	children := s.Children()
	out := map[string]string{"children": strconv.Itoa(len(children))}
	for _, c := range children {
		out[string(c.Spec)] = c.PID.String()
	}
	return out
}
