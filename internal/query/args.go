package query

import (
	"math"
	"strings"

	"github.com/ergomcp/ergomcp/internal/catalog"
	"github.com/ergomcp/ergomcp/internal/rank"
)

// ProcessArgs are process_list's own arguments; the tool embeds them next to
// catalog.Common. Zero values mean "no filter". jsonschema-go v0.4.3 takes
// the jsonschema tag as the description only, so valid values are listed
// there; Enums gives them in schema form.
type ProcessArgs struct {
	Limit       int    `json:"limit,omitempty" arg:"rule=list_limit"`
	Application string `json:"application,omitempty" jsonschema:"exact application name"`
	Behavior    string `json:"behavior,omitempty" jsonschema:"exact Behavior, e.g. *main.Worker"`
	Name        string `json:"name,omitempty" jsonschema:"substring of the registered name"`
	State       string `json:"state,omitempty" jsonschema:"init, sleep, running, wait_response, terminated or zombee"`

	MinMessagesIn       int64   `json:"min_messages_in,omitempty"`
	MinMessagesOut      int64   `json:"min_messages_out,omitempty"`
	MinMailbox          int64   `json:"min_mailbox,omitempty"`
	MinMailboxLatencyMs float64 `json:"min_mailbox_latency_ms,omitempty" jsonschema:"ergo ≥ 3.3 with -tags=latency"`
	MinRunningTimeMs    float64 `json:"min_running_time_ms,omitempty"`
	MinInitTimeMs       float64 `json:"min_init_time_ms,omitempty" jsonschema:"ergo ≥ 3.3"`
	MinWakeups          int64   `json:"min_wakeups,omitempty" jsonschema:"ergo ≥ 3.3"`
	MinUptime           int64   `json:"min_uptime,omitempty" jsonschema:"seconds"`
	MaxUptime           int64   `json:"max_uptime,omitempty" jsonschema:"seconds; 0: no bound"`
	MinDrain            float64 `json:"min_drain,omitempty" jsonschema:"messages per wakeup, ergo ≥ 3.3"`

	SortBy string `json:"sort_by,omitempty" jsonschema:"largest first; pid (default) ascending"`
}

// stateArgs are the state argument's values as the schema shows them; ergo
// prints the same names with spaces for underscores.
var stateArgs = []string{"init", "sleep", "running", "wait_response", "terminated", "zombee"}

// Enums returns the valid values of the arguments that take a fixed set,
// keyed by argument name, ready for a schema's enum: the catalog cannot
// derive them from struct tags, so the tool definition may set them.
func Enums() map[string][]any {
	e := map[string][]any{}
	for _, s := range stateArgs {
		e["state"] = append(e["state"], s)
	}
	e["sort_by"] = sortKeys.Names()
	return e
}

// ergoState maps a state argument to ergo's spelling. Agents write states
// as they see them printed ("wait response"), as identifiers
// ("wait_response", "WAIT-RESPONSE") or in plain English ("zombie").
func ergoState(arg string) (string, error) {
	norm := strings.NewReplacer("_", " ", "-", " ").Replace(strings.ToLower(strings.TrimSpace(arg)))
	if norm == "zombie" {
		norm = "zombee"
	}
	for _, s := range stateArgs {
		if e := strings.ReplaceAll(s, "_", " "); norm == e {
			return e, nil
		}
	}
	return "", catalog.Errorf("state %q is not valid; use one of: %s", arg, strings.Join(stateArgs, ", "))
}

// Validate fills defaults and checks every argument. Out-of-range values
// are errors rather than clamped: an agent that asked for more processes
// than rank.MaxLimit should learn it got fewer.
func (a *ProcessArgs) Validate() error {
	if err := rank.CheckLimit(&a.Limit); err != nil {
		return err
	}
	if a.State != "" {
		if _, err := ergoState(a.State); err != nil {
			return err
		}
	}
	if a.SortBy != "" {
		if _, err := sortKeys.Lookup(a.SortBy); err != nil {
			return err
		}
	}
	for _, c := range []struct {
		name string
		v    int64
	}{
		{"min_messages_in", a.MinMessagesIn},
		{"min_messages_out", a.MinMessagesOut},
		{"min_mailbox", a.MinMailbox},
		{"min_wakeups", a.MinWakeups},
		{"min_uptime", a.MinUptime},
		{"max_uptime", a.MaxUptime},
	} {
		if c.v < 0 {
			return catalog.Errorf("%s must not be negative, got %d", c.name, c.v)
		}
	}
	for _, c := range []struct {
		name string
		v    float64
		max  float64
	}{
		// Milliseconds become int64 nanoseconds; the ceiling (about 292
		// years) keeps the conversion exact in range.
		{"min_mailbox_latency_ms", a.MinMailboxLatencyMs, maxMs},
		{"min_running_time_ms", a.MinRunningTimeMs, maxMs},
		{"min_init_time_ms", a.MinInitTimeMs, maxMs},
		{"min_drain", a.MinDrain, math.MaxFloat64},
	} {
		if c.v < 0 || c.v > c.max || math.IsNaN(c.v) {
			return catalog.Errorf("%s must be between 0 and %g, got %g", c.name, c.max, c.v)
		}
	}
	if a.MaxUptime > 0 && a.MinUptime > a.MaxUptime {
		return catalog.Errorf("min_uptime (%d) is greater than max_uptime (%d): no process can match", a.MinUptime, a.MaxUptime)
	}
	return nil
}

// maxMs is the largest millisecond threshold whose nanoseconds fit int64.
const maxMs = float64(math.MaxInt64/1e6) - 1
