package diagnose

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestCallCycleClosestCallee: a's 10 calls out match b's 10 in exactly
// and c's 9 within the tolerance; c calls nobody, so only the closest
// match closes a ring.
func TestCallCycleClosestCallee(t *testing.T) {
	f := facts(2 * time.Second)
	a, b, c := member(1400, 10, 10, 10), member(1401, 10, 10, 10), member(1402, 10, 0, 9)
	c.After.MessagesOut, c.Before.MessagesOut = 0, 0
	f.Procs = []Proc{a, b, c}
	fs := only(t, f, "call_chain")
	if len(fs) == 0 || !strings.HasPrefix(fs[0].Conclusion, "call cycle of 2") {
		t.Fatalf("no cycle of a and b: %+v", fs)
	}
	for i, want := range []string{pid(1401), pid(1400)} {
		if role := fs[0].Evidence.Processes[i].Role; role != "in a call cycle: waits on "+want {
			t.Errorf("member %d: %q, want it to wait on %s", i, role, want)
		}
	}
	if want := fmt.Sprintf("%s → %s: 10 sent, 10 received in the window", pid(1400), pid(1401)); fs[0].Evidence.Sites[0] != want {
		t.Errorf("site %q, want %q", fs[0].Evidence.Sites[0], want)
	}
}

// TestCallCycleTimeoutPeriod: the period is the mean over the members'
// timeout warnings that have two times or more.
func TestCallCycleTimeoutPeriod(t *testing.T) {
	f := facts(3 * time.Second)
	f.Procs = []Proc{member(1400, 10, 3, 3), member(1401, 10, 3, 3)}
	f.Logs = []LogEntry{
		{Level: "warning", Template: "call timeout", Count: 3, PIDs: []string{pid(1400)}, Recent: []float64{9, 7, 5}}, // every 2 s
		{Level: "warning", Template: "Timed Out: %s", Count: 2, PIDs: []string{pid(1401)}, Recent: []float64{1, 5}},   // every 4 s, ages ascending
	}
	fd := only(t, f, "call_chain")[0]
	if !strings.Contains(fd.Conclusion, "timing out every 3.0s (5 timeout warnings logged)") {
		t.Errorf("conclusion %s", fd.Conclusion)
	}
	if m := evMetric(t, fd, "TimeoutPeriod"); m.Value != 3 {
		t.Errorf("period %+v", m)
	}
}

// TestCallChainBesideACycle: a cycle's members are the cycle's finding;
// a waiter outside it is the chain's.
func TestCallChainBesideACycle(t *testing.T) {
	f := facts(2 * time.Second)
	w := state(sleeping(5, 5, 0, 1e6), StateWaitResponse)
	head := proc(1500, "main.caller", w, w)
	head.Probes, head.Waiting = 10, 10
	// The members wait in every probe and sent nothing in the window, as
	// the head does: only being in the ring keeps them out of the chain.
	// Their links come from the totals since they started.
	a, b := member(1400, 10, 0, 0), member(1401, 10, 0, 0)
	a.Before.MessagesOut, a.After.MessagesOut, b.Before.MessagesIn, b.After.MessagesIn = 500, 500, 500, 500
	b.Before.MessagesOut, b.After.MessagesOut, a.Before.MessagesIn, a.After.MessagesIn = 480, 480, 480, 480
	f.Procs = []Proc{a, head, b}
	fs := only(t, f, "call_chain")
	if len(fs) != 2 || !strings.HasPrefix(fs[0].Conclusion, "call cycle of 2") {
		t.Fatalf("want a cycle and a chain: %+v", fs)
	}
	chain := fs[1]
	if len(chain.Evidence.Processes) != 1 || chain.Evidence.Processes[0].PID != pid(1500) || chain.Magnitude != 1 {
		t.Errorf("the chain holds a cycle's member: %+v", chain.Evidence.Processes)
	}
}

// TestCallChainTotal: past MaxEvidence, Total counts callers, waiters
// with queued requests and suspected callees alike.
func TestCallChainTotal(t *testing.T) {
	f := facts(2 * time.Second)
	w := state(sleeping(5, 5, 0, 1e6), StateWaitResponse)
	q0, q1 := state(sleeping(5, 5, 4, 1e6), StateWaitResponse), state(sleeping(9, 5, 8, 1e6), StateWaitResponse)
	r := state(sleeping(100, 100, 2, 5e8), StateRunning)
	add := func(n int, id uint64, b, a Counters, running bool) {
		for i := range n {
			p := proc(id+uint64(i), "main.x", b, a)
			p.Probes = 10
			if running {
				p.Running = 10
			} else {
				p.Waiting = 10
			}
			f.Procs = append(f.Procs, p)
		}
	}
	add(8, 1600, w, w, false)
	add(3, 1700, q0, q1, false)
	add(2, 1800, r, r, true)
	fd := only(t, f, "call_chain")[0]
	if fd.Evidence.Total != 13 || len(fd.Evidence.Processes) != MaxEvidence || fd.Magnitude != 13 || fd.Severity != Critical {
		t.Errorf("total %d, %d processes, magnitude %g, %v", fd.Evidence.Total, len(fd.Evidence.Processes), fd.Magnitude, fd.Severity)
	}
	if !strings.HasPrefix(fd.Conclusion, "11 process(es) waited") {
		t.Errorf("conclusion %s", fd.Conclusion)
	}
}
