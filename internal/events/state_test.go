package events

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

var full = Availability{have: allCols, why: "test"}

func TestStatesWithFullTable(t *testing.T) {
	for _, c := range []struct {
		e    Event
		want string
	}{
		{Event{Subscribers: 2, MessagesPublished: 5}, StateActive},
		{Event{Subscribers: 2, MessagesPublished: 5, Notify: true}, StateActive},
		{Event{Notify: true}, StateOnDemand},
		{Event{Notify: true, Subscribers: 1}, StateOnDemand},
		{Event{Notify: true, MessagesPublished: 3}, StateOnDemand},
		{Event{MessagesPublished: 3}, StateNoSubscribers},
		{Event{Subscribers: 4}, StateNoPublishing},
		{Event{}, StateIdle},
		{Event{BufferSize: 8, CurrentBuffer: 8}, StateIdle},
	} {
		full.Classify(&c.e)
		if c.e.UtilizationState != c.want {
			t.Errorf("%+v: state %q, want %q", c.e, c.e.UtilizationState, c.want)
		}
	}
}

func TestStatesWithoutPublishCounters(t *testing.T) {
	lonely, networked := RebuiltAvailability(false), RebuiltAvailability(true)
	for _, c := range []struct {
		a    Availability
		subs int64
		want string
	}{
		{lonely, 2, StateHasSubscribers},
		{lonely, 0, StateNoSubscribers},
		{networked, 1, StateHasSubscribers},
		{networked, 0, StateNoLocalSubscribers},
	} {
		e := Event{Subscribers: c.subs}
		c.a.Classify(&e)
		if e.UtilizationState != c.want {
			t.Errorf("peers %v, %d subscribers: %q, want %q", c.a.peers, c.subs, e.UtilizationState, c.want)
		}
		if !slices.Contains(c.a.states(), e.UtilizationState) {
			t.Errorf("state %q is not among the source's states %v", e.UtilizationState, c.a.states())
		}
	}
	var none Availability
	e := Event{Subscribers: 1}
	none.Classify(&e)
	if e.UtilizationState != "" {
		t.Fatalf("state without subscriber counts: %q", e.UtilizationState)
	}
}

func TestEncodeLeavesOutMissingColumns(t *testing.T) {
	e := Event{Name: "prices", Subscribers: 2, MessagesPublished: 7, Notify: true}
	rebuilt := RebuiltAvailability(false)
	rebuilt.Classify(&e)
	raw, err := rebuilt.Encode(&e, 0)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	for _, absent := range []string{"Notify", "MessagesPublished", "BufferSize", "LastPublishedAt", "SinceLastPublishSec"} {
		if _, ok := got[absent]; ok {
			t.Errorf("rebuilt record shows %s: %s", absent, raw)
		}
	}
	if v, ok := got["Producer"]; !ok || v != nil {
		t.Errorf("unknown producer must be null: %s", raw)
	}
	if got["Subscribers"] != float64(2) || got["UtilizationState"] != StateHasSubscribers {
		t.Errorf("record: %s", raw)
	}
	u := rebuilt.Unavailable()
	if _, ok := u["Subscribers"]; ok || !strings.Contains(u["MessagesPublished"], "3.3") || u["SinceLastPublishSec"] == "" {
		t.Errorf("unavailable: %v", u)
	}

	e = Event{Name: "x", Producer: "<A.0.1>", LastPublishedAt: 1_000_000_000}
	raw, _ = full.Encode(&e, 3_500_000_000)
	if !strings.Contains(string(raw), `"SinceLastPublishSec":2.5`) || !strings.Contains(string(raw), `"Producer":"<A.0.1>"`) {
		t.Errorf("full record: %s", raw)
	}
	e.LastPublishedAt = 0
	raw, _ = full.Encode(&e, 3_500_000_000)
	if !strings.Contains(string(raw), `"SinceLastPublishSec":null`) {
		t.Errorf("never published: %s", raw)
	}
}

func TestRebuildAggregates(t *testing.T) {
	rb := NewRebuild("", 0)
	rb.Producer("b", "<A.0.1001>")
	rb.Subscriber("b", "<A.0.1002>", false)
	rb.Subscriber("b", "<A.0.1003>", true)
	rb.Subscriber("a", "<A.0.1003>", false) // producer not seen: the node's own event
	got := rb.Events()
	if rb.Len() != 2 || len(got) != 2 || got[0].Name != "a" || got[0].Producer != "" || got[0].Subscribers != 1 ||
		got[1].Name != "b" || got[1].Producer != "<A.0.1001>" || got[1].Subscribers != 2 {
		t.Fatalf("events: %+v", got)
	}
	if _, subs, ok := rb.Event("b"); !ok || len(subs) != 0 {
		t.Fatalf("counts-only rebuild kept subscribers: %v", subs)
	}

	one := NewRebuild("b", 1)
	one.Producer("a", "<A.0.1001>")
	one.Subscriber("b", "<A.0.1002>", true)
	one.Subscriber("b", "<A.0.1003>", false)
	if one.Len() != 1 {
		t.Fatalf("only=b kept %d events", one.Len())
	}
	e, subs, ok := one.Event("b")
	if !ok || e.Subscribers != 2 || len(subs) != 1 || subs[0] != (Subscriber{PID: "<A.0.1002>", Link: true}) {
		t.Fatalf("event b: %+v %+v", e, subs)
	}
	if _, _, ok := one.Event("a"); ok {
		t.Fatal("event outside only kept")
	}
}
