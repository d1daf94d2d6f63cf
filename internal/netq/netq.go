// Package netq holds network_nodes' rules: which connected peers an
// argument set selects and in which order they come. It sees a peer only
// through Peer, which the Ergo side fills from gen.RemoteNodeInfo, so the
// rules build and are tested without Ergo.
package netq

import (
	"strings"

	"github.com/ergomcp/ergomcp/internal/catalog"
	"github.com/ergomcp/ergomcp/internal/rank"
)

// Peer is what the filters and sort keys read of one connected node.
type Peer struct {
	Name             string
	Uptime           int64 // the peer node's uptime, seconds
	ConnectionUptime int64 // age of the connection, seconds
	MessagesIn       uint64
	MessagesOut      uint64
	BytesIn          uint64
	BytesOut         uint64
}

// Args are network_nodes' own arguments; the tool embeds them next to
// catalog.Common. Zero values mean "no filter".
type Args struct {
	Limit               int    `json:"limit,omitempty" arg:"rule=list_limit"`
	Name                string `json:"name,omitempty" jsonschema:"substring of the node name"`
	MinUptime           int64  `json:"min_uptime,omitempty" jsonschema:"seconds"`
	MinConnectionUptime int64  `json:"min_connection_uptime,omitempty" jsonschema:"seconds"`
	MinMessagesIn       int64  `json:"min_messages_in,omitempty"`
	MinMessagesOut      int64  `json:"min_messages_out,omitempty"`
	MinBytesIn          int64  `json:"min_bytes_in,omitempty"`
	MinBytesOut         int64  `json:"min_bytes_out,omitempty"`
	SortBy              string `json:"sort_by,omitempty" jsonschema:"largest first; name (default) ascending"`
}

// sortKeys is network_nodes' sort_by table; name is the default order and
// every key's tie-breaker.
var sortKeys = rank.Keys[Peer, struct{}]{
	rank.Derived("uptime", struct{}{}, func(p *Peer) uint64 { return nonNegative(p.Uptime) }),
	rank.Derived("connection_uptime", struct{}{}, func(p *Peer) uint64 { return nonNegative(p.ConnectionUptime) }),
	rank.Field[Peer]("messages_in", "MessagesIn", struct{}{}),
	rank.Field[Peer]("messages_out", "MessagesOut", struct{}{}),
	rank.Field[Peer]("bytes_in", "BytesIn", struct{}{}),
	rank.Field[Peer]("bytes_out", "BytesOut", struct{}{}),
	rank.Tie[Peer]("name", struct{}{}),
}

// nonNegative maps an uptime onto the unsigned scale; a negative one (a
// peer whose clock runs ahead of ours) counts as zero.
func nonNegative(v int64) uint64 { return uint64(max(v, 0)) }

// SortKeys lists the valid sort_by values, for the schema's enum.
func SortKeys() []any { return sortKeys.Names() }

// Validate fills defaults, normalises sort_by and checks every argument.
// Out-of-range values are errors rather than clamped, as in process_list.
func (a *Args) Validate() error {
	if err := rank.CheckLimit(&a.Limit); err != nil {
		return err
	}
	if a.SortBy != "" {
		norm := strings.ToLower(strings.TrimSpace(a.SortBy))
		if _, err := sortKeys.Lookup(norm); err != nil {
			return err
		}
		a.SortBy = norm
	}
	names := [...]string{"min_uptime", "min_connection_uptime", "min_messages_in", "min_messages_out", "min_bytes_in", "min_bytes_out"}
	mins := [...]int64{a.MinUptime, a.MinConnectionUptime, a.MinMessagesIn, a.MinMessagesOut, a.MinBytesIn, a.MinBytesOut}
	for i, v := range mins {
		if v < 0 {
			return catalog.Errorf("%s must not be negative, got %d", names[i], v)
		}
	}
	return nil
}

// Match reports whether p passes every filter. Call it after Validate, which
// guarantees the minimums are not negative. Uptimes are compared as
// nonNegative reads them, so that no filter at all matches every peer.
func (a *Args) Match(p *Peer) bool {
	return strings.Contains(p.Name, a.Name) &&
		nonNegative(p.Uptime) >= uint64(a.MinUptime) &&
		nonNegative(p.ConnectionUptime) >= uint64(a.MinConnectionUptime) &&
		p.MessagesIn >= uint64(a.MinMessagesIn) &&
		p.MessagesOut >= uint64(a.MinMessagesOut) &&
		p.BytesIn >= uint64(a.MinBytesIn) &&
		p.BytesOut >= uint64(a.MinBytesOut)
}

// Top keeps the best peers of a query in the list engine's bounded top-N:
// the sort key largest first, ties (and the default order) by name
// ascending, so results are deterministic. Items are of any type T so that
// the Ergo side keeps its raw records.
type Top[T any] struct {
	args *Args
	key  *rank.Key[Peer, struct{}]
	top  *rank.Top[T, string]
}

// NewTop returns an empty Top that keeps the best limit peers matching a,
// which must have been validated.
func NewTop[T any](a *Args, limit int) *Top[T] {
	sortBy := a.SortBy
	if sortBy == "" {
		sortBy = "name"
	}
	k, _ := sortKeys.Lookup(sortBy) // checked by Validate
	return &Top[T]{args: a, key: k, top: rank.NewTop[T, string](limit)}
}

// Offer considers p: when it matches and ranks among the best kept so far,
// item gives the value to keep.
func (t *Top[T]) Offer(p *Peer, item func() T) {
	if t.args.Match(p) {
		t.top.Offer(t.key.Of(p), p.Name, item)
	}
}

// Matched is how many peers passed the filters: the list's total.
func (t *Top[T]) Matched() int { return t.top.Offered() }

// Result returns the kept items, best first.
func (t *Top[T]) Result() []T { return t.top.Result() }
