package tools

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"ergo.services/ergo/gen"

	"github.com/ergomcp/ergomcp/internal/catalog"
	"github.com/ergomcp/ergomcp/internal/record"
)

// This file holds what the network and registrar tools share: the peer-name
// argument, the checks that the node has a network to use, and a bounded
// wait for calls that leave the node.

// PeerArg names a node of the cluster; the network and registrar tools
// that act on one node embed it.
type PeerArg struct {
	Name string `json:"name,omitempty" arg:"required" jsonschema:"e.g. shop@host1 (network_nodes lists connected peers)"`
}

// Validate requires a name of the form ergo gives nodes, so that a typo
// fails here with an example instead of as ergo's terse "incorrect value"
// or a dial to nowhere.
func (a *PeerArg) Validate() error {
	if err := requireText(&a.Name, "name is required: a node name such as shop@host1 (network_nodes lists connected peers)"); err != nil {
		return err
	}
	name, host, ok := strings.Cut(a.Name, "@")
	if !ok || name == "" || host == "" || strings.ContainsAny(a.Name, " \t\n") {
		return catalog.Errorf("name %q is not a node name: use the form name@host, e.g. shop@host1", a.Name)
	}
	return nil
}

// maxListedNames bounds the names an error message lists (peers, jobs).
const maxListedNames = 50

// nameList formats names for an error message: sorted, at most
// maxListedNames of them, with a hint where to see them all.
func nameList(names []gen.Atom, hint string) string {
	if len(names) == 0 {
		return "none"
	}
	slices.Sort(names)
	var b strings.Builder
	for i, n := range names[:min(len(names), maxListedNames)] {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(string(n))
	}
	if more := len(names) - maxListedNames; more > 0 {
		fmt.Fprintf(&b, " and %d more", more)
	}
	return b.String() + " (" + hint + ")"
}

// network returns the node's network, or an error that says why there is
// none: with networking disabled ergo has no registrar, and some of its
// calls (GetNode) would dereference it.
func (e *Env) network() (gen.Network, error) {
	node := e.Node()
	net := node.Network()
	if net == nil || net.Mode() == gen.NetworkModeDisabled {
		return nil, catalog.Errorf("networking is disabled on node %s (gen.NetworkOptions.Mode is disabled): "+
			"it has no peers, acceptors or registrar", node.Name())
	}
	return net, nil
}

// peerNetwork is network for tools that act on peer name, which must not
// be this node: ergo would try to connect a node to itself.
func (e *Env) peerNetwork(name string) (gen.Network, error) {
	if gen.Atom(name) == e.Node().Name() {
		return nil, catalog.Errorf("%s is this node: name a peer", name)
	}
	return e.network()
}

// registrar returns the node's registrar, or an error that says why there
// is none.
func (e *Env) registrar() (gen.Registrar, error) {
	net, err := e.network()
	if err != nil {
		return nil, err
	}
	reg, err := net.Registrar()
	if err != nil {
		return nil, catalog.Errorf("registrar of node %s: %v", e.Node().Name(), err)
	}
	if reg == nil {
		return nil, catalog.Errorf("node %s has no registrar", e.Node().Name())
	}
	return reg, nil
}

// connectedPeer returns the connection to peer name, or an error that lists
// the connected peers.
func connectedPeer(net gen.Network, name string) (gen.RemoteNode, error) {
	rn, err := net.Node(gen.Atom(name))
	if err == nil {
		return rn, nil
	}
	if errors.Is(err, gen.ErrNoConnection) {
		return nil, catalog.Errorf("node %s is not connected; connected peers: %s", name,
			nameList(net.Nodes(), "network_nodes shows them; network_connect connects"))
	}
	return nil, catalog.Errorf("connection to %s: %v", name, err)
}

// cookieFields are the fields of gen.RemoteNodeInfo whose name says they
// hold a cookie. There are none in ergo 3.1/3.2; listing them by name keeps
// a future field of that kind out of every peer record.
var cookieFields = func() []string {
	var names []string
	for _, n := range record.Names(gen.RemoteNodeInfo{}) {
		if strings.Contains(strings.ToLower(n), "cookie") {
			names = append(names, n)
		}
	}
	return names
}()

// peerRecord encodes one peer's info without cookie fields, then extra.
func peerRecord(ri gen.RemoteNodeInfo, extra ...record.Field) ([]byte, error) {
	return record.Append(nil, ri, cookieFields, extra...)
}

// registrarError explains err from the registrar's feature: that the
// registrar lacks it (ergo's embedded registrar resolves node routes only),
// with what to use instead, or what failed.
func registrarError(reg gen.Registrar, err error, feature, instead string) error {
	if errors.Is(err, gen.ErrUnsupported) {
		return catalog.Errorf("the registrar of this node (%s) does not support %s (%v); %s",
			registrarName(reg), feature, err, instead)
	}
	return catalog.Errorf("registrar %s: %s: %v", registrarName(reg), feature, err)
}

// registrarName identifies a registrar implementation for messages.
func registrarName(reg gen.Registrar) string {
	if v := reg.Version().String(); v != "" {
		return v
	}
	return fmt.Sprintf("%T", reg)
}

// outcome carries awaitNet's result across goroutines.
type outcome[T any] struct {
	v   T
	err error
}

// awaitNet runs f, a call into ergo that waits on the network (a registrar
// query, dialing and handshaking a peer), and returns when f does or when
// the tool call's deadline passes, whichever comes first. Ergo bounds its
// own registrar and dial waits to seconds, but a third-party registrar may
// take longer than the caller gave us; f is then left to finish in the
// background and its result dropped. what describes the call for the
// error.
func awaitNet[T any](ctx context.Context, what string, f func() (T, error)) (T, error) {
	done := make(chan outcome[T], 1)
	go func() {
		var o outcome[T]
		// f runs outside the dispatcher's recovery: a panic here would
		// take the node down.
		defer func() {
			if r := recover(); r != nil {
				o.err = fmt.Errorf("%s panicked in ergo: %v", what, r)
			}
			done <- o
		}()
		o.v, o.err = f()
	}()
	select {
	case o := <-done:
		return o.v, o.err
	case <-ctx.Done():
		var zero T
		return zero, catalog.Errorf("%s: no answer before the call's deadline (%v); it goes on in the background — "+
			"raise timeout (max %d s) or check again later", what, context.Cause(ctx), catalog.MaxTimeout)
	}
}
