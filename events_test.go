package ergomcp_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"ergo.services/ergo/act"
	"ergo.services/ergo/gen"

	"github.com/ergomcp/ergomcp"
	"github.com/ergomcp/ergomcp/internal/mcptest"
)

// eventCmd asks an eventActor to register or subscribe to an event. ergo
// 3.1/3.2 refuse both from Init, so the actor does it on a message; done
// carries the outcome back (local messages are not serialized).
type eventCmd struct {
	op    string // register, monitor or link
	event gen.Event
	done  chan error
}

type eventActor struct{ act.Actor }

func (a *eventActor) HandleMessage(from gen.PID, message any) error {
	cmd, ok := message.(eventCmd)
	if !ok {
		return nil
	}
	var err error
	switch cmd.op {
	case "register":
		_, err = a.RegisterEvent(cmd.event.Name, gen.EventOptions{})
	case "monitor":
		_, err = a.MonitorEvent(cmd.event)
	case "link":
		_, err = a.LinkEvent(cmd.event)
	}
	cmd.done <- err
	return nil
}

// eventDo spawns (or, with pid set, reuses) an eventActor on node and has
// it run op on event; it returns the actor's PID.
func eventDo(t *testing.T, node gen.Node, pid gen.PID, op string, event gen.Event) gen.PID {
	t.Helper()
	pid, err := eventTry(t, node, pid, op, event)
	if err != nil {
		t.Fatalf("%s %s: %v", op, event.Name, err)
	}
	return pid
}

// eventTry is eventDo returning the actor's error. It waits longer than
// ergo's remote request timeout, so a lost remote request comes back as
// the actor's gen.ErrTimeout rather than as a hung test.
func eventTry(t *testing.T, node gen.Node, pid gen.PID, op string, event gen.Event) (gen.PID, error) {
	t.Helper()
	if pid == (gen.PID{}) {
		var err error
		if pid, err = node.Spawn(func() gen.ProcessBehavior { return &eventActor{} }, gen.ProcessOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	done := make(chan error, 1)
	if err := node.Send(pid, eventCmd{op: op, event: event, done: done}); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		return pid, err
	case <-time.After(time.Duration(gen.DefaultRequestTimeout+5) * time.Second):
		t.Fatalf("%s %s: no answer", op, event.Name)
	}
	return pid, nil
}

type eventRow struct {
	Name              string
	Producer          *string
	Subscribers       int64
	UtilizationState  string
	MessagesPublished *int64
}

type eventListResult struct {
	Total       int
	Returned    int
	Truncated   bool
	Unavailable map[string]string
	Source      string
	Scan        struct {
		Processes, Candidates, Inspected, Budget int
		Complete                                 bool
	}
	Notes  []string
	Events []eventRow
}

func (r eventListResult) names() string {
	var n []string
	for _, e := range r.Events {
		n = append(n, e.Name)
	}
	return strings.Join(n, " ")
}

func TestEventTools(t *testing.T) {
	node, s := openSession(t, ergomcp.Options{}, startNode)
	prices := gen.Event{Name: "test_ev_prices", Node: node.Name()}
	lonely := gen.Event{Name: "test_ev_lonely", Node: node.Name()}
	ownEvent := gen.Event{Name: "test_ev_node_own", Node: node.Name()}

	producer := eventDo(t, node, gen.PID{}, "register", prices)
	monitor := eventDo(t, node, gen.PID{}, "monitor", prices)
	link := eventDo(t, node, gen.PID{}, "link", prices)
	lonelyProducer, err := node.SpawnRegister("test_ev_lonely_producer", func() gen.ProcessBehavior { return &eventActor{} }, gen.ProcessOptions{})
	if err != nil {
		t.Fatal(err)
	}
	eventDo(t, node, lonelyProducer, "register", lonely)
	// An event of the node itself: ergo < 3.3 sees it only through a
	// subscriber; another one without subscribers stays invisible.
	if _, err := node.RegisterEvent(ownEvent.Name, gen.EventOptions{}); err != nil {
		t.Fatal(err)
	}
	quietToken, err := node.RegisterEvent("test_ev_node_quiet", gen.EventOptions{})
	if err != nil {
		t.Fatal(err)
	}
	eventDo(t, node, monitor, "monitor", ownEvent)

	var list eventListResult
	if ergo33 {
		checkEventTable(t, s, node, quietToken, producer)
		return
	}
	s.ok("event_list", map[string]any{"name": "test_ev_"}, &list)
	if list.Total != 3 || list.names() != "test_ev_lonely test_ev_node_own test_ev_prices" {
		t.Fatalf("event_list by name: %+v", list)
	}
	got := map[string]eventRow{}
	for _, e := range list.Events {
		got[e.Name] = e
	}
	if e := got["test_ev_prices"]; e.Producer == nil || *e.Producer != producer.String() || e.Subscribers != 2 ||
		e.UtilizationState != "has_subscribers" || e.MessagesPublished != nil {
		t.Errorf("test_ev_prices: %+v", e)
	}
	if e := got["test_ev_lonely"]; e.Producer == nil || *e.Producer != lonelyProducer.String() || e.Subscribers != 0 || e.UtilizationState != "no_subscribers" {
		t.Errorf("test_ev_lonely: %+v", e)
	}
	if e := got["test_ev_node_own"]; e.Producer != nil || e.Subscribers != 1 {
		t.Errorf("node's own event: %+v", e)
	}
	if list.Source != "process_info" || !list.Scan.Complete || list.Scan.Inspected == 0 || list.Scan.Inspected > list.Scan.Budget {
		t.Errorf("rebuild envelope: source %q scan %+v", list.Source, list.Scan)
	}
	if !strings.Contains(list.Unavailable["MessagesPublished"], "3.3") || list.Unavailable["Notify"] == "" {
		t.Errorf("unavailable: %v", list.Unavailable)
	}
	notes := strings.Join(list.Notes, "\n")
	for _, want := range []string{"other nodes are not visible", "Node.RegisterEvent", "the node counts"} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes lack %q: %s", want, notes)
		}
	}

	// Filters and sort on what a rebuild knows.
	for _, c := range []struct {
		args map[string]any
		want string
	}{
		{map[string]any{"producer": producer.String()}, "test_ev_prices"},
		{map[string]any{"producer": "test_ev_lonely_producer"}, "test_ev_lonely"},
		{map[string]any{"name": "test_ev_", "min_subscribers": 2}, "test_ev_prices"},
		{map[string]any{"name": "test_ev_", "max_subscribers": 0}, "test_ev_lonely"},
		{map[string]any{"name": "test_ev_", "utilization_state": "no_subscribers"}, "test_ev_lonely"},
		{map[string]any{"name": "test_ev_", "utilization_state": "has_subscribers", "sort_by": "subscribers"}, "test_ev_prices test_ev_node_own"},
	} {
		s.ok("event_list", c.args, &list)
		if list.names() != c.want {
			t.Errorf("event_list %v: %q, want %q", c.args, list.names(), c.want)
		}
	}
	s.ok("event_list", map[string]any{"name": "test_ev_", "sort_by": "subscribers", "limit": 1}, &list)
	if list.Total != 3 || list.Returned != 1 || !list.Truncated || list.names() != "test_ev_prices" {
		t.Errorf("limit 1: %+v", list)
	}

	// Unknown values and 3.3-only arguments.
	s.fail("event_list", map[string]any{"sort_by": "mailbox"}, "sort_by", "subscribers, published, local_sent, remote_sent")
	s.fail("event_list", map[string]any{"utilization_state": "busy"}, "utilization_state", "active, on_demand")
	for _, args := range []map[string]any{
		{"sort_by": "published"}, {"notify": true}, {"min_published": 1}, {"max_published": 0},
		{"has_buffer": false}, {"utilization_state": "active"},
	} {
		s.fail("event_list", args, "ergo ≥ 3.3")
	}
	s.fail("event_list", map[string]any{"producer": "test_ev_nobody"}, "no process registered as")

	var info struct {
		Name             string
		Producer         string
		Subscribers      int64
		UtilizationState string
		LocalSubscribers []struct {
			PID  string
			Link bool
		}
		Unavailable map[string]string
		Source      string
	}
	s.ok("event_info", map[string]any{"name": "test_ev_prices"}, &info)
	if info.Producer != producer.String() || info.Subscribers != 2 || info.UtilizationState != "has_subscribers" ||
		info.Source != "process_info" || info.Unavailable["MessagesPublished"] == "" {
		t.Errorf("event_info: %+v", info)
	}
	subs := fmt.Sprint(info.LocalSubscribers)
	if len(info.LocalSubscribers) != 2 || !strings.Contains(subs, "{"+monitor.String()+" false}") || !strings.Contains(subs, "{"+link.String()+" true}") {
		t.Errorf("event_info subscribers: %s, want %s (monitor) and %s (link)", subs, monitor, link)
	}
	s.fail("event_info", map[string]any{"name": "test_ev_missing"}, "no event", "test_ev_missing")
	s.fail("event_info", map[string]any{}, "name is required")
}

// TestEventRemoteSubscribersHidden: on ergo < 3.3 a subscriber on another
// node is invisible, and with connected peers the list says so instead of
// calling the event unsubscribed.
func TestEventRemoteSubscribersHidden(t *testing.T) {
	port := mcptest.FreePort(t)
	a := startNetNode(t, "evA", ergomcp.Options{Port: port})
	b := startNetNode(t, "evB", ergomcp.Options{})
	ev := gen.Event{Name: "test_ev_remote", Node: a.Name()}
	eventDo(t, a, gen.PID{}, "register", ev)
	// ergo 3.1 now and then loses a remote MonitorEvent request (seen about
	// once in 50 runs under -race): the subscriber gets gen.ErrTimeout after
	// 5 s and tries again.
	var sub gen.PID
	for attempt := 0; ; attempt++ {
		var err error
		if sub, err = eventTry(t, b, sub, "monitor", ev); err == nil {
			break
		} else if attempt > 0 && err.Error() == gen.ErrTargetExist.Error() { // a remote error arrives as its text
			break // the lost request had arrived after all
		} else if attempt == 2 {
			t.Fatalf("remote monitor of %s: %v", ev.Name, err)
		}
	}

	s := &session{t: t, s: mcptest.Connect(t, mcptest.URL(port), "")}
	var list eventListResult
	s.ok("event_list", map[string]any{"name": "test_ev_remote"}, &list)
	if ergo33 {
		// 3.3's event table counts every subscriber, remote ones included.
		if len(list.Events) != 1 || list.Events[0].Subscribers != 1 || list.Source != "event_table" {
			t.Fatalf("remote subscriber on the event table: %+v", list)
		}
		return
	}
	if len(list.Events) != 1 || list.Events[0].Subscribers != 0 || list.Events[0].UtilizationState != "no_local_subscribers" {
		t.Fatalf("remote subscriber: %+v", list)
	}
	if notes := strings.Join(list.Notes, "\n"); !strings.Contains(notes, "connected peers") {
		t.Errorf("notes do not mention the peers: %s", notes)
	}
	s.ok("event_list", map[string]any{"name": "test_ev_remote", "utilization_state": "no_local_subscribers"}, &list)
	if list.Total != 1 {
		t.Errorf("no_local_subscribers filter: %+v", list)
	}
}

// checkEventTable is TestEventTools on ergo 3.3, whose node keeps an event
// table: every event is listed (the node's own ones without subscribers too),
// with counted subscribers and publications.
func checkEventTable(t *testing.T, s *session, node gen.Node, quietToken gen.Ref, producer gen.PID) {
	t.Helper()
	var list eventListResult
	s.ok("event_list", map[string]any{"name": "test_ev_"}, &list)
	if list.Source != "event_table" || list.Total != 4 ||
		list.names() != "test_ev_lonely test_ev_node_own test_ev_node_quiet test_ev_prices" {
		t.Fatalf("event table by name: %+v", list)
	}
	got := map[string]eventRow{}
	for _, e := range list.Events {
		got[e.Name] = e
	}
	if e := got["test_ev_prices"]; e.Producer == nil || *e.Producer != producer.String() || e.Subscribers != 2 ||
		e.MessagesPublished == nil || *e.MessagesPublished != 0 {
		t.Errorf("test_ev_prices: %+v", e)
	}
	if len(list.Unavailable) != 0 {
		t.Errorf("the event table lacks nothing, yet: %v", list.Unavailable)
	}
	// A publication is counted, and the counted filters and sorts work.
	if err := node.SendEvent("test_ev_node_quiet", quietToken, gen.MessageOptions{}, "tick"); err != nil {
		t.Fatal(err)
	}
	s.ok("event_list", map[string]any{"name": "test_ev_", "min_published": 1}, &list)
	if list.names() != "test_ev_node_quiet" || *list.Events[0].MessagesPublished != 1 {
		t.Errorf("min_published 1: %+v", list)
	}
	s.ok("event_list", map[string]any{"name": "test_ev_", "sort_by": "published", "limit": 1}, &list)
	if list.names() != "test_ev_node_quiet" || !list.Truncated {
		t.Errorf("sort by published: %+v", list)
	}
}
