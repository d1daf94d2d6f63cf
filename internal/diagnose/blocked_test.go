package diagnose

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// stuck is a process in st at both passes and in every one of 8 probes,
// whose mailbox went from m0 to m1 with nothing handled, sent or timed.
func stuck(id uint64, behavior, st string, m0, m1 uint64) Proc {
	b := Counters{MessagesIn: 700, MessagesOut: 300, Mailbox: m0, RunningTime: 4e9, Uptime: 50, State: st}
	a := Counters{MessagesIn: 700 + m1 - m0, MessagesOut: 300, Mailbox: m1, RunningTime: 4e9, Uptime: 53, State: st}
	p := proc(id, behavior, b, a)
	p.Probes = 8
	switch st {
	case StateWaitResponse:
		p.Waiting = 8
	case StateRunning:
		p.Running = 8
	}
	return p
}

func TestBlockedCallbackBoundaries(t *testing.T) {
	for _, c := range []struct {
		name   string
		change func(p *Proc)
		want   bool
	}{
		{"at the mailbox", func(p *Proc) {}, true},
		{"just under the mailbox", func(p *Proc) { p.After.Mailbox--; p.After.MessagesIn-- }, false},
		{"deep from the start, nothing new", func(p *Proc) { p.Before.Mailbox, p.After.MessagesIn = p.After.Mailbox, p.Before.MessagesIn }, true},
		{"handled one", func(p *Proc) { p.After.MessagesIn++ }, false},
		{"sent one", func(p *Proc) { p.After.MessagesOut++ }, false},
		{"ran a little", func(p *Proc) { p.After.RunningTime++ }, false},
		{"born in the window", func(p *Proc) { p.Before = nil }, false},
		{"one probe not waiting", func(p *Proc) { p.Waiting-- }, false},
		{"waiting at one pass only", func(p *Proc) { p.Before.State = StateSleep }, false},
		{"waiting at the first pass only", func(p *Proc) { p.After.State = StateRunning }, false},
		{"never probed", func(p *Proc) { p.Probes, p.Waiting = 0, 0 }, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := facts(2500 * time.Millisecond)
			p := stuck(1300, "main.caller", StateWaitResponse, 4, BlockedMailboxMin)
			c.change(&p)
			f.Procs = []Proc{p}
			fs := only(t, f, "blocked_callback")
			if got := len(fs) == 1; got != c.want {
				t.Fatalf("fired %v, want %v: %+v", got, c.want, fs)
			}
			if !c.want {
				return
			}
			fd := fs[0]
			if fd.Severity != High || fd.Magnitude != float64(p.After.Mailbox)/BlockedMailboxMin {
				t.Errorf("%v, magnitude %g", fd.Severity, fd.Magnitude)
			}
			want := fmt.Sprintf("1 process(es) stayed in one callback all window with messages queued; worst %s (pmain.caller), in wait response (a synchronous call), %d queued", pid(1300), p.After.Mailbox)
			if fd.Conclusion != want {
				t.Errorf("conclusion %q, want %q", fd.Conclusion, want)
			}
			pe := fd.Evidence.Processes[0]
			if m := metricOf(t, pe, "MessagesIn"); m.Value != float64(p.After.MessagesIn-p.Before.MessagesIn) || *m.Before != 700 {
				t.Errorf("messages in %+v", m)
			}
			if m := metricOf(t, pe, "MessagesMailbox"); m.Value != float64(p.After.Mailbox)-float64(p.Before.Mailbox) || *m.Before != float64(p.Before.Mailbox) {
				t.Errorf("mailbox %+v", m)
			}
			if fd.Inferred != "" || len(fd.Evidence.Sites) != 0 {
				t.Errorf("a measured wait: inferred %q, sites %v", fd.Inferred, fd.Evidence.Sites)
			}
			if len(fd.Next) != 3 || fd.Next[1].Args["pid"] != pid(1300) {
				t.Errorf("next %+v", fd.Next)
			}
		})
	}
}

func TestBlockedCallbackRunning(t *testing.T) {
	const fn = "example.com/app/main.(*worker).HandleMessage"
	parked := Stack{Funcs: []string{"runtime.gopark", "sync.(*Mutex).Lock", fn}}
	onCPU := Stack{Funcs: []string{"example.com/app/main.spin", fn}}
	for _, c := range []struct {
		name      string
		labels    bool
		stacks    []Stack
		others    int // more busy processes of the behaviour
		want      bool
		inferred  bool
		why, next string
	}{
		{"no stack", false, nil, 0, true, true, "running one callback (blocked or spinning: no goroutine stack to tell)", "pprof_goroutines"},
		{"parked, by name", false, []Stack{parked}, 0, true, true, "blocked in sync.(*Mutex).Lock", "pprof_goroutines"},
		{"on CPU, by name", false, []Stack{onCPU}, 0, false, false, "", ""},
		{"parked, by label", true, []Stack{{PID: pid(1300), Funcs: parked.Funcs}}, 0, true, false, "blocked in sync.(*Mutex).Lock", "pprof_goroutines"},
		{"on CPU, by label", true, []Stack{{PID: pid(1300), Funcs: onCPU.Funcs}}, 0, false, false, "", ""},
		{"labels, but not its goroutine", true, []Stack{{PID: pid(1399), Funcs: onCPU.Funcs}}, 0, true, true, "running one callback (blocked or spinning: no goroutine stack to tell)", "pprof_goroutines"},
		// Two busy processes share the code: the stack is nobody's.
		{"on CPU, but ambiguous", false, []Stack{onCPU}, 1, true, true, "running one callback (blocked or spinning: no goroutine stack to tell)", "pprof_goroutines"},
		{"a stack without frames is not parked", true, []Stack{{PID: pid(1300)}}, 0, false, false, "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := facts(3 * time.Second)
			f.PprofLabels = c.labels
			f.Goroutines = c.stacks
			f.Procs = []Proc{stuck(1300, "main.worker", StateRunning, 30, 45)}
			for i := range c.others {
				q := stuck(uint64(1310+i), "main.worker", StateRunning, 0, 0)
				q.After.MessagesIn++ // busy, not blocked: only the ambiguity counts
				f.Procs = append(f.Procs, q)
			}
			fs := only(t, f, "blocked_callback")
			if got := len(fs) == 1; got != c.want {
				t.Fatalf("fired %v, want %v: %+v", got, c.want, fs)
			}
			if !c.want {
				return
			}
			fd := fs[0]
			if (fd.Inferred != "") != c.inferred {
				t.Errorf("inferred %q, want %v", fd.Inferred, c.inferred)
			}
			if !strings.Contains(fd.Conclusion, ", "+c.why+", 45 queued") || fd.Evidence.Processes[0].Role != c.why {
				t.Errorf("conclusion %q, role %q, want %q", fd.Conclusion, fd.Evidence.Processes[0].Role, c.why)
			}
			if strings.HasPrefix(c.why, "blocked in") {
				if want := pid(1300) + ": runtime.gopark < sync.(*Mutex).Lock < " + fn; !slices.Equal(fd.Evidence.Sites, []string{want}) {
					t.Errorf("sites %v, want %s", fd.Evidence.Sites, want)
				}
			} else if len(fd.Evidence.Sites) != 0 {
				t.Errorf("sites without a stack: %v", fd.Evidence.Sites)
			}
			if fd.Next[0].Tool != c.next {
				t.Errorf("next %+v", fd.Next)
			}
			if c.labels && fd.Next[0].Args["pid"] != pid(1300) {
				t.Errorf("with labels the stack step selects by pid: %+v", fd.Next[0])
			}
			if !c.labels && fd.Next[0].Args["filter"] != "example.com/app/main.(*worker)." && fd.Next[0].Args["filter"] != "main.(*worker)." {
				t.Errorf("without labels the stack step filters by the behaviour's frame: %+v", fd.Next[0])
			}
		})
	}
}

func TestBlockedCallbackWorstFirst(t *testing.T) {
	f := facts(time.Second)
	for i := range MaxEvidence + 2 {
		// Mailboxes 11, 13, ... with the deepest in the middle of the table.
		m := uint64(11 + 2*i)
		if i == 4 {
			m = 500
		}
		f.Procs = append(f.Procs, stuck(uint64(1400+i), "main.caller", StateWaitResponse, 10, m))
	}
	f.Procs = append(f.Procs, stuck(1499, "main.sleepy", StateSleep, 10, 99))
	fd := only(t, f, "blocked_callback")[0]
	if fd.Evidence.Total != MaxEvidence+2 || len(fd.Evidence.Processes) != MaxEvidence {
		t.Errorf("total %d, %d processes", fd.Evidence.Total, len(fd.Evidence.Processes))
	}
	var got []string
	for _, pe := range fd.Evidence.Processes {
		got = append(got, pe.PID)
	}
	want := []string{pid(1404), pid(1411), pid(1410), pid(1409), pid(1408), pid(1407), pid(1406), pid(1405), pid(1403), pid(1402)}
	if !slices.Equal(got, want) {
		t.Errorf("order %v, want %v", got, want)
	}
	if fd.Magnitude != 50 || !strings.HasPrefix(fd.Conclusion, fmt.Sprintf("%d process(es)", MaxEvidence+2)) || !strings.HasSuffix(fd.Conclusion, "500 queued") {
		t.Errorf("magnitude %g, %q", fd.Magnitude, fd.Conclusion)
	}
	// A mix: the wait's reason stays with its process after sorting.
	f.Procs = []Proc{stuck(1500, "main.worker", StateRunning, 10, 20), stuck(1501, "main.caller", StateWaitResponse, 10, 90)}
	fd = only(t, f, "blocked_callback")[0]
	if fd.Evidence.Processes[0].PID != pid(1501) || fd.Evidence.Processes[0].Role != "in wait response (a synchronous call)" ||
		!strings.HasPrefix(fd.Evidence.Processes[1].Role, "running one callback") || fd.Inferred == "" {
		t.Errorf("%+v, inferred %q", fd.Evidence.Processes, fd.Inferred)
	}
}

func TestStackStep(t *testing.T) {
	p := &Proc{PID: pid(7), Behavior: "main.worker"}
	f := facts(time.Second)
	if s := stackStep(f, p); s.Tool != "pprof_goroutines" || s.Args["filter"] != "main.(*worker)." {
		t.Errorf("by behaviour %+v", s)
	}
	f.PprofLabels = true
	if s := stackStep(f, p); s.Tool != "pprof_goroutines" || s.Args["pid"] != pid(7) || s.Args["debug"] != 2 {
		t.Errorf("by label %+v", s)
	}
	f.PprofLabels = false
	for _, b := range []string{"", "worker", ".worker", "main."} {
		p.Behavior = b
		if s := stackStep(f, p); s.Tool != "process_inspect" || s.Args["pid"] != pid(7) {
			t.Errorf("behaviour %q: %+v", b, s)
		}
	}
	for _, c := range []struct{ behavior, frame string }{
		{"main.worker", "main.(*worker)."}, {"*main.worker", "main.(*worker)."}, {"a.b.C", "a.b.(*C)."}, {"m.x", "m.(*x)."},
	} {
		if got := behaviorFrame(c.behavior); got != c.frame {
			t.Errorf("behaviorFrame(%q) = %q, want %q", c.behavior, got, c.frame)
		}
	}
}

func TestOwnsFrame(t *testing.T) {
	for _, c := range []struct {
		fn, behavior string
		want         bool
	}{
		{"example.com/app/main.(*worker).HandleMessage", "main.worker", true},
		{"main.(*worker).HandleMessage", "main.worker", true},
		{"main.worker.HandleMessage", "main.worker", true},
		{"example.com/app/main.worker.Init", "*main.worker", true},
		{"example.com/app/notmain.(*worker).HandleMessage", "main.worker", false},
		{"example.com/app/main.(*workers).HandleMessage", "main.worker", false},
		{"main.(*worker).HandleMessage", "worker", false},
		{"main.(*worker).HandleMessage", "", false},
	} {
		if got := ownsFrame(c.fn, c.behavior); got != c.want {
			t.Errorf("ownsFrame(%q, %q) = %v, want %v", c.fn, c.behavior, got, c.want)
		}
	}
}

func TestStackWhereAndLine(t *testing.T) {
	for _, c := range []struct {
		funcs []string
		where string
	}{
		{[]string{"runtime.gopark", "internal/poll.wait", "net.(*conn).Read", "main.x"}, "net.(*conn).Read"},
		{[]string{"runtime.gopark", "runtime.main"}, "runtime.gopark"},
		{nil, "?"},
	} {
		s := Stack{Funcs: c.funcs}
		if got := s.where(); got != c.where {
			t.Errorf("where(%v) = %q, want %q", c.funcs, got, c.where)
		}
	}
	s := Stack{Funcs: []string{"a", "b", "c", "d", "e", "f", "g"}}
	if got := s.line(); got != "a < b < c < d < e < f" {
		t.Errorf("line %q", got)
	}
	s.Funcs = s.Funcs[:2]
	if got := s.line(); got != "a < b" {
		t.Errorf("line %q", got)
	}
	for _, c := range []struct {
		leaf   string
		parked bool
	}{
		{"runtime.gopark", true}, {"runtime.goparkunlock", true}, {"runtime.notetsleepg", true}, {"runtime.semasleep", true},
		{"syscall.Syscall", true}, {"internal/runtime/syscall.Syscall6", true}, {"runtime.mallocgc", false}, {"main.spin", false},
	} {
		if got := (&Stack{Funcs: []string{c.leaf, "main.x"}}).parked(); got != c.parked {
			t.Errorf("parked(%s) = %v, want %v", c.leaf, got, c.parked)
		}
	}
}

func TestName(t *testing.T) {
	p := &Proc{PID: "<A.1.2>"}
	if name(p) != "<A.1.2>" {
		t.Error(name(p))
	}
	p.Behavior = "main.b"
	if name(p) != "<A.1.2> (main.b)" {
		t.Error(name(p))
	}
	p.Name = "svc"
	if name(p) != "<A.1.2> (svc)" {
		t.Error(name(p))
	}
}
