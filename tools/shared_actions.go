package tools

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"

	"ergo.services/ergo/gen"

	"github.com/ergomcp/ergomcp/internal/catalog"
	"github.com/ergomcp/ergomcp/internal/ident"
	"github.com/ergomcp/ergomcp/internal/payload"
	"github.com/ergomcp/ergomcp/internal/record"
)

// This file holds what the action tools (message_types, message_type_info,
// send_message, call_process, send_exit, process_kill) share: reading the
// message type registry, building messages from JSON, resolving
// recipients, and refusing to end ergomcp's own processes.

// maxTypeNameLen bounds type_name; EDF names are at most 4095 bytes.
const maxTypeNameLen = 4095

// validateRecipient checks the syntax of a to argument.
func validateRecipient(arg, s string) error {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return catalog.Errorf("%s is required: a PID (<90A29F11.0.1017>), an alias (Alias#<90A29F11.0.1.2>) or a registered process name", arg)
	case strings.HasPrefix(s, "Alias#"):
		if _, err := ident.ParseAlias(s); err != nil {
			return catalog.Errorf("%s: %v", arg, err)
		}
		return nil
	}
	t := targetOf(s)
	if err := t.Validate(); err != nil {
		return catalog.Errorf("%s: %v", arg, err)
	}
	if len(t.Name) > maxAtomLen {
		return catalog.Errorf("%s: a registered name is an Ergo atom of at most %d bytes, got %d", arg, maxAtomLen, len(t.Name))
	}
	return nil
}

// validateMessage checks what send_message and call_process share: the
// recipient, the JSON value under arg and type_name. The value is built
// on the node that runs the tool, whose registry has the types.
func validateMessage(to string, v any, arg, typeName string) error {
	if err := validateRecipient("to", to); err != nil {
		return err
	}
	if v == nil {
		return catalog.Errorf("%s is required: the JSON value to send (with type_name, shaped as message_type_info shows)", arg)
	}
	return validateTypeName(typeName)
}

// validatePIDArg checks a pid argument that must be a PID, not a name:
// destructive tools take the exact process, since a name may meanwhile
// belong to a restarted one.
func validatePIDArg(s string) error {
	s = strings.TrimSpace(s)
	if s == "" {
		return catalog.Errorf("pid is required: a PID as Ergo prints it, e.g. <90A29F11.0.1017>")
	}
	if !strings.HasPrefix(s, "<") {
		return catalog.Errorf("pid %q is not a PID: pass one as Ergo prints it (<90A29F11.0.1017>); process_lookup turns a registered name into its PID", clipArg(s))
	}
	if _, err := ident.ParsePID(s); err != nil {
		return catalog.Errorf("pid: %v", err)
	}
	return nil
}

// validateTypeName bounds type_name; whether it names a registered type
// is known only on the node that runs the tool.
func validateTypeName(s string) error {
	if len(s) > maxTypeNameLen {
		return catalog.Errorf("type_name is %d bytes; registered type names are at most %d", len(s), maxTypeNameLen)
	}
	return nil
}

// clipArg bounds caller text quoted back in errors.
func clipArg(s string) string {
	if len(s) > 40 {
		return strings.ToValidUTF8(s[:40], "") + "…"
	}
	return s
}

// recipient resolves a to argument to a local PID or alias.
func (e *Env) recipient(s string) (any, error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "Alias#") {
		return e.resolveAlias(s)
	}
	return e.resolve(targetOf(s))
}

// typeSource is where message type names and types come from on the
// running ergo.
type typeSource struct {
	// from names the registry for the agent.
	from   string
	names  func() ([]string, error) // nil when the registry cannot list
	lookup func(name string) (reflect.Type, bool, error)
}

// messageTypes finds the registry: ergo 3.3's network methods (reached by
// name: they do not exist on 3.1), else the EDF registry of 3.1/3.2.
func (e *Env) messageTypes() (typeSource, error) {
	if net := e.Node().Network(); net != nil {
		if r, ok := payload.ProbeRegistry(net); ok {
			src := typeSource{from: "Network().RegisteredTypes/LookupType (ergo ≥ 3.3)", lookup: r.Lookup}
			if r.CanList() {
				src.names = r.Names
			}
			return src, nil
		}
	}
	if src, ok := edfTypes(); ok {
		return src, nil
	}
	return typeSource{}, catalog.Errorf("this ergo exposes no message type registry ergomcp can read " +
		"(neither Network().RegisteredTypes/LookupType of ergo 3.3 nor edf.GetRegCache of ergo 3.1/3.2); " +
		"send_message and call_process still send JSON without type_name")
}

// messageType resolves the type_name an agent wrote to its registered
// name and Go type.
func (e *Env) messageType(q string) (string, reflect.Type, error) {
	src, err := e.messageTypes()
	if err != nil {
		return "", nil, err
	}
	name := strings.TrimSpace(q)
	if src.names != nil {
		names, err := src.names()
		if err != nil {
			return "", nil, fmt.Errorf("reading the registered message types: %w", err)
		}
		match, candidates := payload.Match(names, name)
		switch {
		case match != "":
			name = match
		case len(candidates) > 0:
			return "", nil, catalog.Errorf("type_name %q is ambiguous: it matches %s; pass the full name", clipArg(q), strings.Join(candidates, ", "))
		default:
			return "", nil, catalog.Errorf("no registered message type matches %q; message_types (with filter) lists them by full name (#package/path/Type), and types must be registered (edf.RegisterTypeOf) before they can be built", clipArg(q))
		}
	}
	t, ok, err := src.lookup(name)
	switch {
	case err != nil:
		return "", nil, fmt.Errorf("looking up message type %s: %w", name, err)
	case !ok:
		return "", nil, catalog.Errorf("message type %q is not registered on %s; message_types lists the registered ones", clipArg(name), e.Node().Name())
	}
	return name, t, nil
}

// builder builds messages for this node: PIDs and aliases inside them are
// written as Ergo prints them and must belong to this node or a
// connected peer.
func (e *Env) builder() payload.Builder {
	return payload.Builder{Special: map[reflect.Type]payload.Special{
		reflect.TypeFor[gen.PID](): e.printedID("a PID", "<90A29F11.0.1017>", func(s string) (string, func(gen.Atom, int64) any, error) {
			p, err := ident.ParsePID(s)
			return p.NodeHash, func(node gen.Atom, creation int64) any { return gen.PID{Node: node, ID: p.ID, Creation: creation} }, err
		}),
		reflect.TypeFor[gen.Alias](): e.printedID("an alias", "Alias#<90A29F11.0.1.2>", func(s string) (string, func(gen.Atom, int64) any, error) {
			a, err := ident.ParseAlias(s)
			return a.NodeHash, func(node gen.Atom, creation int64) any { return gen.Alias{Node: node, ID: a.ID, Creation: creation} }, err
		}),
	}}
}

// printedID builds identifiers written as Ergo prints them. parse returns
// the node hash the text carries and a constructor that completes the
// value once the node is known.
func (e *Env) printedID(kind, example string, parse func(string) (string, func(gen.Atom, int64) any, error)) payload.Special {
	return payload.Special{
		Example: strconv.Quote(example),
		Form:    fmt.Sprintf("%s as Ergo prints it (%s), of this node or a connected one", kind, example),
		Build: func(v any) (reflect.Value, error) {
			s, ok := v.(string)
			if !ok {
				return reflect.Value{}, fmt.Errorf("expected %s as a string such as %s", kind, example)
			}
			hash, value, err := parse(s)
			if err != nil {
				return reflect.Value{}, err
			}
			node, creation, err := e.nodeOfHash(hash, kind)
			if err != nil {
				return reflect.Value{}, err
			}
			return reflect.ValueOf(value(node, creation)), nil
		},
	}
}

// message builds what send_message and call_process send: a value of the
// registered type typeName, or the JSON as it is without one. It returns
// the registered name used ("" without one).
func (e *Env) message(typeName string, v any, arg string) (any, string, error) {
	b := e.builder()
	if strings.TrimSpace(typeName) == "" {
		x, err := b.Plain(arg, v)
		if err != nil {
			return nil, "", catalog.Wrap(err)
		}
		return x, "", nil
	}
	name, t, err := e.messageType(typeName)
	if err != nil {
		return nil, "", err
	}
	root := t.Name()
	if root == "" {
		root = payload.GoName(name)
	}
	val, err := b.Build(t, root, v)
	if err != nil {
		return nil, "", catalog.Errorf("%s does not fit %s (message_type_info type_name=%q shows its fields): %v", arg, name, name, err)
	}
	return val.Interface(), name, nil
}

// nodeOfHash finds the node (this one or a connected peer) whose name
// hashes to hash, with its creation: a printed PID carries only the hash.
func (e *Env) nodeOfHash(hash, kind string) (gen.Atom, int64, error) {
	node := e.Node()
	if hash == ident.NodeHash(string(node.Name())) {
		return node.Name(), node.Creation(), nil
	}
	if net := node.Network(); net != nil {
		for _, peer := range net.Nodes() {
			if ident.NodeHash(string(peer)) != hash {
				continue
			}
			if remote, err := net.Node(peer); err == nil {
				return peer, remote.Creation(), nil
			}
		}
	}
	return "", 0, fmt.Errorf("%s that belongs to no node %s knows (hash %s): only this node and connected peers can be named", kind, node.Name(), hash)
}

// ergomcpApp is the name of ergomcp's own application (ergomcp.AppName,
// which this package cannot import).
const ergomcpApp gen.Atom = "ergomcp"

// maxAncestors bounds the walk up the parent chain.
const maxAncestors = 64

// refuseOwn returns an error when pid is one of ergomcp's own processes:
// the worker running this call, a process registered with the ergomcp_
// prefix or one of their descendants (workers, samplers), or a process of
// the ergomcp application. Ending one would cut off the diagnostics the
// agent is using, and ergomcp may run inside a host application, so the
// parent chain is what tells.
func (e *Env) refuseOwn(pid gen.PID, verb string) error {
	node := e.Node()
	cur := pid
	for i := range maxAncestors {
		info, err := processShortInfo(node, cur)
		if err != nil {
			if i == 0 {
				return processError(e, pid, err)
			}
			return nil // the chain left the process table: the node's core
		}
		var why string
		switch {
		case e.Process != nil && cur == e.Process.PID():
			why = "the ergomcp worker running this very call"
		case strings.HasPrefix(string(info.Name), "ergomcp_"):
			why = fmt.Sprintf("ergomcp's own process %s (%s)", info.Name, cur)
		case info.Application == ergomcpApp:
			why = "a process of the ergomcp application"
		}
		if why != "" {
			if cur != pid {
				why = "a descendant of " + why
			}
			return catalog.Errorf("refusing to %s %s: it is %s, and ending it would cut off the diagnostics this call runs "+
				"through. Stop ergomcp through its application or node if that is really meant", verb, pid, why)
		}
		if info.Parent == (gen.PID{}) || info.Parent.Node != node.Name() || info.Parent == cur {
			return nil
		}
		cur = info.Parent
	}
	return nil
}

// endProcess asks the local process pidArg names to exit with reason,
// or kills it at once for gen.TerminateReasonKill, unless it is one of
// ergomcp's own, and reports what became of it.
func (e *Env) endProcess(pidArg string, reason error) ([]byte, error) {
	pid, err := e.resolve(Target{PID: pidArg})
	if err != nil {
		return nil, err
	}
	kill := reason == gen.TerminateReasonKill
	verb := "send an exit signal to"
	if kill {
		verb = "kill"
	}
	if err := e.refuseOwn(pid, verb); err != nil {
		return nil, err
	}
	if kill {
		err = e.Node().Kill(pid)
	} else {
		err = e.Node().SendExit(pid, reason)
	}
	if err != nil {
		return nil, processError(e, pid, err)
	}
	state := e.afterExit(pid)
	return record.Append(nil, nil, nil,
		record.Field{Name: "PID", Value: pid},
		record.Field{Name: "Reason", Value: reason.Error()},
		record.Field{Name: "State", Value: state},
		record.Field{Name: "Note", Value: exitNote(pid, state)})
}

// exitWait is how long send_exit and process_kill watch the target end:
// long enough for a process between callbacks, short enough to keep the
// worker.
const exitWait = time.Second

// afterExit reports what became of pid within exitWait (or the call's
// deadline, if sooner): "gone" once it left the process table, else its
// state as ergo prints it.
func (e *Env) afterExit(pid gen.PID) string {
	deadline := time.Now().Add(exitWait)
	if d, ok := e.Ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	for {
		state, err := e.Node().ProcessState(pid)
		if err != nil {
			return "gone"
		}
		if state == gen.ProcessStateTerminated || !time.Now().Before(deadline) {
			return state.String()
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// exitNote explains a process still there after an exit request or kill.
func exitNote(pid gen.PID, state string) string {
	switch state {
	case "gone":
		return fmt.Sprintf("%s has terminated and left the process table", pid)
	case gen.ProcessStateTerminated.String():
		return fmt.Sprintf("%s is terminating", pid)
	case gen.ProcessStateZombee.String():
		return fmt.Sprintf("%s is a zombie: killed while inside a callback, it leaves the table once that callback returns (if it never does, it is stuck there; pprof_goroutines pid=%s shows where)", pid, pid)
	}
	return fmt.Sprintf("%s is still alive (%s) after %s: it may trap exits (act.Actor SetTrapExit turns the request into a gen.MessageExitPID message), "+
		"or it is busy inside a callback and will see the request when that returns; process_kill ends it regardless", pid, state, exitWait)
}
