package tools

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/ergomcp/ergomcp/internal/prompts"
)

// TestPromptStepsAreValidCalls: every step of every prompt names a tool
// ergomcp serves, with arguments that tool accepts, once the placeholders
// hold real values.
func TestPromptStepsAreValidCalls(t *testing.T) {
	values := map[string]string{
		"{pid}": "<ABCD1234.0.1017>", "{supervisor}": "<ABCD1234.0.1005>", "{application}": "orders",
		"{event}": "orders_created", "{peer}": "orders@localhost",
	}
	for _, p := range prompts.Investigations() {
		for i, s := range p.Steps {
			tool, ok := Builtins().Lookup(s.Tool)
			if !ok {
				t.Errorf("%s step %d: no tool %q", p.Name, i+1, s.Tool)
				continue
			}
			raw, err := json.Marshal(s.Args)
			if err != nil {
				t.Fatal(err)
			}
			text := string(raw)
			for k, v := range values {
				text = strings.ReplaceAll(text, `"`+k+`"`, `"`+v+`"`)
			}
			if strings.Contains(text, `"{`) {
				t.Errorf("%s step %d: placeholder without a test value: %s", p.Name, i+1, text)
			}
			args, err := tool.Decode(json.RawMessage(text))
			if err != nil {
				t.Errorf("%s step %d: %s %s: %v", p.Name, i+1, s.Tool, text, err)
				continue
			}
			// A sampler step samples for as long as it promises: count
			// samples fit in its duration.
			// A sampler step's own tool and arguments are checked when
			// the sampler starts, against the server's tools.
			if a, ok := args.(*sampleStartArgs); ok {
				if err := a.resolve(Builtins()); err != nil {
					t.Errorf("%s step %d: %s: %v", p.Name, i+1, text, err)
				}
			}
			if a, ok := args.(*sampleStartArgs); ok && !a.settings.Reachable() {
				t.Errorf("%s step %d: %d samples every %s do not fit duration %s", p.Name, i+1, a.settings.Count, a.settings.Interval, a.settings.Duration)
			}
		}
	}
}
