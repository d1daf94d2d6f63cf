package tools

import (
	"encoding/json"
	"slices"
	"strings"

	"ergo.services/ergo/gen"

	"github.com/ergomcp/ergomcp/internal/catalog"
	"github.com/ergomcp/ergomcp/internal/record"
	"github.com/ergomcp/ergomcp/internal/result"
)

type appListArgs struct {
	catalog.Common
	catalog.Page
	State     string `json:"state,omitempty"`
	Mode      string `json:"mode,omitempty"`
	Name      string `json:"name,omitempty" jsonschema:"substring of the name"`
	MinUptime int64  `json:"min_uptime,omitempty" jsonschema:"seconds"`
}

// The values ergo prints for gen.ApplicationState and gen.ApplicationMode.
var (
	appStates = []string{"loaded", "running", "stopping"}
	appModes  = []string{"temporary", "transient", "permanent"}
)

// maxApps bounds the list; nodes run tens of applications, so no limit
// argument is offered.
const maxApps = 1000

// Validate normalises state and mode and rejects values ergo never prints.
func (a *appListArgs) Validate() error {
	var err error
	if a.State, err = lowerEnum("state", a.State, appStates); err != nil {
		return err
	}
	if a.Mode, err = lowerEnum("mode", a.Mode, appModes); err != nil {
		return err
	}
	if a.MinUptime < 0 {
		return catalog.Errorf("min_uptime must not be negative, got %d", a.MinUptime)
	}
	return nil
}

// lowerEnum returns v in lower case when it is one of valid ("" passes), or an
// error naming arg and the valid values.
func lowerEnum(arg, v string, valid []string) (string, error) {
	norm := strings.ToLower(strings.TrimSpace(v))
	if norm == "" || slices.Contains(valid, norm) {
		return norm, nil
	}
	return "", catalog.Errorf("%s %q is not valid; use one of: %s", arg, v, strings.Join(valid, ", "))
}

func init() {
	register(catalog.Tool{
		Name:  "app_list",
		Title: "List applications",
		Description: "The node's applications by name: State, Mode, Version, Uptime, GroupSize and Processes (every live process of " +
			"it). Reach for it to map a node's parts before app_processes.",
		Enums: map[string][]any{"state": enumAny(appStates), "mode": enumAny(appModes)},
	}, appList)
}

// appSummary is one application as app_list shows it.
type appSummary struct {
	Name        gen.Atom
	State       gen.ApplicationState
	Mode        gen.ApplicationMode
	Version     gen.Version
	Description string
	Uptime      int64
	GroupSize   int
	Processes   int
}

func appList(env *Env, args *appListArgs) (any, error) {
	node := env.Node()
	names := node.Applications()
	slices.Sort(names)
	var apps []appSummary
	for _, name := range names {
		info, err := env.appInfo(string(name))
		if err != nil {
			continue // unloaded since Applications() listed it
		}
		if (args.State != "" && info.State.String() != args.State) ||
			(args.Mode != "" && info.Mode.String() != args.Mode) ||
			!strings.Contains(string(info.Name), args.Name) || info.Uptime < args.MinUptime {
			continue
		}
		apps = append(apps, appSummary{
			Name: info.Name, State: info.State, Mode: info.Mode, Version: info.Version,
			Description: info.Description, Uptime: info.Uptime, GroupSize: len(info.Group),
		})
	}
	if len(apps) > 0 {
		counts := map[gen.Atom]int{}
		err := env.scanProcesses("app_list", func(p *gen.ProcessShortInfo) {
			if p.Application != "" {
				counts[p.Application]++
			}
		})
		if err != nil {
			return nil, err
		}
		for i := range apps {
			apps[i].Processes = counts[apps[i].Name]
		}
	}
	list := &result.List{Total: len(apps), ItemsKey: "applications", Truncated: len(apps) > maxApps}
	for _, a := range apps[:min(len(apps), maxApps)] {
		item, err := record.Append(nil, a, nil)
		if err != nil {
			return nil, err
		}
		list.Items = append(list.Items, json.RawMessage(item))
	}
	return list, nil
}

// enumAny converts valid values for a schema enum.
func enumAny(values []string) []any {
	out := make([]any, len(values))
	for i, v := range values {
		out[i] = v
	}
	return out
}
