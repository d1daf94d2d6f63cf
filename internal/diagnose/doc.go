// Package diagnose is the ergo-free half of the diagnose tool: the facts a
// playbook gathers on a node (Facts), the rule table that turns them into
// findings (Rules), and the ranking of those findings into a report (Run).
//
// A playbook (the tool's side, in tools/diagnose.go) reads the process
// table twice, a window apart, probing candidate processes and the newest
// PIDs in between, and reads the Go runtime, profiles, peers and events as
// its scenario's rules need (PlanFor). Every list it keeps is bounded
// (Collector), so a node of a million processes costs one compact snapshot
// and a few hundred candidates.
//
// Rules are data: an id, the scenarios that run it, a severity, the data it
// needs, a one-sentence doc with its thresholds (named constants) and a
// check. A finding always carries evidence (PIDs, names, metrics with
// before/after values) and next steps (tool calls with arguments); a rule
// whose data could not be gathered is reported as not checked, never as
// clean. What a rule infers rather than reads (ergo records no callee of a
// call, heap profiles carry no pid) is said in the finding's Inferred.
//
// DIAGNOSE.md at the repository root lists the rules; a test keeps it in
// step with the table (go test ./internal/diagnose -run TestDoc -update
// rewrites its generated section).
package diagnose
