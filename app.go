//go:build !ergo33

package ergomcp

import "ergo.services/ergo/gen"

// CreateApp returns the ergomcp application for a node's
// gen.NodeOptions.Applications. This file serves ergo 3.1 and 3.2; build
// with -tags=ergo33 for ergo 3.3, whose application interface changed.
func CreateApp(opts Options) gen.ApplicationBehavior {
	return &application{opts: opts}
}

type application struct {
	opts Options
}

// Load validates the options: a bad configuration stops the node from
// starting with the reason, rather than running without diagnostics.
func (a *application) Load(node gen.Node, args ...any) (gen.ApplicationSpec, error) {
	return spec(a.opts)
}

func (a *application) Start(mode gen.ApplicationMode) {}

func (a *application) Terminate(reason error) {}
