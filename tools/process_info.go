package tools

import (
	"ergo.services/ergo/gen"

	"github.com/ergomcp/ergomcp/internal/catalog"
	"github.com/ergomcp/ergomcp/internal/record"
	"github.com/ergomcp/ergomcp/internal/redact"
)

type processInfoArgs struct {
	catalog.Common
	Target
}

func init() {
	register(catalog.Tool{
		Name:  "process_info",
		Title: "Process details",
		Description: "Full gen.ProcessInfo of one process by pid or name: mailbox queues, links, monitors, aliases, events, metas, " +
			"parent, leader. MailboxSize is the main queue's capacity, -1 when unbounded (the default): the messages " +
			"waiting are MailboxQueues.Main, System, Urgent and Log. Env only with Security.ExposeEnvInfo, secrets redacted.",
	}, processInfo)
}

func processInfo(env *Env, args *processInfoArgs) (any, error) {
	pid, err := env.resolve(args.Target)
	if err != nil {
		return nil, err
	}
	info, err := env.Node().ProcessInfo(pid)
	if err != nil {
		return nil, processError(env, pid, err)
	}
	var envVars map[string]any
	if env.Node().Security().ExposeEnvInfo {
		envVars = redact.Map(info.Env, func(k gen.Env) string { return k.String() })
	}
	return record.Append(nil, info, []string{"Env"}, record.Field{Name: "Env", Value: envVars})
}

// processError turns ergo's lookup errors into text that says what to do.
func processError(env *Env, pid gen.PID, err error) error {
	switch err {
	case gen.ErrProcessUnknown:
		return catalog.Errorf("no process %s on %s (it may have terminated; process_list shows the live ones)", pid, env.Node().Name())
	case gen.ErrProcessTerminated:
		return catalog.Errorf("process %s has terminated", pid)
	}
	return catalog.Errorf("process %s: %v", pid, err)
}
