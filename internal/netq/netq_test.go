package netq

import (
	"strings"
	"testing"

	"github.com/ergomcp/ergomcp/internal/rank"
)

func TestValidateDefaultsAndNormalises(t *testing.T) {
	a := Args{SortBy: " Bytes_In "}
	if err := a.Validate(); err != nil {
		t.Fatal(err)
	}
	if a.Limit != rank.DefaultLimit || a.SortBy != "bytes_in" {
		t.Fatalf("after Validate: %+v", a)
	}
	a = Args{Limit: rank.MaxLimit}
	if err := a.Validate(); err != nil || a.Limit != rank.MaxLimit {
		t.Fatalf("max limit: %v %+v", err, a)
	}
}

func TestValidateErrors(t *testing.T) {
	for _, c := range []struct {
		args Args
		want string
	}{
		{Args{Limit: -1}, "limit must be between 1 and 10000 (default 20), got -1"},
		{Args{Limit: rank.MaxLimit + 1}, "got 10001"},
		{Args{SortBy: "latency"}, `sort_by "latency" is not valid; use one of: uptime, connection_uptime, messages_in, messages_out, bytes_in, bytes_out, name`},
		{Args{MinUptime: -1}, "min_uptime must not be negative, got -1"},
		{Args{MinConnectionUptime: -1}, "min_connection_uptime"},
		{Args{MinMessagesIn: -1}, "min_messages_in"},
		{Args{MinMessagesOut: -1}, "min_messages_out"},
		{Args{MinBytesIn: -1}, "min_bytes_in"},
		{Args{MinBytesOut: -1}, "min_bytes_out"},
	} {
		err := c.args.Validate()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Validate(%+v) = %v, want %q", c.args, err, c.want)
		}
	}
}

func TestSortKeysMatchSchemaEnum(t *testing.T) {
	for _, k := range SortKeys() {
		a := Args{SortBy: k.(string)}
		if err := a.Validate(); err != nil {
			t.Errorf("enum value %v rejected: %v", k, err)
		}
	}
}

var peers = []Peer{
	{Name: "b@h", Uptime: 100, ConnectionUptime: 5, MessagesIn: 10, MessagesOut: 1, BytesIn: 1000, BytesOut: 50},
	{Name: "a@h", Uptime: 100, ConnectionUptime: 50, MessagesIn: 3, MessagesOut: 7, BytesIn: 10, BytesOut: 500},
	{Name: "c@h", Uptime: -3, ConnectionUptime: 0, MessagesIn: 0, MessagesOut: 0, BytesIn: 0, BytesOut: 0},
}

func names(ps []Peer) string {
	var n []string
	for _, p := range ps {
		n = append(n, p.Name)
	}
	return strings.Join(n, ",")
}

func TestMatch(t *testing.T) {
	for _, c := range []struct {
		args Args
		want string
	}{
		{Args{}, "b@h,a@h,c@h"},
		{Args{Name: "a@"}, "a@h"},
		{Args{Name: "A@"}, ""}, // case-sensitive, like process names
		{Args{MinUptime: 100}, "b@h,a@h"},
		{Args{MinConnectionUptime: 6}, "a@h"},
		{Args{MinMessagesIn: 10}, "b@h"},
		{Args{MinMessagesOut: 2}, "a@h"},
		{Args{MinBytesIn: 11}, "b@h"},
		{Args{MinBytesOut: 500}, "a@h"},
		{Args{MinMessagesIn: 1, MinBytesOut: 100}, "a@h"},
		{Args{MinMessagesIn: 10, MinBytesOut: 100}, ""},
	} {
		if err := c.args.Validate(); err != nil {
			t.Fatal(err)
		}
		var got []Peer
		for i := range peers {
			if c.args.Match(&peers[i]) {
				got = append(got, peers[i])
			}
		}
		if names(got) != c.want {
			t.Errorf("Match(%+v) = %s, want %s", c.args, names(got), c.want)
		}
	}
}

func TestOrder(t *testing.T) {
	for _, c := range []struct {
		sortBy, want string
	}{
		{"", "a@h,b@h,c@h"},
		{"name", "a@h,b@h,c@h"},
		{"uptime", "a@h,b@h,c@h"}, // tie on 100 goes by name; a negative uptime counts as 0
		{"connection_uptime", "a@h,b@h,c@h"},
		{"messages_in", "b@h,a@h,c@h"},
		{"messages_out", "a@h,b@h,c@h"},
		{"bytes_in", "b@h,a@h,c@h"},
		{"bytes_out", "a@h,b@h,c@h"},
	} {
		a := Args{SortBy: c.sortBy}
		if err := a.Validate(); err != nil {
			t.Fatal(err)
		}
		for limit := 1; limit <= len(peers)+1; limit++ {
			top := NewTop[Peer](&a, limit)
			for i := range peers {
				top.Offer(&peers[i], func() Peer { return peers[i] })
			}
			want := strings.Join(strings.Split(c.want, ",")[:min(limit, len(peers))], ",")
			if got := names(top.Result()); got != want || top.Matched() != len(peers) {
				t.Errorf("sort_by %q limit %d: %s (matched %d), want %s", c.sortBy, limit, got, top.Matched(), want)
			}
		}
	}
}
