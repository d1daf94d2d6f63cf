package profiles

import (
	"context"
	"runtime/pprof"
	"testing"
)

func TestHasLabel(t *testing.T) {
	p, err := Goroutines()
	if err != nil {
		t.Fatal(err)
	}
	if HasLabel(p, "pid") {
		t.Fatal("found a pid label before any was set")
	}
	stop, started := make(chan struct{}), make(chan struct{})
	defer close(stop)
	go pprof.Do(context.Background(), pprof.Labels("pid", "<90A29F11.0.1017>"), func(context.Context) {
		close(started)
		<-stop
	})
	<-started
	p, err = Goroutines()
	if err != nil {
		t.Fatal(err)
	}
	if !HasLabel(p, "pid") {
		t.Fatal("labelled goroutine not found")
	}
}
