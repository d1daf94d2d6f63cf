// Package busy holds the small actors the examples run so that there is
// something to look at.
package busy

import (
	"fmt"
	"time"

	"ergo.services/ergo/act"
	"ergo.services/ergo/gen"
)

type tick struct{}

// Ticker handles a tick of its own every Every (default 10 ms) and shows
// the count in its inspect map.
type Ticker struct {
	act.Actor
	Every time.Duration
	count uint64
}

// NewTicker returns a factory of tickers with the given period.
func NewTicker(every time.Duration) gen.ProcessFactory {
	return func() gen.ProcessBehavior { return &Ticker{Every: every} }
}

// Init starts the first tick.
func (t *Ticker) Init(args ...any) error {
	if t.Every <= 0 {
		t.Every = 10 * time.Millisecond
	}
	t.SendAfter(t.PID(), tick{}, t.Every)
	return nil
}

// HandleMessage counts the tick and plans the next.
func (t *Ticker) HandleMessage(from gen.PID, message any) error {
	t.count++
	t.SendAfter(t.PID(), tick{}, t.Every)
	return nil
}

// HandleInspect shows how many ticks were handled.
func (t *Ticker) HandleInspect(from gen.PID, item ...string) map[string]string {
	return map[string]string{"ticks": fmt.Sprint(t.count)}
}
