package ergomcp_test

import (
	"testing"

	"ergo.services/ergo/gen"

	"github.com/ergomcp/ergomcp"
	"github.com/ergomcp/ergomcp/internal/mcptest"
)

// testApp is an application of two members: a blocker (a known mailbox
// depth) and an idle actor.
func testApp(name gen.Atom, release chan struct{}) gen.ApplicationBehavior {
	return specApp(gen.ApplicationSpec{
		Name:        name,
		Description: "ergomcp test application",
		Version:     gen.Version{Name: string(name), Release: "1.2.3"},
		Group: []gen.ApplicationMemberSpec{
			{Name: name + "_blocker", Factory: func() gen.ProcessBehavior { return &blocker{} }, Args: []any{release}},
			{Name: name + "_idle", Factory: idleFactory},
		},
	})
}

type appRow struct {
	Name, State, Mode, Version, Description string
	Uptime                                  int64
	GroupSize, Processes                    int
}

type appRows struct {
	Total        int
	Truncated    bool
	Applications []appRow
}

// row returns the application named name, failing the test without it.
func (r appRows) row(t *testing.T, name string) appRow {
	t.Helper()
	for _, a := range r.Applications {
		if a.Name == name {
			return a
		}
	}
	t.Fatalf("no application %s in %+v", name, r)
	return appRow{}
}

func TestAppTools(t *testing.T) {
	node, s := openSession(t, ergomcp.Options{}, startNode)
	release := make(chan struct{})
	defer close(release)
	if _, err := node.ApplicationLoad(testApp("at_app", release)); err != nil {
		t.Fatal(err)
	}
	if err := node.ApplicationStartTemporary("at_app", gen.ApplicationOptions{}); err != nil {
		t.Fatal(err)
	}
	// Loaded, never started: state loaded, no processes.
	if _, err := node.ApplicationLoad(testApp("at_loaded", release)); err != nil {
		t.Fatal(err)
	}
	const sent = 7
	blockerPID := lookupByWalk(t, node, "at_app_blocker")
	for i := range sent {
		if err := node.Send(blockerPID, i); err != nil {
			t.Fatal(err)
		}
	}
	mcptest.WaitFor(t, func() bool {
		info, err := node.ProcessInfo(blockerPID)
		return err == nil && info.MailboxQueues.Main == sent-1
	})

	var all appRows
	s.ok("app_list", nil, &all)
	app := all.row(t, "at_app")
	if app.State != "running" || app.Mode != "temporary" || app.GroupSize != 2 || app.Processes < 2 ||
		app.Description != "ergomcp test application" || app.Version == "" {
		t.Errorf("at_app in app_list: %+v", app)
	}
	if loaded := all.row(t, "at_loaded"); loaded.State != "loaded" || loaded.Processes != 0 || loaded.Uptime != 0 {
		t.Errorf("at_loaded in app_list: %+v", loaded)
	}
	all.row(t, "ergomcp")

	var running appRows
	s.ok("app_list", map[string]any{"state": "running", "name": "at_"}, &running)
	if running.Total != 1 || running.Applications[0].Name != "at_app" {
		t.Errorf("running at_* applications: %+v", running)
	}
	var none appRows
	s.ok("app_list", map[string]any{"mode": "permanent", "name": "at_", "min_uptime": 3600}, &none)
	if none.Total != 0 || len(none.Applications) != 0 {
		t.Errorf("filtered to nothing: %+v", none)
	}
	s.fail("app_list", map[string]any{"state": "sleeping"}, `state "sleeping" is not valid`, "loaded, running, stopping")
	s.fail("app_list", map[string]any{"mode": "eternal"}, `mode "eternal" is not valid`, "temporary, transient, permanent")
	s.fail("app_list", map[string]any{"min_uptime": -1}, "min_uptime must not be negative")

	var info struct {
		Name, Description, State, Mode string
		Group                          []string
		Env                            map[string]any
	}
	s.ok("app_info", map[string]any{"name": "at_app"}, &info)
	if info.Name != "at_app" || info.State != "running" || info.Mode != "temporary" || len(info.Group) != 2 {
		t.Errorf("app_info: %+v", info)
	}
	s.fail("app_info", map[string]any{"name": "at_nope"}, `no application "at_nope"`, "at_app", "at_loaded", "ergomcp")
	s.fail("app_info", nil, "name is required")

	var procs processes
	s.ok("app_processes", map[string]any{"name": "at_app", "sort_by": "mailbox", "limit": 1}, &procs)
	if procs.Total != 2 || procs.Returned != 1 || !procs.Truncated {
		t.Fatalf("app_processes envelope: %+v", procs)
	}
	if top := procs.Processes[0]; top.PID != blockerPID.String() || top.MessagesMailbox != sent-1 || top.Application != "at_app" {
		t.Errorf("top of at_app by mailbox: %+v", top)
	}
	s.fail("app_processes", map[string]any{"name": "at_app", "sort_by": "size"}, `sort_by "size" is not valid`)
	s.fail("app_processes", map[string]any{"name": "at_app", "limit": 10001}, "limit must be between 1 and 10000")
	s.fail("app_processes", map[string]any{"sort_by": "mailbox"}, "name is required")
	s.fail("app_processes", map[string]any{"name": "at_nope"}, `no application "at_nope"`)
}

// lookupByWalk finds a registered process the way that works on every
// ergo version (ergo 3.1's node has no ProcessPID).
func lookupByWalk(t *testing.T, node gen.Node, name gen.Atom) gen.PID {
	t.Helper()
	page, err := node.ProcessListShortInfo(1000, 10000)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range page {
		if p.Name == name {
			return p.PID
		}
	}
	t.Fatalf("no process %s", name)
	return gen.PID{}
}
