// Package netq holds network_nodes' rules: which connected peers an
// argument set selects and in which order they come. It sees a peer only
// through Peer, which the Ergo side fills from gen.RemoteNodeInfo, so the
// rules build and are tested without Ergo.
package netq

import (
	"cmp"
	"strings"

	"github.com/ergomcp/ergomcp/internal/catalog"
)

// Limit bounds for network_nodes.
const (
	DefaultLimit = 20
	// MaxLimit matches process_list's ceiling: a cluster of more peers than
	// this is better narrowed with filters than read.
	MaxLimit = 10000
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
	Limit               int    `json:"limit,omitempty" arg:"min=1,max=10000,default=20"`
	Name                string `json:"name,omitempty" jsonschema:"substring of the node name"`
	MinUptime           int64  `json:"min_uptime,omitempty" jsonschema:"seconds"`
	MinConnectionUptime int64  `json:"min_connection_uptime,omitempty" jsonschema:"seconds"`
	MinMessagesIn       int64  `json:"min_messages_in,omitempty"`
	MinMessagesOut      int64  `json:"min_messages_out,omitempty"`
	MinBytesIn          int64  `json:"min_bytes_in,omitempty"`
	MinBytesOut         int64  `json:"min_bytes_out,omitempty"`
	SortBy              string `json:"sort_by,omitempty" jsonschema:"largest first; name (default) ascending"`
}

// sortKey is one sort_by value: value reads the key of a peer, larger
// first; nil is name order.
type sortKey struct {
	name  string
	value func(*Peer) uint64
}

var sortKeys = []sortKey{
	{"uptime", func(p *Peer) uint64 { return nonNegative(p.Uptime) }},
	{"connection_uptime", func(p *Peer) uint64 { return nonNegative(p.ConnectionUptime) }},
	{"messages_in", func(p *Peer) uint64 { return p.MessagesIn }},
	{"messages_out", func(p *Peer) uint64 { return p.MessagesOut }},
	{"bytes_in", func(p *Peer) uint64 { return p.BytesIn }},
	{"bytes_out", func(p *Peer) uint64 { return p.BytesOut }},
	{"name", nil},
}

// nonNegative maps an uptime onto the unsigned scale; a negative one (a
// peer whose clock runs ahead of ours) counts as zero.
func nonNegative(v int64) uint64 { return uint64(max(v, 0)) }

// SortKeys lists the valid sort_by values, for the schema's enum.
func SortKeys() []any {
	keys := make([]any, len(sortKeys))
	for i, k := range sortKeys {
		keys[i] = k.name
	}
	return keys
}

func sortKeyNamed(name string) (*sortKey, bool) {
	for i := range sortKeys {
		if sortKeys[i].name == name {
			return &sortKeys[i], true
		}
	}
	return nil, false
}

// Validate fills defaults, normalises sort_by and checks every argument.
// Out-of-range values are errors rather than clamped, as in process_list.
func (a *Args) Validate() error {
	if a.Limit == 0 {
		a.Limit = DefaultLimit
	}
	if a.Limit < 1 || a.Limit > MaxLimit {
		return catalog.Errorf("limit must be between 1 and %d (0 or omitted means %d), got %d", MaxLimit, DefaultLimit, a.Limit)
	}
	if a.SortBy != "" {
		norm := strings.ToLower(strings.TrimSpace(a.SortBy))
		if _, ok := sortKeyNamed(norm); !ok {
			valid := make([]string, len(sortKeys))
			for i, k := range sortKeys {
				valid[i] = k.name
			}
			return catalog.Errorf("sort_by %q is not valid; use one of: %s", a.SortBy, strings.Join(valid, ", "))
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

// Order returns the comparison sort_by asks for: the key largest first,
// ties (and the default order) by name ascending, so results are
// deterministic. Use it with slices.SortFunc after Validate.
func (a *Args) Order() func(x, y *Peer) int {
	k, _ := sortKeyNamed(a.SortBy)
	return func(x, y *Peer) int {
		if k != nil && k.value != nil {
			if c := cmp.Compare(k.value(y), k.value(x)); c != 0 {
				return c
			}
		}
		return strings.Compare(x.Name, y.Name)
	}
}
