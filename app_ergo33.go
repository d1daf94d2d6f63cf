//go:build ergo33

package ergomcp

import (
	"ergo.services/ergo/app"
	"ergo.services/ergo/gen"
)

// CreateApp returns the ergomcp application for a node's
// gen.NodeOptions.Applications. This file serves ergo 3.3, where an
// application embeds app.Application (which provides PreLoad and the no-op
// Init, Start, Stop and Terminate) and implements Load.
func CreateApp(opts Options) gen.ApplicationBehavior {
	return &application{opts: opts}
}

type application struct {
	app.Application
	opts Options
}

// Load validates the options: a bad configuration stops the node from
// starting with the reason, rather than running without diagnostics.
func (a *application) Load(args ...any) (gen.ApplicationSpec, error) {
	return spec(a.opts)
}
