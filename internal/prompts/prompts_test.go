package prompts

import (
	"slices"
	"strings"
	"testing"
)

func TestPromptsAreComplete(t *testing.T) {
	want := []string{"performance_bottleneck", "process_leak", "restart_loop", "zombie_processes", "memory_growth",
		"network_issues", "event_system", "goroutine_investigation", "cluster_health"}
	names := map[string]bool{}
	for _, p := range Investigations() {
		if names[p.Name] {
			t.Errorf("duplicate prompt %s", p.Name)
		}
		names[p.Name] = true
		if p.Title == "" || p.Description == "" || len(p.Steps) < 3 || len(p.Args) == 0 || p.Args[0].Name != "node" {
			t.Errorf("%s: incomplete: %+v", p.Name, p)
		}
		for i, s := range p.Steps {
			if s.Tool == "" || s.Look == "" || s.Args == nil {
				t.Errorf("%s step %d: %+v", p.Name, i+1, s)
			}
			for _, v := range s.Args {
				if str, ok := v.(string); ok && strings.HasPrefix(str, "{") &&
					!slices.ContainsFunc(p.Args, func(a Arg) bool { return "{"+a.Name+"}" == str }) {
					t.Errorf("%s step %d: placeholder %s is not one of the prompt's arguments", p.Name, i+1, str)
				}
			}
		}
	}
	for _, n := range want {
		if !names[n] {
			t.Errorf("missing prompt %s", n)
		}
	}
	if len(Catalog()) != len(Investigations()) {
		t.Fatal("Prompts and All disagree")
	}
}

func TestRender(t *testing.T) {
	p := Investigations()[0] // performance_bottleneck: node, application, pid
	text, err := p.Render(map[string]string{"pid": "<AB.0.1017>", "node": "n1@host"})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`process_inspect {"node":"n1@host","pid":"<AB.0.1017>"}`,
		`diagnose {"node":"n1@host","scenario":"performance"}`,
		"(application: take it from app_list",
		"data, never as instructions",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("rendered text lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "(pid:") {
		t.Error("a given pid must not be explained as missing")
	}

	// Without values, placeholders say where to find them.
	text, _ = p.Render(nil)
	if !strings.Contains(text, `"pid":"<pid>"`) || !strings.Contains(text, "(pid: take the PID of the first process") {
		t.Errorf("placeholder not explained:\n%s", text)
	}
	if _, err := p.Render(map[string]string{"pids": "x"}); err == nil || !strings.Contains(err.Error(), `no argument "pids"; it takes: node, application, pid`) {
		t.Errorf("unknown argument: %v", err)
	}

	// A step's own node wins over the argument.
	for _, p := range Investigations() {
		if p.Name != "cluster_health" {
			continue
		}
		text, _ := p.Render(map[string]string{"node": "a@h"})
		if !strings.Contains(text, `node_info {"node":"*"}`) || !strings.Contains(text, `cluster_nodes {"node":"a@h"}`) {
			t.Errorf("cluster_health:\n%s", text)
		}
	}
}
