//go:build !race

package ergomcp_test

// raceDetector: this test binary runs without the race detector.
const raceDetector = false
