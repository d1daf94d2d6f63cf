package sampler

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ergomcp/ergomcp/internal/record"
)

func summary(t *testing.T, e *Entry, now time.Time) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(e.Summary(now), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestSummaryBufferCounters: while the buffer lives sample_list shows what
// it holds; once the registry frees it only the counters stay.
func TestSummaryBufferCounters(t *testing.T) {
	r := newTestRegistry(Limits{})
	e := reserve(t, r, activeSpec(3, 0), t0)
	for i := range 3 {
		e.Record(t0.Add(ms(i+1)), t0, []byte(`{"n":12345}`))
	}
	m := summary(t, e, t0.Add(ms(10))) // lingering: the data is still there
	if m["buffered"] != 3.0 || m["bytes"].(float64) <= 3*entryOverhead || m["last_sequence"] != 3.0 || m["samples"] != 3.0 {
		t.Fatalf("lingering: %v", m)
	}
	later := t0.Add(time.Minute) // linger over: List purges and frees
	if items, _ := r.List(later); len(items) != 1 {
		t.Fatalf("list after linger: %d", len(items))
	}
	m = summary(t, e, later)
	if m["buffered"] != 0.0 || m["bytes"] != 0.0 || m["last_sequence"] != 3.0 || m["samples"] != 3.0 || m["status"] != "completed" {
		t.Fatalf("freed: %v", m)
	}
	if b, err := e.Read(3, 1<<20, later); err != nil || !strings.Contains(string(b), `"dropped":0`) {
		t.Fatalf("read at the newest sequence after the data went: %s %v", b, err)
	}
	if b, err := e.Read(2, 1<<20, later); err != nil || !strings.Contains(string(b), `"dropped":1`) {
		t.Fatalf("read one short of the newest after the data went: %s %v", b, err)
	}
	if _, err := e.Read(4, 1<<20, later); err == nil {
		t.Fatal("read past the newest sequence after the data went: no error")
	}
}

// TestSummaryOneAllocation: sample_list builds one summary per sampler;
// each is sized up front, long texts included.
func TestSummaryOneAllocation(t *testing.T) {
	r := newTestRegistry(Limits{})
	s := activeSpec(0, 0)
	s.Description = strings.Repeat("d", 2000)
	e := reserve(t, r, s, t0)
	e.Fail(t0.Add(ms(1)), strings.Repeat("e", 2000))
	now := t0.Add(ms(2))
	if n := testing.AllocsPerRun(10, func() { e.Summary(now) }); n != 1 {
		t.Fatalf("Summary allocated %v times, want 1", n)
	}
}

// TestReadTruncatedFlag: truncated (and truncated_by) say that samples were
// left for the next read, and only then.
func TestReadTruncatedFlag(t *testing.T) {
	r := newTestRegistry(Limits{})
	e := reserve(t, r, activeSpec(0, 0), t0)
	for i := range 4 {
		e.Record(t0.Add(ms(i+1)), t0, []byte(`{"pad":"`+strings.Repeat("x", 200)+`"}`))
	}
	full, err := e.Read(0, 1<<20, t0.Add(ms(10)))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(full), `"truncated":false`) || strings.Contains(string(full), "truncated_by") {
		t.Fatalf("a complete answer says truncated: %.300s", full)
	}
	a := read(t, e, 0, len(full)-1, t0.Add(ms(10)))
	if !a.Truncated || a.Returned == 4 || a.Remaining != 4-a.Returned {
		t.Fatalf("one byte short: %+v", a)
	}
	b, _ := e.Read(0, len(full)-1, t0.Add(ms(10)))
	if !strings.Contains(string(b), `"truncated_by":"response_budget"`) {
		t.Fatalf("truncated_by missing: %s", b)
	}
	// The cut names the call that reads on, from the last sample returned.
	next := fmt.Sprintf(`"next":{"tool":"sample_read","arguments":{"sampler_id":%q,"node":%q,"since":%d}}`, e.ID, e.owner, a.LastSequence)
	if !strings.Contains(string(b), next) || strings.Contains(string(full), `"next"`) || len(b) > len(full)-1 {
		t.Fatalf("next call missing or misplaced (want %s): %s", next, b)
	}
}

// TestRecordJSONFraming: only text framed as an object or an array skips
// the JSON check; half a frame is text.
func TestRecordJSONFraming(t *testing.T) {
	r := newTestRegistry(Limits{})
	s := activeSpec(0, 0)
	s.Buffer = 64
	e := reserve(t, r, s, t0)
	cases := map[string]string{
		"{}": `{}`, "[]": `[]`, `{"a":1}`: `{"a":1}`,
		"x}": `"x}"`, "{x": `"{x"`, "[1}": `"[1}"`, "{1]": `"{1]"`, "a]": `"a]"`, "[a": `"[a"`,
		"{": `"{"`, "}": `"}"`, "": `""`, " {}": `{}`,
	}
	var order []string
	for data := range cases {
		order = append(order, data)
		e.RecordJSON(t0.Add(ms(1)), t0, data)
	}
	a := read(t, e, 0, 1<<20, t0.Add(ms(2)))
	if len(a.Samples) != len(order) {
		t.Fatalf("%d samples, want %d", len(a.Samples), len(order))
	}
	for i, x := range a.Samples {
		if string(x.Data) != cases[order[i]] {
			t.Errorf("RecordJSON(%q) stored %s, want %s", order[i], x.Data, cases[order[i]])
		}
	}
}

// TestSummarySeconds: durations are seconds with millisecond precision,
// written in full.
func TestSummarySeconds(t *testing.T) {
	r := newTestRegistry(Limits{})
	s := activeSpec(0, 0)
	s.Duration, s.Linger = 90*time.Second+250*time.Millisecond, 7*time.Second
	e := reserve(t, r, s, t0)
	b := string(e.Summary(t0.Add(1234567 * time.Microsecond))) // 1.2345674 s in
	for _, want := range []string{`"uptime_sec":1.235`, `"remaining_sec":89.015`, `"duration_sec":90.25`, `"linger_sec":7`} {
		if !strings.Contains(b, want) {
			t.Errorf("summary lacks %s: %s", want, b)
		}
	}
}

// TestSummaryOneAllocationEnded: an ended sampler's summary, with its
// reason at the longest kept, is sized up front too.
func TestSummaryOneAllocationEnded(t *testing.T) {
	r := newTestRegistry(Limits{})
	s := activeSpec(0, 0)
	s.Description = strings.Repeat("d", 2000)
	e := reserve(t, r, s, t0)
	e.Fail(t0.Add(ms(1)), strings.Repeat("e", 2000))
	e.Finish(t0.Add(ms(2)), "failed: "+strings.Repeat("r", 1000))
	now := t0.Add(ms(3)) // lingering: no note
	if n := testing.AllocsPerRun(10, func() { e.Summary(now) }); n != 1 {
		t.Fatalf("Summary allocated %v times, want 1", n)
	}
}

// TestClipEdges: a text whose encoding takes exactly the limit is kept
// whole; one byte less cuts it, with the ellipsis, within the limit.
func TestClipEdges(t *testing.T) {
	for _, s := range []string{strings.Repeat("x", 50), strings.Repeat(`"`, 25), strings.Repeat("é", 25)} {
		n := len(record.AppendString(nil, s))
		if got := clip(s, n); got != s {
			t.Errorf("clip(%.10q, %d) = %q, want it whole", s, n, got)
		}
		got := clip(s, n-1)
		if !strings.HasSuffix(got, "…") || len(record.AppendString(nil, got)) > n-1 || !strings.HasPrefix(s, strings.TrimSuffix(got, "…")) {
			t.Errorf("clip(%.10q, %d) = %q", s, n-1, got)
		}
	}
}
