// Package fanout runs one read-only tool on every node of a cluster
// (node="*") and merges the answers into one honest result: every node
// gets a status (ok, error, timeout), so a partial answer never reads as a
// whole one, and nodes seen before but gone now are reported rather than
// silently missing.
package fanout

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
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
)

// Limits keep one fan-out bounded however large the cluster.
const (
	// MaxNodes is the most nodes one call reaches; the rest are listed as
	// skipped.
	MaxNodes = 64
	// MaxPeers is how many nodes Peers remembers.
	MaxPeers = 256
	// PeerMemory is how long a node that left stays in the answers (with
	// an error) after it was last seen connected.
	PeerMemory = time.Hour
)

// Peers remembers the nodes seen connected, so that a node which stopped
// or lost its connection still shows up in the next fan-out as an error
// instead of vanishing from the answer. Safe for concurrent use.
type Peers struct {
	mu   sync.Mutex
	seen map[string]time.Time
}

// Targets returns the nodes to ask at time now: local first, then every
// connected node and every node seen within PeerMemory, sorted, at most
// MaxNodes; skipped lists those beyond the limit. It remembers connected.
func (p *Peers) Targets(local string, connected []string, now time.Time) (targets, skipped []string) {
	p.mu.Lock()
	if p.seen == nil {
		p.seen = make(map[string]time.Time)
	}
	for _, n := range connected {
		p.seen[n] = now
	}
	var others []string
	for n, at := range p.seen {
		if now.Sub(at) > PeerMemory {
			delete(p.seen, n)
			continue
		}
		if n != local {
			others = append(others, n)
		}
	}
	if len(p.seen) > MaxPeers {
		p.forgetOldest(len(p.seen) - MaxPeers)
		others = slices.DeleteFunc(others, func(n string) bool { _, ok := p.seen[n]; return !ok })
	}
	p.mu.Unlock()

	slices.Sort(others)
	targets = append([]string{local}, others...)
	if len(targets) > MaxNodes {
		return targets[:MaxNodes], targets[MaxNodes:]
	}
	return targets, nil
}

func (p *Peers) forgetOldest(n int) {
	type aged struct {
		name string
		at   time.Time
	}
	all := make([]aged, 0, len(p.seen))
	for name, at := range p.seen {
		all = append(all, aged{name, at})
	}
	slices.SortFunc(all, func(a, b aged) int { return a.at.Compare(b.at) })
	for _, a := range all[:n] {
		delete(p.seen, a.name)
	}
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

// shareDeadline leaves a tenth of the time left (between 100 ms and 1 s)
// for merging and writing the answer.
func shareDeadline(ctx context.Context, now time.Time) time.Time {
	d, ok := ctx.Deadline()
	if !ok {
		return now.Add(time.Hour)
	}
	margin := min(max(d.Sub(now)/10, 100*time.Millisecond), time.Second)
	return d.Add(-margin)
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
	Skipped  []string `json:"skipped,omitempty"`
	Note     string   `json:"note,omitempty"`
	Results  []Part   `json:"results"`
}

// Merge encodes parts within budget bytes. When they do not fit, the
// largest results are replaced by an error naming their size, until the
// rest fits: every node keeps its entry and the caller learns which node
// to ask directly.
func Merge(tool string, parts []Part, skipped []string, budget int) (string, error) {
	m := Merged{Tool: tool, Nodes: len(parts) + len(skipped), Skipped: skipped, Results: slices.Clone(parts)}
	if len(skipped) > 0 {
		m.Note = fmt.Sprintf("%d nodes beyond the fan-out limit of %d were not asked; call them with node=<name>", len(skipped), MaxNodes)
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
	m.OK, m.Errors, m.Timeouts = 0, 0, 0
	for _, p := range m.Results {
		switch p.Status {
		case StatusOK:
			m.OK++
		case StatusTimeout:
			m.Timeouts++
		default:
			m.Errors++
		}
	}
}
