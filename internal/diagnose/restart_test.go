package diagnose

import (
	"slices"
	"testing"
	"time"
)

func stepTools(s []Step) []string {
	var out []string
	for _, x := range s {
		out = append(out, x.Tool)
	}
	return out
}

func TestRestartLoopEvidence(t *testing.T) {
	f := facts(4 * time.Second)
	f.Groups = []Group{{Parent: pid(1700), Behavior: "main.flaky", Born: 9, Died: 12,
		Alive: []string{pid(1795), pid(1794), pid(1793), pid(1792)}, Gone: []string{pid(1780), pid(1781), pid(1782), pid(1783)}}}
	f.Procs = []Proc{proc(1795, "main.flaky", sleeping(0, 0, 0, 0), sleeping(1, 0, 0, 0))}
	fd := only(t, f, "restart_loop")[0]
	// 9 restarts (the fewer of births and deaths) in 4 s.
	if m := evMetric(t, fd, "Restarts"); m.Value != 9 {
		t.Errorf("restarts %+v", m)
	}
	if m := evMetric(t, fd, "RestartRate"); m.Value != 2.25 {
		t.Errorf("rate %+v", m)
	}
	if fd.Magnitude != 3 || fd.Severity != High {
		t.Errorf("magnitude %g, %v", fd.Magnitude, fd.Severity)
	}
	var got []string
	for _, pe := range fd.Evidence.Processes {
		got = append(got, pe.PID+" "+pe.Role)
	}
	want := []string{pid(1700) + " parent restarting them (supervisor)",
		pid(1795) + " current incarnation, born in the window", pid(1794) + " current incarnation, born in the window", pid(1793) + " current incarnation, born in the window",
		pid(1780) + " died in the window", pid(1781) + " died in the window", pid(1782) + " died in the window"}
	if !slices.Equal(got, want) {
		t.Errorf("processes\n%v\nwant\n%v", got, want)
	}
	if fd.Evidence.Processes[1].Name != "pmain.flaky" || fd.Evidence.Processes[2].Name != "" {
		t.Errorf("kept incarnation not complete, or others invented: %+v", fd.Evidence.Processes[1:3])
	}
	if tools := stepTools(fd.Next); !slices.Equal(tools, []string{"sample_listen", "process_children", "process_info"}) || fd.Next[2].Args["pid"] != pid(1795) || fd.Next[1].Args["parent"] != pid(1700) {
		t.Errorf("next %+v", fd.Next)
	}
	if want := pid(1700) + " restarts its main.flaky children in a loop: 12 died and 9 were started in 4.0s"; fd.Conclusion != want {
		t.Errorf("conclusion %q, want %q", fd.Conclusion, want)
	}
	// No parent on this node, none alive: no step to either.
	f.Groups[0].Parent, f.Groups[0].Alive = "", nil
	fd = only(t, f, "restart_loop")[0]
	if tools := stepTools(fd.Next); !slices.Equal(tools, []string{"sample_listen"}) {
		t.Errorf("next %v", tools)
	}
	if fd.Conclusion[:len("(no parent) restarts")] != "(no parent) restarts" {
		t.Errorf("conclusion %q", fd.Conclusion)
	}
}

func TestRestartLoopFromTheLog(t *testing.T) {
	f := facts(2 * time.Second)
	f.LogsSince = 90 * time.Second
	old := proc(1790, "main.flaky", sleeping(0, 0, 0, 0), sleeping(1, 0, 0, 0))
	cur := proc(1799, "main.flaky", sleeping(0, 0, 0, 0), sleeping(1, 0, 0, 0))
	other := proc(1800, "main.other", sleeping(0, 0, 0, 0), sleeping(1, 0, 0, 0))
	for _, p := range []*Proc{&old, &cur} {
		p.Name, p.Parent = "flaky", pid(1700)
	}
	other.Name = "flaky"
	// The newest incarnation comes first in the table: the highest ID wins.
	f.Procs = []Proc{cur, other, old}
	f.Logs = []LogEntry{{Level: "panic", Kind: "process", Source: "flaky", Behavior: "main.flaky",
		Message: `Actor terminated. Panic reason: "boom" at main.(*flaky).HandleMessage[flaky.go:10]`,
		Count:   5, PIDs: []string{pid(1781), pid(1785), pid(1799)}, Recent: []float64{10, 7, 4}}}
	fd := only(t, f, "restart_loop")[0]
	want := pid(1799) + ` (flaky) is restarted after crashing: 5 panics by 3 incarnations, one every 3.0s, under ` + pid(1700) + `; reason: "boom"`
	if fd.Conclusion != want {
		t.Errorf("conclusion %q\nwant %q", fd.Conclusion, want)
	}
	if m := evMetric(t, fd, "CrashPeriod"); m.Value != 3 {
		t.Errorf("period %+v", m)
	}
	if m := evMetric(t, fd, "Incarnations"); m.Value != 3 {
		t.Errorf("incarnations %+v", m)
	}
	if fd.Magnitude != 2.5 {
		t.Errorf("magnitude %g", fd.Magnitude)
	}
	var got []string
	for _, pe := range fd.Evidence.Processes {
		got = append(got, pe.PID)
	}
	if want := []string{pid(1700), pid(1799), pid(1781), pid(1785)}; !slices.Equal(got, want) {
		t.Errorf("processes %v, want %v", got, want)
	}
	if tools := stepTools(fd.Next); !slices.Equal(tools, []string{"sample_listen", "process_children", "process_info"}) || fd.Next[2].Args["pid"] != pid(1799) {
		t.Errorf("next %+v", fd.Next)
	}
	// One time only: no period; no parent: no supervisor, nor its step.
	f.Logs[0].Recent = []float64{4}
	for i := range f.Procs {
		f.Procs[i].Parent = ""
	}
	fd = only(t, f, "restart_loop")[0]
	want = pid(1799) + ` (flaky) is restarted after crashing: 5 panics by 3 incarnations; reason: "boom"`
	if fd.Conclusion != want || len(fd.Evidence.Metrics) != 2 || fd.Evidence.Processes[0].PID != pid(1799) {
		t.Errorf("conclusion %q, metrics %+v, processes %+v", fd.Conclusion, fd.Evidence.Metrics, fd.Evidence.Processes)
	}
	if tools := stepTools(fd.Next); !slices.Equal(tools, []string{"sample_listen", "process_info"}) {
		t.Errorf("next %v", tools)
	}
}

func TestReason(t *testing.T) {
	for msg, want := range map[string]string{
		`Panic reason: "x" at main.f[a.go:1]`:   `"x"`,
		`Panic reason: "x at y" at main.f[a:1]`: `"x at y"`,
		`Panic reason:  at main.f`:              ` at main.f`,
		`Panic reason: plain`:                   `plain`,
		`no marker`:                             `no marker`,
	} {
		if got := reason(msg); got != want {
			t.Errorf("reason(%q) = %q, want %q", msg, got, want)
		}
	}
}
