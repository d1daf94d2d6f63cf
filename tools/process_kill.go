package tools

import (
	"ergo.services/ergo/gen"

	"github.com/ergomcp/ergomcp/internal/catalog"
)

type processKillArgs struct {
	catalog.Common
	PID string `json:"pid" arg:"required" jsonschema:"the process on this node, as Ergo prints it (<90A29F11.0.1017>)"`
}

// Validate checks pid.
func (a *processKillArgs) Validate() error { return validatePIDArg(a.PID) }

func init() {
	register(catalog.Tool{
		Name:  "process_kill",
		Title: "Kill a process",
		Kind:  catalog.Action,
		Description: "Kills a local process (pid) at once, as gen.Node.Kill: it terminates with reason kill without " +
			"waiting for its mailbox; one inside a callback becomes a zombie until the callback returns. Its links and " +
			"monitors fire and its supervisor may restart it. Prefer send_exit with shutdown for a graceful stop. " +
			"Watches the process for up to 1 s and reports State (\"gone\" once it left the table). Refuses ergomcp's " +
			"own processes. Action: refused unless the operator set Options.EnableActions.",
	}, processKill)
}

func processKill(env *Env, args *processKillArgs) (any, error) {
	return env.endProcess(args.PID, gen.TerminateReasonKill)
}
