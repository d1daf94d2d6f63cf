package sampler

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/ergomcp/ergomcp/internal/logcount"
)

// Summary bounds: an answer that names every template of a storm would be
// the storm again.
const (
	summaryTop     = 20  // sources, dropped sources
	summaryTopText = 30  // templates
	exampleMax     = 300 // bytes of an example message
)

// LogSource names the source of a log sample as summaries and per-source
// drop counts show it: "process <pid> name", "meta <alias>", "node <name>"
// or "network <peer>".
func LogSource(kind, pid, name, meta, node, peer string) string {
	switch kind {
	case "process":
		return strings.TrimSpace("process " + pid + " " + name)
	case "meta":
		return "meta " + meta
	case "network":
		return "network " + peer
	}
	return "node " + node
}

// tally counts the samples of one key (a level, a source, a template).
type tally struct {
	Key         string
	Count       uint64
	First, Last time.Time
	Levels      map[string]int
	Example     string
	ExampleFrom string
}

func (t *tally) add(at time.Time, level string) {
	if t.Count == 0 || at.Before(t.First) {
		t.First = at
	}
	if at.After(t.Last) {
		t.Last = at
	}
	t.Count++
	if level != "" {
		if t.Levels == nil {
			t.Levels = map[string]int{}
		}
		t.Levels[level]++
	}
}

type tallies map[string]*tally

func (m tallies) get(key string) *tally {
	t, ok := m[key]
	if !ok {
		t = &tally{Key: key}
		m[key] = t
	}
	return t
}

// top returns the n largest tallies (count descending, key ascending) as
// objects with the key under name.
func (m tallies) top(name string, n int) []map[string]any {
	all := make([]*tally, 0, len(m))
	for _, t := range m {
		all = append(all, t)
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].Count != all[j].Count {
			return all[i].Count > all[j].Count
		}
		return all[i].Key < all[j].Key
	})
	out := make([]map[string]any, 0, min(n, len(all)))
	for _, t := range all[:min(n, len(all))] {
		row := map[string]any{name: t.Key, "count": t.Count, "first": t.First, "last": t.Last}
		if len(t.Levels) > 0 && name != "level" {
			row["levels"] = t.Levels
		}
		if t.Example != "" {
			row["example"] = t.Example
			row["example_source"] = t.ExampleFrom
		}
		out = append(out, row)
	}
	return out
}

// sampleView is what a summary reads of a stored sample.
type sampleView struct {
	Sequence uint64          `json:"sequence"`
	Time     time.Time       `json:"time"`
	Data     json.RawMessage `json:"data"`
}

type dataView struct {
	Kind    string `json:"kind"`
	Level   string `json:"level"`
	Source  string `json:"source"`
	PID     string `json:"pid"`
	Name    string `json:"name"`
	Meta    string `json:"meta"`
	Node    string `json:"node"`
	Peer    string `json:"peer"`
	Message any    `json:"message"`
	Event   string `json:"event"`
}

// Summarize answers sample_read summary=true: instead of the samples with
// sequence > since, their counts by kind, by log level, by source and by
// message template (numbers and IDs folded), each with first and last
// time and, for templates, one example; events by name; and the samples
// the buffer overwrote, in all and by source. Every list is bounded (the
// totals say how many there were), so a storm of any size reads in one
// answer.
func (e *Entry) Summarize(since uint64, now time.Time) ([]byte, error) {
	e.mu.Lock()
	st := e.statusLocked(now)
	var held [][]byte
	var newest, oldest uint64
	if e.ring != nil {
		stats := e.ring.Stats()
		newest, oldest = stats.Newest, e.ring.Oldest()
		if since > newest {
			e.mu.Unlock()
			return nil, fmt.Errorf("since %d is past the newest sequence %d of sampler %s", since, newest, e.ID)
		}
		e.ring.Each(since, func(_ uint64, data []byte) { held = append(held, data) })
	} else {
		newest = e.final.Newest
		oldest = newest + 1
	}
	drops := e.sources.counts()
	id, owner, reason := e.ID, e.owner, e.reason
	e.mu.Unlock()

	kinds := map[string]uint64{}
	levels, sources, templates, events := tallies{}, tallies{}, tallies{}, tallies{}
	unreadable := 0
	for _, raw := range held {
		var s sampleView
		var d dataView
		if json.Unmarshal(raw, &s) != nil || json.Unmarshal(s.Data, &d) != nil {
			unreadable++ // a truncated sample keeps its data as a string
			continue
		}
		kind := d.Kind
		if kind == "" {
			kind = "tool_result"
		}
		kinds[kind]++
		switch kind {
		case "log":
			levels.get(d.Level).add(s.Time, "")
			src := LogSource(d.Source, d.PID, d.Name, d.Meta, d.Node, d.Peer)
			sources.get(src).add(s.Time, d.Level)
			msg, _ := d.Message.(string)
			t := templates.get(logcount.Template(msg))
			t.add(s.Time, d.Level)
			if t.Example == "" {
				t.Example, t.ExampleFrom = clip(msg, exampleMax), src
			}
		case "event", "event_down":
			events.get(d.Event).add(s.Time, "")
		}
	}
	var dropped uint64
	if since+1 < oldest {
		dropped = oldest - since - 1
	}
	dropTally := tallies{}
	for src, n := range drops {
		dropTally[src] = &tally{Key: src, Count: n}
	}
	dropRows := make([]map[string]any, 0)
	for _, row := range dropTally.top("source", summaryTop) {
		dropRows = append(dropRows, map[string]any{"source": row["source"], "dropped": row["count"]})
	}
	out := struct {
		SamplerID       string            `json:"sampler_id"`
		Node            string            `json:"node"`
		Status          Status            `json:"status"`
		Reason          string            `json:"reason,omitempty"`
		LastSequence    uint64            `json:"last_sequence"`
		Summarized      int               `json:"summarized"`
		Unreadable      int               `json:"unreadable,omitempty"`
		Dropped         uint64            `json:"dropped"`
		DroppedBySource []map[string]any  `json:"dropped_by_source,omitempty"`
		ByKind          map[string]uint64 `json:"by_kind"`
		ByLevel         []map[string]any  `json:"by_level,omitempty"`
		SourcesTotal    int               `json:"sources_total"`
		BySource        []map[string]any  `json:"by_source,omitempty"`
		TemplatesTotal  int               `json:"templates_total"`
		Templates       []map[string]any  `json:"templates,omitempty"`
		Events          []map[string]any  `json:"events,omitempty"`
	}{
		SamplerID: id, Node: owner, Status: st, Reason: reason, LastSequence: newest, Summarized: len(held) - unreadable,
		Unreadable: unreadable, Dropped: dropped, DroppedBySource: dropRows, ByKind: kinds,
		ByLevel: levels.top("level", len(levels)), SourcesTotal: len(sources), BySource: sources.top("source", summaryTop),
		TemplatesTotal: len(templates), Templates: templates.top("template", summaryTopText), Events: events.top("event", summaryTop),
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		return nil, fmt.Errorf("summarizing sampler %s: %w", id, err)
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

// Matched reports whether a tool result caught something: a top-level
// Matched (pprof_goroutines) or total (lists) above 0. A result with
// neither counts as a match: the caller asked for the tool's answer.
func Matched(result string) bool {
	var r struct {
		Matched *float64 `json:"Matched"`
		Total   *float64 `json:"total"`
	}
	if json.Unmarshal([]byte(result), &r) != nil {
		return true
	}
	switch {
	case r.Matched != nil:
		return *r.Matched > 0
	case r.Total != nil:
		return *r.Total > 0
	}
	return true
}
