// Package fanout runs one read-only tool on every node of a cluster
// (node="*") and merges the answers into one honest result: every node
// gets a status (ok, error, timeout), so a partial answer never reads as a
// whole one, and nodes seen before but gone now are reported rather than
// silently missing. Which nodes to ask is the caller's: ergomcp's peer
// memory knows every node seen connected.
package fanout

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// All is the node argument that asks for every node.
const All = "*"

// Statuses of one node's part of a merged answer.
const (
	StatusOK      = "ok"
	StatusError   = "error"
	StatusTimeout = "timeout"
	// StatusGone: the node was seen connected before and is not now; the
	// part says since when.
	StatusGone = "gone"
)

// MaxNodes is the most nodes one call reaches; the rest are listed as
// skipped.
const MaxNodes = 64

// Targets returns the nodes to ask: local first, then the others sorted
// and without duplicates, at most MaxNodes; skipped lists those beyond.
func Targets(local string, others []string) (targets, skipped []string) {
	others = slices.DeleteFunc(slices.Clone(others), func(n string) bool { return n == local || n == "" })
	slices.Sort(others)
	targets = append([]string{local}, slices.Compact(others)...)
	if len(targets) > MaxNodes {
		return targets[:MaxNodes], targets[MaxNodes:]
	}
	return targets, nil
}

// Plan checks that n nodes asked parallel at a time, each call lasting at
// least lasts, fit in left; it returns the number of rounds, or an error
// that says why the call is refused up front: a node asked in a late
// round would otherwise be blamed for the time earlier rounds took.
func Plan(n, parallel int, lasts, left time.Duration) (rounds int, err error) {
	parallel = max(parallel, 1)
	rounds = (n + parallel - 1) / parallel
	if lasts <= 0 {
		return rounds, nil
	}
	need := time.Duration(rounds) * lasts
	if avail := left - margin(left); need > avail {
		return rounds, fmt.Errorf("refused up front: %d nodes asked %d at a time take %d rounds of at least %s each (%s), "+
			"more than the %s the call has left: raise timeout or ask for a shorter run", n, parallel, rounds, lasts, need, avail.Round(time.Millisecond))
	}
	return rounds, nil
}

// Answer is what one node's call produced.
type Answer struct {
	// Text is the tool's result (JSON when OK) or its error text.
	Text    string
	IsError bool
	// Timeout: the node did not answer before its share of the deadline.
	Timeout bool
}

// Part is one node's entry in the merged result.
type Part struct {
	Node       string          `json:"node"`
	Status     string          `json:"status"`
	DurationMs int64           `json:"duration_ms"`
	Result     json.RawMessage `json:"result,omitempty"`
	Error      string          `json:"error,omitempty"`
	// GoneSince is when a gone node's connection was seen to end (RFC 3339).
	GoneSince string `json:"gone_since,omitempty"`
}

// Run calls call once per target, at most parallel at a time, each with
// a deadline a little before ctx's so that the merged answer still reaches
// the caller in time, and returns the parts in target order. A node not
// reached before the deadline is a timeout; call must return when its
// context ends.
func Run(ctx context.Context, targets []string, parallel int, call func(ctx context.Context, node string) Answer) []Part {
	parts := make([]Part, len(targets))
	sub, cancel := context.WithDeadline(ctx, shareDeadline(ctx, time.Now()))
	defer cancel()
	sem := make(chan struct{}, max(parallel, 1))
	var wg sync.WaitGroup
	for i, node := range targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			start := time.Now()
			select {
			case sem <- struct{}{}:
				defer func() { <-sem }()
			case <-sub.Done():
				parts[i] = Part{Node: node, Status: StatusTimeout, Error: "not started before the deadline: other nodes held every slot"}
				return
			}
			parts[i] = part(node, call(sub, node), sub.Err() != nil, time.Since(start))
		}()
	}
	wg.Wait()
	return parts
}

// shareDeadline leaves a margin of the time left for merging and writing
// the answer.
func shareDeadline(ctx context.Context, now time.Time) time.Time {
	d, ok := ctx.Deadline()
	if !ok {
		return now.Add(time.Hour)
	}
	return d.Add(-margin(d.Sub(now)))
}

// margin is a tenth of left, between 100 ms and 1 s.
func margin(left time.Duration) time.Duration {
	return min(max(left/10, 100*time.Millisecond), time.Second)
}

func part(node string, a Answer, expired bool, took time.Duration) Part {
	p := Part{Node: node, Status: StatusOK, DurationMs: took.Milliseconds()}
	switch {
	case a.Timeout || a.IsError && expired:
		p.Status, p.Error = StatusTimeout, a.Text
	case a.IsError:
		p.Status, p.Error = StatusError, a.Text
	case json.Valid([]byte(a.Text)):
		p.Result = json.RawMessage(a.Text)
	default:
		p.Result, _ = json.Marshal(a.Text)
	}
	return p
}

// Merged is the answer of a fan-out call.
type Merged struct {
	Tool     string   `json:"tool"`
	Nodes    int      `json:"nodes"`
	OK       int      `json:"ok"`
	Errors   int      `json:"errors"`
	Timeouts int      `json:"timeouts"`
	Gone     int      `json:"gone"`
	Skipped  []string `json:"skipped,omitempty"`
	Note     string   `json:"note,omitempty"`
	Results  []Part   `json:"results"`
}

// Merge encodes parts within budget bytes; note says what the answer
// cannot cover (nodes never seen). When they do not fit, the
// largest results are replaced by an error naming their size, until the
// rest fits: every node keeps its entry and the caller learns which node
// to ask directly.
func Merge(tool string, parts []Part, skipped []string, note string, budget int) (string, error) {
	m := Merged{Tool: tool, Nodes: len(parts) + len(skipped), Skipped: skipped, Results: slices.Clone(parts), Note: note}
	if len(skipped) > 0 {
		m.Note = strings.TrimPrefix(m.Note+"; "+fmt.Sprintf("%d nodes beyond the fan-out limit of %d were not asked; call them with node=<name>", len(skipped), MaxNodes), "; ")
	}
	order := make([]int, len(m.Results))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return cmp.Compare(len(m.Results[b].Result), len(m.Results[a].Result)) })
	for next := 0; ; next++ {
		m.count()
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(&m); err != nil {
			return "", fmt.Errorf("encoding the merged answer: %w", err)
		}
		if buf.Len() <= budget {
			return string(bytes.TrimRight(buf.Bytes(), "\n")), nil
		}
		if next == len(order) || len(m.Results[order[next]].Result) == 0 {
			return "", fmt.Errorf("the merged answer of %d nodes does not fit the response budget of %d bytes even without results", len(parts), budget)
		}
		r := &m.Results[order[next]]
		r.Error = fmt.Sprintf("result of %d bytes dropped: the merged answer exceeded the response budget of %d bytes; call %s with node=%q", len(r.Result), budget, tool, r.Node)
		r.Status, r.Result = StatusError, nil
	}
}

func (m *Merged) count() {
	m.OK, m.Errors, m.Timeouts, m.Gone = 0, 0, 0, 0
	for _, p := range m.Results {
		switch p.Status {
		case StatusOK:
			m.OK++
		case StatusTimeout:
			m.Timeouts++
		case StatusGone:
			m.Gone++
		default:
			m.Errors++
		}
	}
}
