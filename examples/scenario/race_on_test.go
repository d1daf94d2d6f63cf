//go:build race

package scenario_test

// raceDetector: this test binary runs under the race detector, which makes
// a node several times slower.
const raceDetector = true
