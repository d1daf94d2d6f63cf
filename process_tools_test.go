package ergomcp_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"ergo.services/ergo/act"
	"ergo.services/ergo/gen"

	"github.com/ergomcp/ergomcp"
	"github.com/ergomcp/ergomcp/internal/mcptest"
)

// idleActor does nothing: a child with a known place in a tree.
type idleActor struct{ act.Actor }

func idleFactory() gen.ProcessBehavior { return &idleActor{} }

// treeSup is a one-for-one supervisor of the children given as its Init
// argument.
type treeSup struct{ act.Supervisor }

func supFactory() gen.ProcessBehavior { return &treeSup{} }

func (s *treeSup) Init(args ...any) (act.SupervisorSpec, error) {
	return act.SupervisorSpec{
		Type:     act.SupervisorTypeOneForOne,
		Restart:  act.SupervisorRestart{Strategy: act.SupervisorStrategyTemporary},
		Children: args[0].([]act.SupervisorChildSpec),
	}, nil
}

// inspectable answers inspect requests with a fixed map plus the items it
// was given.
type inspectable struct{ act.Actor }

func (a *inspectable) HandleInspect(from gen.PID, item ...string) map[string]string {
	return map[string]string{"answer": "42", "items": strings.Join(item, ",")}
}

// metaOwner spawns a testMeta on its first message and hands its alias back
// on the channel it was started with (SpawnMeta is not allowed in Init).
type metaOwner struct {
	act.Actor
	aliases chan gen.Alias
}

func (o *metaOwner) Init(args ...any) error {
	o.aliases = args[0].(chan gen.Alias)
	return nil
}

func (o *metaOwner) HandleMessage(from gen.PID, message any) error {
	alias, err := o.SpawnMeta(newTestMeta(), gen.MetaOptions{})
	if err != nil {
		return err
	}
	o.aliases <- alias
	return nil
}

// testMeta is a meta process that only waits to be stopped and answers
// inspect requests.
type testMeta struct {
	stop chan struct{}
	once sync.Once
}

func newTestMeta() *testMeta { return &testMeta{stop: make(chan struct{})} }

func (m *testMeta) Init(process gen.MetaProcess) error                             { return nil }
func (m *testMeta) Start() error                                                   { <-m.stop; return nil }
func (m *testMeta) HandleMessage(from gen.PID, message any) error                  { return nil }
func (m *testMeta) HandleCall(from gen.PID, ref gen.Ref, request any) (any, error) { return nil, nil }
func (m *testMeta) Terminate(reason error)                                         { m.once.Do(func() { close(m.stop) }) }
func (m *testMeta) HandleInspect(from gen.PID, item ...string) map[string]string {
	return map[string]string{"meta": "yes"}
}

// spawnMeta starts a metaOwner registered as name and returns the alias of
// the meta process it spawns.
func spawnMeta(t *testing.T, node gen.Node, name gen.Atom) gen.Alias {
	t.Helper()
	aliases := make(chan gen.Alias, 1)
	pid, err := node.SpawnRegister(name, func() gen.ProcessBehavior { return &metaOwner{} }, gen.ProcessOptions{}, aliases)
	if err != nil {
		t.Fatal(err)
	}
	if err := node.Send(pid, "spawn"); err != nil {
		t.Fatal(err)
	}
	select {
	case a := <-aliases:
		return a
	case <-time.After(5 * time.Second):
		t.Fatal("meta process not spawned in 5s")
	}
	return gen.Alias{}
}

// spawnBlocked starts a blocker registered as name, blocked in its first
// message with sent-1 more waiting; closing release lets it go.
func spawnBlocked(t *testing.T, node gen.Node, name gen.Atom, release chan struct{}, sent int) gen.PID {
	t.Helper()
	pid, err := node.SpawnRegister(name, func() gen.ProcessBehavior { return &blocker{} }, gen.ProcessOptions{}, release)
	if err != nil {
		t.Fatal(err)
	}
	for i := range sent {
		if err := node.Send(pid, i); err != nil {
			t.Fatal(err)
		}
	}
	mcptest.WaitFor(t, func() bool {
		info, err := node.ProcessInfo(pid)
		return err == nil && info.MailboxQueues.Main == int64(sent-1) && info.State == gen.ProcessStateRunning
	})
	return pid
}

type shortInfo struct {
	PID, Name, Parent, State, Application string
	MessagesMailbox                       uint64
	Depth                                 int
}

type processes struct {
	Total, Returned int
	Truncated       bool
	Processes       []shortInfo
}

// depths maps each listed name to its Depth.
func (p processes) depths() map[string]int {
	m := map[string]int{}
	for _, r := range p.Processes {
		m[r.Name] = r.Depth
	}
	return m
}

func TestProcessTools(t *testing.T) {
	const token = "tok-9f3a7c-never-in-results"
	// One worker, so the worker running a call is the only child of the
	// dispatcher: the self-inspect refusal can be reached.
	node, s := openSession(t, ergomcp.Options{Token: token, PoolSize: 1}, startNode)
	defer s.neverShowed(token)

	// pt_sup supervises pt_a and pt_sub, which supervises pt_b.
	leaf := []act.SupervisorChildSpec{{Name: "pt_b", Factory: idleFactory}}
	supPID, err := node.SpawnRegister("pt_sup", supFactory, gen.ProcessOptions{}, []act.SupervisorChildSpec{
		{Name: "pt_a", Factory: idleFactory},
		{Name: "pt_sub", Factory: supFactory, Args: []any{leaf}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := node.SpawnRegister("pt_inspectable", func() gen.ProcessBehavior { return &inspectable{} }, gen.ProcessOptions{}); err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	defer close(release)
	const sent = 25
	stuck := spawnBlocked(t, node, "pt_stuck", release, sent)
	alias := spawnMeta(t, node, "pt_meta_owner")

	t.Run("children", func(t *testing.T) {
		var direct processes
		s.ok("process_children", map[string]any{"parent": "pt_sup"}, &direct)
		if direct.Total != 2 || direct.Returned != 2 || direct.Truncated {
			t.Fatalf("direct children: %+v", direct)
		}
		if d := direct.depths(); len(d) != 2 || d["pt_a"] != 0 || d["pt_sub"] != 0 {
			t.Errorf("direct children carry no Depth: %+v", direct.Processes)
		}
		for _, p := range direct.Processes {
			if p.Parent != supPID.String() {
				t.Errorf("child %s has parent %s, want %s", p.Name, p.Parent, supPID)
			}
		}
		var tree processes
		s.ok("process_children", map[string]any{"parent": supPID.String(), "recursive": true}, &tree)
		if tree.Total != 3 || len(tree.Processes) != 3 {
			t.Fatalf("subtree: %+v", tree)
		}
		d := tree.depths()
		if d["pt_a"] != 1 || d["pt_sub"] != 1 || d["pt_b"] != 2 || len(d) != 3 {
			t.Errorf("subtree depths: %v", d)
		}
		var cut processes
		s.ok("process_children", map[string]any{"parent": "pt_sup", "recursive": true, "limit": 1}, &cut)
		if cut.Total != 3 || cut.Returned != 1 || !cut.Truncated {
			t.Errorf("subtree with limit 1: %+v", cut)
		}
		s.fail("process_children", nil, "parent is required")
		s.fail("process_children", map[string]any{"parent": "<1.2>"}, "malformed PID")
		s.fail("process_children", map[string]any{"parent": "pt_nobody"}, "no process registered")
		s.fail("process_children", map[string]any{"parent": "pt_sup", "limit": 20000}, "limit must be between 1 and 10000")
	})

	t.Run("state_and_lookup", func(t *testing.T) {
		var st struct{ PID, State string }
		s.ok("process_state", map[string]any{"name": "pt_stuck"}, &st)
		if st.PID != stuck.String() || st.State != "running" {
			t.Errorf("process_state of the blocked process: %+v", st)
		}
		var idle struct{ PID, State string }
		s.ok("process_state", map[string]any{"name": "pt_inspectable"}, &idle)
		if idle.State != "sleep" {
			t.Errorf("process_state of an idle process: %+v", idle)
		}
		type lookup struct{ PID, Name, Note string }
		var byName, byPID, unnamed lookup
		s.ok("process_lookup", map[string]any{"name": "pt_stuck"}, &byName)
		if byName.PID != stuck.String() || byName.Name != "pt_stuck" {
			t.Errorf("lookup by name: %+v", byName)
		}
		s.ok("process_lookup", map[string]any{"pid": stuck.String()}, &byPID)
		if byPID.Name != "pt_stuck" || byPID.Note != "" {
			t.Errorf("lookup by pid: %+v", byPID)
		}
		anon, err := node.Spawn(idleFactory, gen.ProcessOptions{})
		if err != nil {
			t.Fatal(err)
		}
		s.ok("process_lookup", map[string]any{"pid": anon.String()}, &unnamed)
		if unnamed.PID != anon.String() || unnamed.Name != "" || unnamed.Note == "" {
			t.Errorf("lookup of an unnamed process: %+v", unnamed)
		}
		s.fail("process_state", nil, "pass pid")
		s.fail("process_lookup", map[string]any{"pid": "90A29F11.0.1"}, "malformed PID")
		s.fail("process_lookup", map[string]any{"pid": stuck.String(), "name": "pt_stuck"}, "not both")
		foreign := "<00000000.0.1001>"
		s.fail("process_state", map[string]any{"pid": foreign}, "another node")
		gone := strings.Replace(anon.String(), ".0.", ".1.", 1) // an ID ergo has not reached
		s.fail("process_lookup", map[string]any{"pid": gone}, "no process")
	})

	t.Run("inspect", func(t *testing.T) {
		type inspected struct {
			PID     string
			Inspect map[string]string
		}
		var res inspected
		s.ok("process_inspect", map[string]any{"name": "pt_inspectable", "items": []string{"x", "y"}}, &res)
		if res.Inspect["answer"] != "42" || res.Inspect["items"] != "x,y" || res.PID == "" {
			t.Errorf("inspect: %+v", res)
		}
		var listener inspected
		s.ok("process_inspect", map[string]any{"name": "ergomcp_listener"}, &listener)
		if !strings.HasPrefix(listener.Inspect["url"], "http://") || len(listener.Inspect) != 1 {
			t.Errorf("listener inspect: %+v", listener)
		}

		start := time.Now()
		s.fail("process_inspect", map[string]any{"name": "pt_stuck"},
			"stuck inside a callback", `state "running"`, "main 24", stuck.String())
		if took := time.Since(start); took > 8*time.Second {
			t.Errorf("stuck inspect took %s", took)
		}

		var workers processes
		s.ok("process_children", map[string]any{"parent": "ergomcp_dispatcher"}, &workers)
		if len(workers.Processes) != 1 {
			t.Fatalf("dispatcher workers with PoolSize 1: %+v", workers)
		}
		// The inspect waits on an inspector process of its own, so even the
		// only worker can be inspected while it runs the call.
		s.ok("process_inspect", map[string]any{"pid": workers.Processes[0].PID}, &res)

		items := make([]string, 65)
		s.fail("process_inspect", map[string]any{"name": "pt_inspectable", "items": items}, "at most 64")
		s.fail("process_inspect", map[string]any{"name": "pt_inspectable", "items": "x"}, `argument "items" must be an array`)
		s.fail("process_inspect", nil, "pass pid")
	})

	t.Run("meta_inspect", func(t *testing.T) {
		var res struct {
			ID      string
			Inspect map[string]string
		}
		s.ok("meta_inspect", map[string]any{"alias": alias.String()}, &res)
		if res.ID != alias.String() || res.Inspect["meta"] != "yes" {
			t.Errorf("meta_inspect: %+v", res)
		}
		foreign := "Alias#<00000000.1.2.3>"
		s.fail("meta_inspect", map[string]any{"alias": foreign}, "another node", foreign)
		s.fail("meta_inspect", map[string]any{"alias": "<90A29F11.0.1>"}, "malformed alias")
		s.fail("meta_inspect", nil, "alias is required")
		unknown := strings.Replace(alias.String(), ".", ".9", 1)
		s.fail("meta_inspect", map[string]any{"alias": unknown}, "no meta process")
	})
}
