package tools

import (
	"strings"

	"ergo.services/ergo/gen"

	"github.com/ergomcp/ergomcp/internal/catalog"
	"github.com/ergomcp/ergomcp/internal/ident"
)

// maxAtomLen is the longest name ergo accepts (an atom), so longer ones
// cannot name anything and are refused before any lookup.
const maxAtomLen = 255

// Target names one process by PID or registered name; tools embed it.
type Target struct {
	PID  string `json:"pid,omitempty"`
	Name string `json:"name,omitempty" jsonschema:"registered name, instead of pid"`
}

// Validate requires exactly one of pid and name.
func (t *Target) Validate() error {
	switch {
	case t.PID == "" && t.Name == "":
		return catalog.Errorf("pass pid (e.g. <90A29F11.0.1017>) or name (a registered process name)")
	case t.PID != "" && t.Name != "":
		return catalog.Errorf("pass pid or name, not both")
	case len(t.Name) > maxAtomLen:
		return catalog.Errorf("name is %d bytes long; ergo names are at most %d bytes", len(t.Name), maxAtomLen)
	}
	if t.PID != "" {
		if _, err := ident.ParsePID(t.PID); err != nil {
			return catalog.Wrap(err)
		}
	}
	return nil
}

// resolve turns a Target into a local PID. A PID of another node is an
// error that names the node to pass (never silently a local process).
func (e *Env) resolve(t Target) (gen.PID, error) {
	node := e.Node()
	if t.Name != "" {
		return e.lookupName(gen.Atom(t.Name))
	}
	p, err := ident.ParsePID(t.PID)
	if err != nil {
		return gen.PID{}, catalog.Wrap(err)
	}
	if p.NodeHash != ident.NodeHash(string(node.Name())) {
		return gen.PID{}, e.foreign("PID", t.PID, p.NodeHash)
	}
	return gen.PID{Node: node.Name(), ID: p.ID, Creation: node.Creation()}, nil
}

// targetOf reads a process reference written as one string, as tools that
// take a single reference (parent, target) accept it: a PID as Ergo prints
// it ("<...>"), otherwise a registered name.
func targetOf(s string) Target {
	if strings.HasPrefix(strings.TrimSpace(s), "<") {
		return Target{PID: s}
	}
	return Target{Name: s}
}

// resolveAlias turns "Alias#<...>" into a local alias. An alias of another
// node is an error that names the node, as for PIDs.
func (e *Env) resolveAlias(s string) (gen.Alias, error) {
	a, err := ident.ParseAlias(s)
	if err != nil {
		return gen.Alias{}, catalog.Wrap(err)
	}
	node := e.Node()
	if a.NodeHash != ident.NodeHash(string(node.Name())) {
		return gen.Alias{}, e.foreign("alias", s, a.NodeHash)
	}
	return gen.Alias{Node: node.Name(), Creation: node.Creation(), ID: a.ID}, nil
}

// foreign explains that an identifier belongs to another node, naming it
// when it is a connected peer.
func (e *Env) foreign(kind, id, hash string) error {
	node := e.Node()
	if net := node.Network(); net != nil {
		for _, peer := range net.Nodes() {
			if ident.NodeHash(string(peer)) == hash {
				return catalog.Errorf("%s %s belongs to node %s, not to %s: pass node=%q", kind, id, string(peer), string(node.Name()), string(peer))
			}
		}
	}
	return catalog.Errorf("%s %s belongs to another node (hash %s), not to %s (hash %s): pass that node's name as node",
		kind, id, hash, node.Name(), ident.NodeHash(string(node.Name())))
}

// pidByName is the lookup ergo ≥ 3.2 offers on the node.
type pidByName interface {
	ProcessPID(name gen.Atom) (gen.PID, error)
}

func (e *Env) lookupName(name gen.Atom) (gen.PID, error) {
	if n, ok := e.Node().(pidByName); ok {
		pid, err := n.ProcessPID(name)
		if err != nil {
			return gen.PID{}, catalog.Errorf("no process registered as %q on %s", string(name), e.Node().Name())
		}
		return pid, nil
	}
	// ergo 3.1 has no name index on the node: walk the table.
	var found gen.PID
	err := walkProcesses(e.Node(), func(page []gen.ProcessShortInfo) bool {
		for i := range page {
			if page[i].Name == name {
				found = page[i].PID
				return false
			}
		}
		return true
	})
	if err != nil {
		return gen.PID{}, err
	}
	if found == (gen.PID{}) {
		return gen.PID{}, catalog.Errorf("no process registered as %q on %s", string(name), e.Node().Name())
	}
	return found, nil
}

// pageSize is how many records one ProcessListShortInfo call returns.
const pageSize = 1000

// firstProcessID is ergo's first process ID.
const firstProcessID = 1000

// walkProcesses pages ergo's process table in PID order, calling fn with
// each page until fn returns false. Memory is one page at a time.
func walkProcesses(node gen.Node, fn func(page []gen.ProcessShortInfo) bool) error {
	return walkProcessesFrom(node, firstProcessID, fn)
}

// walkProcessesFrom is walkProcesses from process ID start on.
func walkProcessesFrom(node gen.Node, start uint64, fn func(page []gen.ProcessShortInfo) bool) error {
	start = max(start, firstProcessID)
	for {
		page, err := node.ProcessListShortInfo(int(start), pageSize)
		if err != nil {
			return catalog.Errorf("listing processes: %v", err)
		}
		if len(page) == 0 || !fn(page) {
			return nil
		}
		start = page[len(page)-1].PID.ID + 1
	}
}

// processShortInfo reads one process's short record: a one-record page that
// starts at its ID. It is cheaper than ProcessInfo (no links, monitors or
// env copied) and, unlike ProcessInfo on ergo 3.1, reads nothing that races
// with the process's own bookkeeping through our frames. The existence
// check comes first because a page starting at a dead ID scans on to the
// next live process.
func processShortInfo(node gen.Node, pid gen.PID) (gen.ProcessShortInfo, error) {
	if _, err := node.ProcessState(pid); err != nil {
		return gen.ProcessShortInfo{}, err
	}
	page, err := node.ProcessListShortInfo(int(pid.ID), 1)
	if err != nil {
		return gen.ProcessShortInfo{}, err
	}
	if len(page) == 0 || page[0].PID != pid {
		return gen.ProcessShortInfo{}, gen.ErrProcessTerminated
	}
	return page[0], nil
}
