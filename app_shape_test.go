//go:build !ergo33

package ergomcp_test

import "ergo.services/ergo/gen"

// ergo33 tells the tests which generation they run on: this file builds
// against ergo 3.1 and 3.2.
const ergo33 = false

// specApp wraps a spec in an application. gen.ApplicationBehavior is the one
// ergo type whose shape changed in 3.3 (see app_shape_ergo33_test.go), so the
// tests' own applications are built here and nowhere else.
func specApp(spec gen.ApplicationSpec) gen.ApplicationBehavior { return &fixedApp{spec} }

type fixedApp struct{ spec gen.ApplicationSpec }

func (a *fixedApp) Load(gen.Node, ...any) (gen.ApplicationSpec, error) { return a.spec, nil }
func (a *fixedApp) Start(gen.ApplicationMode)                          {}
func (a *fixedApp) Terminate(error)                                    {}
