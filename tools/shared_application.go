package tools

import (
	"errors"
	"slices"
	"strings"

	"ergo.services/ergo/gen"

	"github.com/ergomcp/ergomcp/internal/catalog"
)

// appInfo reads one application for the app_* tools; an unknown name is an
// error that lists the known ones, so the caller can retry at once.
func (env *Env) appInfo(name string) (gen.ApplicationInfo, error) {
	node := env.Node()
	info, err := node.ApplicationInfo(gen.Atom(name))
	switch {
	case errors.Is(err, gen.ErrApplicationUnknown):
		return info, catalog.Errorf("no application %q on %s; known applications: %s", name, node.Name(), knownApps(node))
	case err != nil:
		return info, catalog.Errorf("application %q: %v", name, err)
	}
	// ergo counts uptime from the start time, which a loaded (never
	// started) application lacks: it would show seconds since 1970.
	if info.State != gen.ApplicationStateRunning {
		info.Uptime = 0
	}
	return info, nil
}

// maxKnownApps bounds the list of names in an error message.
const maxKnownApps = 50

// knownApps lists the node's applications, sorted, for error messages.
func knownApps(node gen.Node) string {
	apps := node.Applications()
	if len(apps) == 0 {
		return "none"
	}
	slices.Sort(apps)
	names := make([]string, 0, min(len(apps), maxKnownApps)+1)
	for _, a := range apps[:min(len(apps), maxKnownApps)] {
		names = append(names, string(a))
	}
	if len(apps) > maxKnownApps {
		names = append(names, "…")
	}
	return strings.Join(names, ", ") + " (app_list shows them)"
}

// requireAppName is the check of the name argument the app tools share.
func requireAppName(name string) error {
	return requireNonBlank(name, "name is required: an application name as app_list shows it")
}
