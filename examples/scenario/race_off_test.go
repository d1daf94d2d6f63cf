//go:build !race

package scenario_test

// raceDetector: this test binary runs without the race detector.
const raceDetector = false
