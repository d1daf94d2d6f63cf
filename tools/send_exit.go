package tools

import (
	"errors"
	"strings"

	"ergo.services/ergo/gen"

	"github.com/ergomcp/ergomcp/internal/catalog"
)

// maxReasonLen bounds a free-text exit reason: it ends up in logs and
// terminate callbacks.
const maxReasonLen = 256

type sendExitArgs struct {
	catalog.Common
	PID    string `json:"pid" arg:"required" jsonschema:"the process on this node, as Ergo prints it (<90A29F11.0.1017>)"`
	Reason string `json:"reason" arg:"required" jsonschema:"normal, shutdown, kill (ends it at once, as process_kill), or any other text (sent as errors.New(text))"`
}

// Validate checks pid and reason.
func (a *sendExitArgs) Validate() error {
	if err := validatePIDArg(a.PID); err != nil {
		return err
	}
	switch r := strings.TrimSpace(a.Reason); {
	case r == "":
		return catalog.Errorf("reason is required: normal, shutdown, kill, or a text of your own (at most %d bytes)", maxReasonLen)
	case len(r) > maxReasonLen:
		return catalog.Errorf("reason is %d bytes; at most %d", len(r), maxReasonLen)
	}
	return nil
}

// exitReason maps reason names to ergo's own reasons, which actors
// compare against by identity (errors.Is).
func exitReason(s string) error {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "normal":
		return gen.TerminateReasonNormal
	case "shutdown":
		return gen.TerminateReasonShutdown
	case "kill":
		return gen.TerminateReasonKill
	}
	return errors.New(strings.TrimSpace(s))
}

func init() {
	register(catalog.Tool{
		Name:  "send_exit",
		Title: "Send an exit signal",
		Kind:  catalog.Action,
		Description: "Asks a local process (pid) to terminate with reason: normal, shutdown, or any text (the process " +
			"terminates with errors.New(text)); kill ends it at once, as process_kill. The request waits its turn " +
			"after the current callback; an actor that traps exits (SetTrapExit) gets it as a gen.MessageExitPID " +
			"message instead and lives on. Watches the process for up to 1 s and reports State (\"gone\" once it " +
			"left the table). Its supervisor may restart it. Refuses ergomcp's own processes. Action: refused unless " +
			"the operator set Options.EnableActions.",
	}, sendExit)
}

func sendExit(env *Env, args *sendExitArgs) (any, error) {
	return env.endProcess(args.PID, exitReason(args.Reason))
}
