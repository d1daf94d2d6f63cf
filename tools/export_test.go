package tools

import "github.com/ergomcp/ergomcp/internal/catalog"

// testPanicArgs are the arguments of test_panic.
type testPanicArgs struct {
	catalog.Common
}

// TestPanicTool is the name of a tool that exists only in this package's
// test binary: it panics, as a buggy tool would, so that tests can watch
// the dispatcher recover (see fault_test.go).
const TestPanicTool = "test_panic"

func init() {
	register(catalog.Tool{
		Name:        TestPanicTool,
		Title:       "Panic (tests only)",
		Description: "Panics. Registered only in the tools package's test binary.",
	}, func(env *Env, args *testPanicArgs) (any, error) {
		panic("test_panic: deliberate panic")
	})
}
