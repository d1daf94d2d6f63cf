package catalog

import (
	"fmt"
	"strings"
)

// Facts are what the instructions say about the node serving them.
type Facts struct {
	Node, Ergo, Go string
	// Have and Lack name the capabilities present and absent, each lacking
	// one with what would provide it ("Wakeups: needs ergo ≥ 3.3").
	Have, Lack []string
	// Served tells which tools the server has: the instructions point only
	// at those. Nil: all.
	Served func(tool string) bool
}

// starts are the first calls the instructions suggest, in order.
var starts = []struct{ tool, text string }{
	{"diagnose", "diagnose (ranked findings, each with evidence and the next calls to make)"},
	{"node_history", "node_history says how the node got here"},
	{"process_top", "process_top ranks who is busy now over a window"},
	{"process_list", "process_list sort_by=mailbox finds a slow consumer"},
}

// Instructions is the text of the MCP initialize result's instructions:
// where to start, the conventions every tool shares (said here once, not in
// every tool's schema), what this node can report, and how to keep answers
// small.
func Instructions(f Facts) string {
	var b strings.Builder
	fmt.Fprintf(&b, "ergomcp reads the live Ergo node %s (ergo %s, %s) from inside it.\n", f.Node, f.Ergo, f.Go)
	var first []string
	for _, s := range starts {
		if f.Served == nil || f.Served(s.tool) {
			first = append(first, s.text)
		}
	}
	if len(first) > 0 {
		fmt.Fprintf(&b, "Start with %s. ", strings.Join(first, "; "))
	}
	b.WriteString("For logs: sample_listen log_levels=[...], then sample_read summary=true (counts by level, source and message template) instead of reading every line.\n")
	b.WriteString(CommonHelp + " " + FanOutNote + " PIDs are written as ergo prints them (<90A29F11.0.1017>).\n")
	if len(f.Have) > 0 {
		fmt.Fprintf(&b, "This node has: %s.\n", strings.Join(f.Have, ", "))
	}
	if len(f.Lack) > 0 {
		fmt.Fprintf(&b, "It lacks (tools needing these answer with an error naming the fix): %s.\n", strings.Join(f.Lack, "; "))
	}
	b.WriteString("Keeping answers small: lists return 20 rows unless limit says otherwise, as a table: columns names the fields once, " +
		"each row is an array in column order (null: the row has no such field), same holds the fields equal in every row; format=records gives one object per row. " +
		"total counts every match; a cut list says truncated_by (limit or response_budget) and next, the exact call that returns the following rows (offset). " +
		"Narrow with filters (name, application, min_*) and sort_by rather than raising limit: no answer exceeds about 16k tokens.\n")
	b.WriteString(DataNote)
	return b.String()
}
