// Package window turns two snapshots of a node's process counters into
// per-process rates, the way recon's proc_window does for Erlang: ergo's
// counters are cumulative since each process started, so "which process is
// busy now" needs a difference over a window.
//
// The math is here, free of ergo, so it can be tested on recorded numbers:
// rates per second, running-time share of one CPU, mailbox growth, the
// processing rate, Little's-law latency and time to drain, and what to do
// when a counter goes backwards because a process restarted under the same
// identity.
package window

import (
	"context"
	"math"
	"time"
)

// Sample is one process's counters at one instant.
type Sample struct {
	// ID is PID.ID; snapshots are ordered by it.
	ID uint64
	// MessagesIn counts messages put into the mailbox since the process
	// started (ergo counts on arrival, not on handling).
	MessagesIn, MessagesOut uint64
	// Mailbox is the number of messages waiting.
	Mailbox uint64
	// RunningTime is the time spent handling messages, in nanoseconds.
	RunningTime uint64
	// Uptime is in whole seconds.
	Uptime int64
}

// Snapshot is one pass over the process table, ordered by ID. It is the
// only per-process state a window keeps: about 48 bytes per process.
type Snapshot []Sample

// Cursor finds samples of a snapshot for IDs asked in ascending order, in
// amortised constant time: the second pass of a window walks the table in
// the same order as the first.
type Cursor struct {
	s Snapshot
	i int
}

// NewCursor starts a cursor at the beginning of s.
func NewCursor(s Snapshot) *Cursor { return &Cursor{s: s} }

// Find returns the sample with the given ID, or nil. IDs must not decrease
// between calls.
func (c *Cursor) Find(id uint64) *Sample {
	for c.i < len(c.s) && c.s[c.i].ID < id {
		c.i++
	}
	if c.i < len(c.s) && c.s[c.i].ID == id {
		return &c.s[c.i]
	}
	return nil
}

// Rates is what one process did during the window.
type Rates struct {
	// Seconds is the window's length.
	Seconds float64
	// New: the process did not exist at the window's start. Reset: one of
	// its counters went backwards, so it restarted under the same identity.
	// Either way its counters are taken as having started from zero inside
	// the window, so its rates are lower bounds.
	New, Reset bool

	// InRate and OutRate are messages received and sent per second.
	InRate, OutRate float64
	// CPU is the share of one CPU spent in the process's callbacks (running
	// time over wall time; 1 = one core busy the whole window).
	CPU float64
	// MailboxGrowth is the change of the mailbox per second; negative while
	// it drains.
	MailboxGrowth float64
	// ProcessingRate is messages handled per second: arrivals minus what
	// stayed in the mailbox.
	ProcessingRate float64
	// Mailbox is the depth at the window's end.
	Mailbox uint64

	// EstLatency is Little's law: Mailbox / ProcessingRate, in seconds, the
	// time a message arriving now waits before it is handled. Stalled (the
	// mailbox holds messages but none was handled in the window) makes it
	// infinite; with an empty mailbox it is 0.
	EstLatency float64
	// TimeToDrain is Mailbox / (net drain per second), in seconds:
	// infinite when the mailbox holds messages and is not shrinking, 0 when
	// it is empty.
	TimeToDrain float64
	// Stalled: messages waited the whole window and none was handled.
	Stalled bool
	// CPUStale: messages were handled but no running time was recorded.
	// ergo 3.1 and 3.2 add running time only when a process empties its mailbox,
	// so a process that never catches up shows none: its CPU share is
	// unknown, not zero.
	CPUStale bool
}

// Measure computes the rates of a process seen as before at the start of a
// window of length w and as after at its end; before is nil for a process
// born inside the window.
func Measure(before, after *Sample, w time.Duration) Rates {
	r := Rates{Seconds: w.Seconds(), Mailbox: after.Mailbox}
	var b Sample
	switch {
	case before == nil:
		r.New = true
	case after.MessagesIn < before.MessagesIn || after.MessagesOut < before.MessagesOut ||
		after.RunningTime < before.RunningTime || after.Uptime < before.Uptime:
		r.Reset = true
	default:
		b = *before
	}
	if r.Seconds <= 0 {
		r.Seconds = math.SmallestNonzeroFloat64
	}
	in := float64(after.MessagesIn - b.MessagesIn)
	grew := float64(after.Mailbox) - float64(b.Mailbox)
	handled := max(in-grew, 0)
	running := float64(after.RunningTime - b.RunningTime)

	r.InRate = in / r.Seconds
	r.OutRate = float64(after.MessagesOut-b.MessagesOut) / r.Seconds
	r.CPU = running / 1e9 / r.Seconds
	r.MailboxGrowth = grew / r.Seconds
	r.ProcessingRate = handled / r.Seconds
	r.CPUStale = handled > 0 && running == 0 && after.Mailbox > 0

	mailbox := float64(after.Mailbox)
	switch {
	case after.Mailbox == 0:
	case handled == 0:
		r.EstLatency = math.Inf(1)
		r.Stalled = b.Mailbox > 0
	default:
		r.EstLatency = mailbox / r.ProcessingRate
	}
	if after.Mailbox > 0 {
		// A mailbox that is not shrinking has a drain rate of +0, so the
		// division gives +Inf. max makes it +0 for a steady mailbox: -grew
		// is then −0, and the result would be −Inf, which sorts a mailbox
		// that never drains as the best instead of the worst.
		r.TimeToDrain = mailbox / (max(-grew, 0) / r.Seconds)
	}
	return r
}

// Wait blocks for d or until ctx is done, calling progress every interval
// on the way (a long window keeps the caller informed), and reports
// whether ctx ended it.
func Wait(ctx context.Context, d, interval time.Duration, progress func(elapsed, total time.Duration)) (cancelled bool) {
	start := time.Now()
	timer := time.NewTimer(d)
	defer timer.Stop()
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return true
		case <-timer.C:
			return false
		case <-ticker.C:
			if progress != nil {
				progress(time.Since(start), d)
			}
		}
	}
}
