//go:build ergo33

package ergomcp_test

import (
	"ergo.services/ergo/app"
	"ergo.services/ergo/gen"
)

// ergo33: this file builds with -tags=ergo33 against a 3.3-shaped ergo.
const ergo33 = true

// specApp wraps a spec in an application of ergo 3.3's shape: it embeds
// app.Application and loads without the node argument.
func specApp(spec gen.ApplicationSpec) gen.ApplicationBehavior { return &fixedApp{spec: spec} }

type fixedApp struct {
	app.Application
	spec gen.ApplicationSpec
}

func (a *fixedApp) Load(...any) (gen.ApplicationSpec, error) { return a.spec, nil }
