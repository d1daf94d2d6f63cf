package tools

import (
	"ergo.services/ergo/gen"

	"github.com/ergomcp/ergomcp/internal/catalog"
)

type processStateArgs struct {
	catalog.Common
	Target
}

func init() {
	register(catalog.Tool{
		Name:  "process_state",
		Title: "Process state",
		Description: "One process's state by pid or name: cheaper than process_info for polling; running or wait response across " +
			"polls means busy or stuck in a callback.",
	}, processState)
}

// processStateResult keeps the PID next to the state: callers that passed
// a name learn which process answered.
type processStateResult struct {
	PID   gen.PID
	State gen.ProcessState
}

func processState(env *Env, args *processStateArgs) (any, error) {
	pid, err := env.resolve(args.Target)
	if err != nil {
		return nil, err
	}
	state, err := env.Node().ProcessState(pid)
	if err != nil {
		return nil, processError(env, pid, err)
	}
	return processStateResult{PID: pid, State: state}, nil
}
