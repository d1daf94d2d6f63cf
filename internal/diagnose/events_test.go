package diagnose

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// producer is a kept process that sent `sent` messages in the window,
// from a count that does not start at zero.
func producer(id uint64, sent uint64) Proc {
	return proc(id, "main.producer", sleeping(3, 400, 0, 1e6), sleeping(3, 400+sent, 0, 1e6))
}

func eventNames(fd Finding) []string {
	var out []string
	for _, e := range fd.Evidence.Events {
		out = append(out, e.Name)
	}
	return out
}

func TestEventNoSubscribers(t *testing.T) {
	for _, c := range []struct {
		name          string
		pub, before   int64
		sent          uint64 // by the producer in the window
		kept, newborn bool   // the producer is among the kept processes; born in the window
		want          Severity
		inWindow      int64
		inferred      bool
	}{
		{"published in the window", 25, 20, 0, true, false, Medium, 5, false},
		{"published once in the window", 21, 20, 0, true, false, Medium, 1, false},
		{"counting from zero", 5, 0, 0, true, false, Medium, 5, false},
		{"published only before it", 20, 20, 9, true, false, Low, 0, false},
		{"never published, though the producer sends", 0, 0, 9, true, false, none, 0, false},
		{"uncounted, the producer sends", -1, -1, 9, true, false, Medium, 9, true},
		{"uncounted, the producer sends one", -1, -1, 1, true, false, Medium, 1, true},
		{"uncounted, the producer is quiet", -1, -1, 0, true, false, none, 0, false},
		{"uncounted, the producer not kept", -1, -1, 9, false, false, none, 0, false},
		{"uncounted, the producer born in the window", -1, -1, 9, true, true, none, 0, false},
		{"no count at the start: inferred", 30, -1, 9, true, false, Medium, 9, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := facts(3 * time.Second)
			p := producer(1003, c.sent)
			if c.newborn {
				p.Before = nil
			}
			if c.kept {
				f.Procs = []Proc{p}
			}
			f.Events = []Event{{Name: "orders", Producer: pid(1003), Published: c.pub, PublishedBefore: c.before}}
			fs := only(t, f, "event_no_subscribers")
			if got := sevOf(t, fs); got != c.want {
				t.Fatalf("severity %v, want %v: %+v", got, c.want, fs)
			}
			if c.want == none {
				return
			}
			fd := fs[0]
			if len(fd.Evidence.Events) != 1 || fd.Evidence.Events[0].Published != c.inWindow || fd.Evidence.Events[0].Subscribers != 0 {
				t.Errorf("events %+v, want %d published in the window", fd.Evidence.Events, c.inWindow)
			}
			if want := float64(max(c.inWindow, 1)); fd.Magnitude != want {
				t.Errorf("magnitude %g, want %g", fd.Magnitude, want)
			}
			if (fd.Inferred != "") != c.inferred {
				t.Errorf("inferred %q, want %v", fd.Inferred, c.inferred)
			}
			if len(fd.Evidence.Processes) != 1 || fd.Evidence.Processes[0].PID != pid(1003) || fd.Evidence.Processes[0].Role != "producer of orders" {
				t.Fatalf("producer %+v", fd.Evidence.Processes)
			}
			if m := metricOf(t, fd.Evidence.Processes[0], "MessagesOut"); m.Value != float64(c.sent) || *m.Before != 400 || *m.After != float64(400+c.sent) {
				t.Errorf("messages out %+v", m)
			}
			if want := fmt.Sprintf("1 event(s) are published with no subscriber; first %q by %s", "orders", pid(1003)); fd.Conclusion != want {
				t.Errorf("conclusion %q, want %q", fd.Conclusion, want)
			}
			if len(fd.Next) != 3 || fd.Next[0].Args["name"] != "orders" || fd.Next[2].Args["pid"] != pid(1003) {
				t.Errorf("next %+v", fd.Next)
			}
		})
	}
}

func TestEventNoSubscribersShapes(t *testing.T) {
	counted := func(name string, pub, before int64) Event {
		return Event{Name: name, Published: pub, PublishedBefore: before}
	}
	t.Run("no events", func(t *testing.T) {
		if fs := only(t, facts(time.Second), "event_no_subscribers"); len(fs) != 0 {
			t.Errorf("%+v", fs)
		}
	})
	t.Run("subscribed events are not its concern", func(t *testing.T) {
		f := facts(time.Second)
		e := counted("ok", 50, 10)
		e.Subscribers = 1
		f.Events = []Event{e}
		if fs := only(t, f, "event_no_subscribers"); len(fs) != 0 {
			t.Errorf("%+v", fs)
		}
	})
	t.Run("remote subscribers unseen", func(t *testing.T) {
		for _, c := range []struct {
			localOnly, connected bool
			want                 bool
		}{{true, true, false}, {true, false, true}, {false, true, true}, {false, false, true}} {
			f := facts(time.Second)
			f.EventsLocalOnly = c.localOnly
			f.Peers = []Peer{{Name: "gone@h", Known: true}, {Name: "b@h", Connected: c.connected}}
			f.Events = []Event{counted("orders", 5, 1)}
			if got := len(only(t, f, "event_no_subscribers")) == 1; got != c.want {
				t.Errorf("local only %v, connected peer %v: fired %v, want %v", c.localOnly, c.connected, got, c.want)
			}
		}
	})
	t.Run("most published first, the rest counted; no producer", func(t *testing.T) {
		f := facts(2 * time.Second)
		f.Events = []Event{counted("stale", 7, 7), counted("few", 12, 10)}
		for i := range MaxEvidence {
			f.Events = append(f.Events, counted(fmt.Sprint("e", i), int64(100+i), 100))
		}
		fd := only(t, f, "event_no_subscribers")[0]
		got := eventNames(fd)
		if len(got) != MaxEvidence || got[0] != "e9" || got[1] != "e8" || fd.Evidence.Total != MaxEvidence+2 {
			t.Errorf("events %v total %d", got, fd.Evidence.Total)
		}
		if fd.Severity != Medium || fd.Magnitude != 9 || !strings.HasSuffix(fd.Conclusion, `first "e9" by (no parent)`) ||
			!strings.HasPrefix(fd.Conclusion, "12 event(s)") {
			t.Errorf("%v %g %q", fd.Severity, fd.Magnitude, fd.Conclusion)
		}
		if len(fd.Next) != 2 || len(fd.Evidence.Processes) != 0 {
			t.Errorf("no producer, yet next %+v processes %+v", fd.Next, fd.Evidence.Processes)
		}
	})
	t.Run("several published only before: low, ties in table order", func(t *testing.T) {
		f := facts(time.Second)
		f.Events = []Event{counted("a", 3, 3), counted("b", 9, 9), counted("c", 1, 1)}
		fd := only(t, f, "event_no_subscribers")[0]
		if fd.Severity != Low || !slices.Equal(eventNames(fd), []string{"a", "b", "c"}) || fd.Magnitude != 1 || fd.Evidence.Total != 0 {
			t.Errorf("%v %v %g", fd.Severity, eventNames(fd), fd.Magnitude)
		}
	})
	t.Run("one published in the window among many before it", func(t *testing.T) {
		f := facts(time.Second)
		for i := range MaxEvidence + 3 {
			f.Events = append(f.Events, counted(fmt.Sprint("old", i), 4, 4))
		}
		f.Events = append(f.Events, counted("live", 6, 4))
		fd := only(t, f, "event_no_subscribers")[0]
		if fd.Severity != Medium || eventNames(fd)[0] != "live" || fd.Magnitude != 2 {
			t.Errorf("%v %v %g", fd.Severity, eventNames(fd), fd.Magnitude)
		}
	})
}

func TestEventSlowSubscriber(t *testing.T) {
	for _, c := range []struct {
		name        string
		from, to    uint64
		newborn     bool
		want        Severity
		wantGrowth  uint64
		wantHighest uint64
	}{
		{"at the growth", 100, 120, false, Medium, 20, 120},
		{"just under", 100, 119, false, none, 0, 0},
		{"deep but stable", 5000, 5010, false, none, 0, 0},
		{"drains", 500, 100, false, none, 0, 0},
		{"high at the depth", 980, 1000, false, High, 20, 1000},
		{"medium just under the depth", 979, 999, false, Medium, 20, 999},
		{"born in the window", 0, 20, true, Medium, 20, 20},
		{"born in the window, too few", 0, 19, true, none, 0, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := facts(2 * time.Second)
			s := proc(1004, "main.sub", sleeping(50, 0, c.from, 1e6), sleeping(90, 0, c.to, 1e6))
			if c.newborn {
				s.Before = nil
			}
			f.Procs = []Proc{producer(1003, 5), s}
			f.Events = []Event{{Name: "orders", Producer: pid(1003), Subscribers: 3, SubscriberPIDs: []string{pid(1004), pid(1099)}, Published: 130, PublishedBefore: 100}}
			fs := only(t, f, "event_slow_subscriber")
			if got := sevOf(t, fs); got != c.want {
				t.Fatalf("severity %v, want %v: %+v", got, c.want, fs)
			}
			if c.want == none {
				return
			}
			fd := fs[0]
			if want := float64(c.wantGrowth) / SlowSubscriberGrowth; fd.Magnitude != want {
				t.Errorf("magnitude %g, want %g", fd.Magnitude, want)
			}
			if want := fmt.Sprintf("subscriber %s (pmain.sub) of event \"orders\" falls behind: mailbox %d→%d", pid(1004), c.from, c.to); fd.Conclusion != want {
				t.Errorf("conclusion %q, want %q", fd.Conclusion, want)
			}
			if len(fd.Evidence.Events) != 1 || fd.Evidence.Events[0] != (EventEvidence{Name: "orders", Producer: pid(1003), Subscribers: 3, Published: 30}) {
				t.Errorf("events %+v", fd.Evidence.Events)
			}
			if len(fd.Evidence.Processes) != 1 || fd.Evidence.Processes[0].PID != pid(1004) {
				t.Fatalf("processes %+v", fd.Evidence.Processes)
			}
			if m := metricOf(t, fd.Evidence.Processes[0], "MessagesMailbox"); m.Value != float64(c.to)-float64(c.from) || *m.Before != float64(c.from) {
				t.Errorf("mailbox %+v", m)
			}
			if fd.Next[0].Args["name"] != "orders" {
				t.Errorf("next %+v", fd.Next)
			}
		})
	}
}

func TestEventSlowSubscriberMany(t *testing.T) {
	f := facts(time.Second)
	var subs []string
	for i := range MaxEvidence + 2 {
		id := uint64(1700 + i)
		f.Procs = append(f.Procs, proc(id, "main.sub", sleeping(1, 0, 10, 1), sleeping(1, 0, uint64(40+i), 1)))
		subs = append(subs, pid(id))
	}
	// Two events share the subscribers: each event is listed once.
	f.Events = []Event{
		{Name: "a", Subscribers: 2, SubscriberPIDs: subs[:2], Published: -1, PublishedBefore: -1},
		{Name: "b", Subscribers: int64(len(subs)), SubscriberPIDs: subs, Published: 9, PublishedBefore: 4},
	}
	fd := only(t, f, "event_slow_subscriber")[0]
	if fd.Evidence.Total != MaxEvidence+4 || len(fd.Evidence.Processes) != MaxEvidence {
		t.Errorf("total %d, %d processes", fd.Evidence.Total, len(fd.Evidence.Processes))
	}
	// Deepest first: the last subscriber of b.
	if fd.Evidence.Processes[0].PID != subs[len(subs)-1] || !strings.Contains(fd.Conclusion, `event "b"`) || fd.Magnitude != float64(40+len(subs)-1-10)/SlowSubscriberGrowth {
		t.Errorf("worst %s, %q, %g", fd.Evidence.Processes[0].PID, fd.Conclusion, fd.Magnitude)
	}
	if !slices.Equal(eventNames(fd), []string{"b"}) || fd.Evidence.Events[0].Published != 5 {
		t.Errorf("events %+v", fd.Evidence.Events)
	}
	if fd.Severity != Medium {
		t.Errorf("severity %v", fd.Severity)
	}
}

func TestEventNeverPublishedShapes(t *testing.T) {
	f := facts(time.Second)
	f.Procs = []Proc{producer(1003, 0)}
	f.Events = []Event{
		{Name: "kept", Producer: pid(1003), Subscribers: 4},
		{Name: "remote", Producer: pid(1098), Subscribers: 2},
		{Name: "orphan", Subscribers: 1},
		{Name: "busy", Producer: pid(1003), Subscribers: 4, Published: 1},
	}
	fd := only(t, f, "event_never_published")[0]
	if !slices.Equal(eventNames(fd), []string{"kept", "remote", "orphan"}) {
		t.Errorf("events %v", eventNames(fd))
	}
	if len(fd.Evidence.Processes) != 2 || fd.Evidence.Processes[0].Name != "pmain.producer" ||
		fd.Evidence.Processes[1].PID != pid(1098) || fd.Evidence.Processes[1].Role != "producer that never published remote" || fd.Evidence.Processes[1].Name != "" {
		t.Errorf("processes %+v", fd.Evidence.Processes)
	}
	want := fmt.Sprintf("3 event(s) have subscribers but were never published; first %q by %s, 4 subscriber(s) waiting", "kept", pid(1003))
	if fd.Conclusion != want || fd.Magnitude != 4 || fd.Evidence.Total != 0 {
		t.Errorf("%q (want %q), magnitude %g", fd.Conclusion, want, fd.Magnitude)
	}
	f.Events = f.Events[2:3]
	fd = only(t, f, "event_never_published")[0]
	if !strings.HasSuffix(fd.Conclusion, "by (no parent), 1 subscriber(s) waiting") || len(fd.Evidence.Processes) != 0 || fd.Magnitude != 1 {
		t.Errorf("%q %+v", fd.Conclusion, fd.Evidence.Processes)
	}
	f.Events = nil
	for i := range MaxEvidence + 1 {
		f.Events = append(f.Events, Event{Name: fmt.Sprint("e", i), Subscribers: 1})
	}
	fd = only(t, f, "event_never_published")[0]
	if len(fd.Evidence.Events) != MaxEvidence || fd.Evidence.Total != MaxEvidence+1 {
		t.Errorf("%d events, total %d", len(fd.Evidence.Events), fd.Evidence.Total)
	}
}
