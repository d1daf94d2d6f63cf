package main

import (
	"fmt"
	"strings"

	"ergo.services/ergo/gen"

	"github.com/ergomcp/ergomcp/examples/scenario"
)

// try names, per scenario, the calls that show it: the diagnose scenario
// that should report it and the listing that shows it by hand.
var try = map[string]string{
	"slow_consumer": "diagnose scenario=performance, or process_top sort_by=mailbox_growth",
	"cpu_burner":    "diagnose scenario=performance, or process_top sort_by=cpu",
	"leak":          "diagnose scenario=leak, or process_children parent=scenario_leak_spawner",
	"restart_loop":  "diagnose scenario=restart_loop, or process_children parent=scenario_restart_supervisor",
	"stuck":         "diagnose scenario=stuck, or process_list state=wait_response",
	"events":        "diagnose scenario=events, or event_list",
	"memory":        "diagnose scenario=memory, or pprof_heap sample=inuse_space",
}

// scenarioNames lists the scenarios for the flag's help text.
func scenarioNames() string {
	var names []string
	for _, s := range scenario.All() {
		names = append(names, s.Name)
	}
	return strings.Join(names, ", ")
}

// selectScenarios turns the -scenario flag (names separated by commas, or
// "all") into scenarios; an unknown name is an error before the node starts.
func selectScenarios(spec string) ([]scenario.Scenario, error) {
	if strings.TrimSpace(spec) == "all" {
		return scenario.All(), nil
	}
	var picked []scenario.Scenario
	seen := map[string]bool{}
	for name := range strings.SplitSeq(spec, ",") {
		name = strings.TrimSpace(name)
		if name == "" || seen[name] {
			continue
		}
		s, ok := scenario.Lookup(name)
		if !ok {
			return nil, fmt.Errorf("unknown scenario %q (known: %s, or all)", name, scenarioNames())
		}
		seen[name] = true
		picked = append(picked, s)
	}
	return picked, nil
}

// startScenarios starts the picked scenarios and prints what to try. The
// returned function stops them; call it before node.Stop, which waits for
// every process (the stuck scenario's chain included).
func startScenarios(node gen.Node, picked []scenario.Scenario) (stop func(), err error) {
	var runs []*scenario.Run
	stop = func() {
		for _, r := range runs {
			r.Stop()
		}
	}
	if len(picked) == 0 {
		return stop, nil
	}
	fmt.Printf("\nScenarios (each a misbehaviour diagnose should find):\n")
	for _, s := range picked {
		r, err := s.Start(node)
		if err != nil {
			stop()
			return nil, fmt.Errorf("scenario %s: %w", s.Name, err)
		}
		runs = append(runs, r)
		fmt.Printf("\n  %s: %s\n    try: %s\n", s.Name, s.Description, try[s.Name])
	}
	return stop, nil
}
