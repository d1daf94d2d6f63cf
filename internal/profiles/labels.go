// Package profiles captures and reads Go runtime profiles with
// github.com/google/pprof/profile. It imports nothing from ergo.
package profiles

import "github.com/google/pprof/profile"

// Goroutines captures the goroutine profile in proto form, which carries
// each goroutine's pprof labels (the text forms lose them).
func Goroutines() (*profile.Profile, error) {
	return lookup("goroutine")
}

// HasLabel reports whether any goroutine of p carries the label key. Ergo
// built with -tags=pprof labels every running actor goroutine with "pid",
// so a probe run from inside an actor finds at least its own.
func HasLabel(p *profile.Profile, key string) bool {
	for _, s := range p.Sample {
		if len(s.Label[key]) > 0 {
			return true
		}
	}
	return false
}
