package diagnose

import (
	"testing"
	"time"
)

// TestCPUHogProbesContradict: a share of 0.5 over 8 probes claims 4 of
// them running; fewer than half of that (2) contradicts it, 2 does not.
// From six probes on, the probes count; under six, they do not.
func TestCPUHogProbesContradict(t *testing.T) {
	for _, c := range []struct {
		probes, running int
		want            bool
	}{
		{8, 2, true}, {8, 1, false},
		{MinSeries, 1, false}, {MinSeries, 2, true},
		{MinSeries - 1, 0, true},
	} {
		f := facts(2 * time.Second)
		p := cpu(1e9, c.running, 0)
		p.Probes = c.probes
		f.Procs = []Proc{p}
		if got := len(only(t, f, "cpu_hog")) == 1; got != c.want {
			t.Errorf("%d of %d probes running: fired %v, want %v", c.running, c.probes, got, c.want)
		}
	}
}

func TestCPUHogEvidence(t *testing.T) {
	f := facts(2 * time.Second)
	p := cpu(1.2e9, 5, 0)
	p.Probes, p.Running = 0, 0
	f.Procs = []Proc{p}
	fd := only(t, f, "cpu_hog")[0]
	for _, m := range fd.Evidence.Processes[0].Metrics {
		if m.Name == "RunningProbes" {
			t.Errorf("running probes without probes: %+v", m)
		}
	}
	if len(fd.Next) != 3 || fd.Next[0].Args["group_by"] != nil {
		t.Errorf("next %+v", fd.Next)
	}
	f.PprofLabels = true
	if fd = only(t, f, "cpu_hog")[0]; fd.Next[0].Args["group_by"] != "pid" {
		t.Errorf("with labels: %+v", fd.Next[0])
	}
	for _, n := range []int{MaxEvidence, MaxEvidence + 1} {
		f.Procs = nil
		for i := range n {
			q := cpu(uint64(1e9+1e7*i), 5, 0)
			q.ID, q.PID = uint64(1300+i), pid(uint64(1300+i))
			f.Procs = append(f.Procs, q)
		}
		fd := only(t, f, "cpu_hog")[0]
		want := 0
		if n > MaxEvidence {
			want = n
		}
		if fd.Evidence.Total != want || len(fd.Evidence.Processes) != min(n, MaxEvidence) || fd.Evidence.Processes[0].PID != pid(uint64(1300+n-1)) {
			t.Errorf("%d hits: total %d, %d shown, first %s", n, fd.Evidence.Total, len(fd.Evidence.Processes), fd.Evidence.Processes[0].PID)
		}
	}
}
