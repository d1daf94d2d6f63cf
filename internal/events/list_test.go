package events

import (
	"fmt"
	"strings"
	"testing"
)

func ptr[T any](v T) *T { return &v }

func planOf(t *testing.T, a ListArgs, avail Availability, producer string) *Plan {
	t.Helper()
	p, err := a.Plan(avail, producer)
	if err != nil {
		t.Fatalf("%+v: %v", a, err)
	}
	return p
}

// run offers evs to a Top of the plan and returns the names kept and the
// total matched.
func run(p *Plan, evs []Event) ([]string, int) {
	top := NewTop(p)
	for _, e := range evs {
		top.Offer(e)
	}
	var names []string
	for _, e := range top.Result() {
		names = append(names, e.Name)
	}
	return names, top.Matched()
}

var table = []Event{
	{Name: "prices", Producer: "<A.0.1001>", Notify: true, Subscribers: 3, MessagesPublished: 40, MessagesLocalSent: 120, BufferSize: 4},
	{Name: "orders", Producer: "<A.0.1002>", MessagesPublished: 9, MessagesRemoteSent: 3},
	{Name: "alerts", Producer: "<A.0.1003>", Subscribers: 1},
	{Name: "audit", Producer: "<A.0.1002>"},
	{Name: "orders_v2", Producer: "<A.0.1004>", Subscribers: 5, MessagesPublished: 2, MessagesLocalSent: 10},
}

func TestListFiltersAndSorts(t *testing.T) {
	for _, c := range []struct {
		args     ListArgs
		producer string
		want     string
		total    int
	}{
		{ListArgs{}, "", "alerts audit orders orders_v2 prices", 5},
		{ListArgs{SortBy: "subscribers"}, "", "orders_v2 prices alerts audit orders", 5},
		{ListArgs{SortBy: "Published", Limit: 2}, "", "prices orders", 5},
		{ListArgs{SortBy: "local_sent", Limit: 1}, "", "prices", 5},
		{ListArgs{SortBy: "remote-sent", Limit: 1}, "", "orders", 5},
		{ListArgs{Name: "orders"}, "", "orders orders_v2", 2},
		{ListArgs{}, "<A.0.1002>", "audit orders", 2},
		{ListArgs{Notify: ptr(true)}, "", "prices", 1},
		{ListArgs{Notify: ptr(false), MinSubscribers: 1}, "", "alerts orders_v2", 2},
		{ListArgs{MaxSubscribers: ptr(int64(0))}, "", "audit orders", 2},
		{ListArgs{MinPublished: 5}, "", "orders prices", 2},
		{ListArgs{MaxPublished: ptr(int64(0))}, "", "alerts audit", 2},
		{ListArgs{HasBuffer: ptr(true)}, "", "prices", 1},
		{ListArgs{UtilizationState: "active"}, "", "orders_v2 prices", 2},
		{ListArgs{UtilizationState: "No-Subscribers"}, "", "orders", 1},
		{ListArgs{UtilizationState: "no_publishing"}, "", "alerts", 1},
		{ListArgs{UtilizationState: "idle"}, "", "audit", 1},
		{ListArgs{UtilizationState: "on_demand"}, "", "", 0},
	} {
		names, total := run(planOf(t, c.args, full, c.producer), table)
		if got := strings.Join(names, " "); got != c.want || total != c.total {
			t.Errorf("%+v producer %q: %q total %d, want %q total %d", c.args, c.producer, got, total, c.want, c.total)
		}
	}
}

func TestTopKeepsTheBestInBoundedMemory(t *testing.T) {
	var evs []Event
	for i := range 1000 {
		evs = append(evs, Event{Name: fmt.Sprintf("e%04d", i), Subscribers: int64(i % 97)})
	}
	p := planOf(t, ListArgs{SortBy: "subscribers", Limit: 3}, full, "")
	top := NewTop(p)
	for _, e := range evs {
		top.Offer(e)
		if top.top.Len() > 3 {
			t.Fatalf("Top holds %d events with limit 3", top.top.Len())
		}
	}
	got := top.Result()
	// 96 subscribers: i = 96, 193, 290, ... ; ties by name ascending.
	if top.Matched() != 1000 || len(got) != 3 || got[0].Name != "e0096" || got[1].Name != "e0193" || got[2].Name != "e0290" {
		t.Fatalf("top 3: %+v", got)
	}
}

func TestListOnRebuiltTableRefusesMissingColumns(t *testing.T) {
	rebuilt := RebuiltAvailability(false)
	for _, c := range []struct {
		args ListArgs
		want []string
	}{
		{ListArgs{Notify: ptr(false)}, []string{"notify", "Notify", "ergo ≥ 3.3"}},
		{ListArgs{MinPublished: 1}, []string{"min_published", "MessagesPublished", "ergo ≥ 3.3"}},
		{ListArgs{MaxPublished: ptr(int64(0))}, []string{"max_published", "ergo ≥ 3.3"}},
		{ListArgs{HasBuffer: ptr(true)}, []string{"has_buffer", "BufferSize", "ergo ≥ 3.3"}},
		{ListArgs{SortBy: "published"}, []string{"sort_by=published", "ergo ≥ 3.3"}},
		{ListArgs{SortBy: "remote_sent"}, []string{"MessagesRemoteSent"}},
		{ListArgs{UtilizationState: "active"}, []string{"active", "ergo ≥ 3.3", "has_subscribers, no_subscribers, no_local_subscribers"}},
	} {
		_, err := c.args.Plan(rebuilt, "")
		if err == nil {
			t.Errorf("%+v accepted on a rebuilt table", c.args)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%+v: %q lacks %q", c.args, err, w)
			}
		}
	}
	// What a rebuild knows still filters and sorts.
	rebuiltTable := []Event{{Name: "a", Subscribers: 2}, {Name: "b"}, {Name: "c", Subscribers: 7}}
	for _, c := range []struct {
		args ListArgs
		want string
	}{
		{ListArgs{SortBy: "subscribers"}, "c a b"},
		{ListArgs{UtilizationState: "has_subscribers"}, "a c"},
		{ListArgs{UtilizationState: "no_subscribers"}, "b"},
		{ListArgs{MinSubscribers: 3}, "c"},
	} {
		names, _ := run(planOf(t, c.args, rebuilt, ""), rebuiltTable)
		if got := strings.Join(names, " "); got != c.want {
			t.Errorf("rebuilt %+v: %q, want %q", c.args, got, c.want)
		}
	}
	if _, err := (&ListArgs{UtilizationState: "has_subscribers"}).Plan(full, ""); err == nil || !strings.Contains(err.Error(), "min_subscribers=1") {
		t.Errorf("partial state on a full table: %v", err)
	}
}

func TestListArgsValidate(t *testing.T) {
	for _, c := range []struct {
		args ListArgs
		want string
	}{
		{ListArgs{Limit: -1}, "limit must be between 1 and 10000"},
		{ListArgs{Limit: 10001}, "limit must be between 1 and 10000"},
		{ListArgs{SortBy: "mailbox"}, `sort_by "mailbox" is not valid; use one of: subscribers, published, local_sent, remote_sent`},
		{ListArgs{UtilizationState: "busy"}, `utilization_state "busy" is not valid; use one of: active, on_demand`},
		{ListArgs{MinSubscribers: -1}, "min_subscribers must not be negative"},
		{ListArgs{MaxPublished: ptr(int64(-2))}, "max_published must not be negative"},
		{ListArgs{MinSubscribers: 5, MaxSubscribers: ptr(int64(1))}, "min_subscribers (5) is greater than max_subscribers (1)"},
	} {
		if err := c.args.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.args, err, c.want)
		}
	}
	a := ListArgs{}
	if err := a.Validate(); err != nil || a.Limit != 20 {
		t.Fatalf("defaults: %+v %v", a, err)
	}
	e := Enums()
	if len(e["sort_by"]) != 4 || len(e["utilization_state"]) != 7 {
		t.Fatalf("enums: %v", e)
	}
}
