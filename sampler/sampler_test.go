package sampler

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ergomcp/ergomcp/internal/record"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

func TestParams(t *testing.T) {
	s, err := Params{}.Settings(true)
	if err != nil {
		t.Fatal(err)
	}
	want := Settings{Interval: DefaultInterval, Duration: DefaultDuration, Buffer: DefaultBuffer, Linger: DefaultLinger}
	if s != want {
		t.Fatalf("defaults %+v, want %+v", s, want)
	}
	s, err = Params{IntervalMs: 100, Count: 5, DurationSec: 3600, MaxErrors: 3, BufferSize: 4096, LingerSec: 600}.Settings(true)
	if err != nil || s.Interval != ms(100) || s.Count != 5 || s.Duration != time.Hour || s.MaxErrors != 3 || s.Buffer != 4096 || s.Linger != 10*time.Minute {
		t.Fatalf("ceilings themselves refused or changed: %+v %v", s, err)
	}
	for _, c := range []struct {
		p    Params
		want string
	}{
		{Params{IntervalMs: 99}, "interval_ms must be 100..3600000"},
		{Params{IntervalMs: -1}, "interval_ms"},
		{Params{DurationSec: 3601}, "duration_sec must be 1..3600 (0 or omitted means 60), got 3601"},
		{Params{DurationSec: -5}, "duration_sec"},
		{Params{BufferSize: 4097}, "buffer_size must be 1..4096"},
		{Params{BufferSize: -1}, "buffer_size"},
		{Params{LingerSec: 601}, "linger_sec must be 1..600"},
		{Params{Count: -1}, "count must be 0..1000000"},
		{Params{Count: MaxCount + 1}, "count"},
		{Params{MaxErrors: -1}, "max_errors must be 0..1000000"},
	} {
		if _, err := c.p.Settings(true); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want %q", c.p, err, c.want)
		}
	}
	// Passive samplers ignore the active-only fields' ranges but not the rest.
	if _, err := (Params{BufferSize: 9999}).Settings(false); err == nil {
		t.Error("passive buffer_size over the ceiling accepted")
	}
	if !(Settings{Count: 10, Interval: ms(100), Duration: time.Second}).Reachable() ||
		(Settings{Count: 11, Interval: ms(100), Duration: time.Second}).Reachable() {
		t.Error("Reachable")
	}
}

func TestLimits(t *testing.T) {
	l := Limits{}.normalize()
	if l.MaxSamplers != 32 || l.SamplerBytes != 2<<20 || l.TotalBytes != 64<<20 {
		t.Fatalf("defaults %+v", l)
	}
	if got := (Limits{SamplerBytes: 64 << 10, ReadBudget: 256 << 10}).EntryBytes(); got != 8<<10 {
		t.Errorf("entry bytes bound by the sampler budget: %d", got)
	}
	if got := (Limits{SamplerBytes: 64 << 20, ReadBudget: 32 << 10}).EntryBytes(); got != 32<<10-readHeader {
		t.Errorf("entry bytes bound by the read budget: %d", got)
	}
	l = Limits{SamplerBytes: 64 << 10, ReadBudget: 256 << 10}.normalize()
	per := l.EntryBytes() + entryOverhead
	if got := (Settings{Buffer: 2}).reservation(l); got != 2*per {
		t.Errorf("small buffer reserves %d, want %d", got, 2*per)
	}
	if got := (Settings{Buffer: 4096}).reservation(l); got != l.SamplerBytes {
		t.Errorf("large buffer reserves %d, want the sampler budget", got)
	}
}

// TestTicker covers the schedule: a fixed grid, missed ticks skipped and
// never queued, nothing at or after the end.
func TestTicker(t *testing.T) {
	tk := NewTicker(ms(100), t0.Add(ms(1000)))
	at, ok := tk.Next(t0)
	if !ok || !at.Equal(t0) {
		t.Fatalf("first call at %v %v, want the start", at, ok)
	}
	// A fast call: the next grid point.
	if at, _ = tk.Next(t0.Add(ms(5))); !at.Equal(t0.Add(ms(100))) {
		t.Fatalf("after a fast call: %v", at.Sub(t0))
	}
	// A call ending exactly on a grid point: that point, at once.
	if at, _ = tk.Next(t0.Add(ms(200))); !at.Equal(t0.Add(ms(200))) {
		t.Fatalf("on a grid point: %v", at.Sub(t0))
	}
	// A slow call (350 ms from 200): 300 and 500 are skipped, not queued.
	if at, _ = tk.Next(t0.Add(ms(550))); !at.Equal(t0.Add(ms(600))) || tk.Skipped() != 3 {
		t.Fatalf("after a slow call: %v, skipped %d", at.Sub(t0), tk.Skipped())
	}
	// A clock that did not move never hands out the same point twice.
	if at, _ = tk.Next(t0.Add(ms(600))); !at.Equal(t0.Add(ms(700))) {
		t.Fatalf("same instant: %v", at.Sub(t0))
	}
	if _, ok = tk.Next(t0.Add(ms(950))); ok {
		t.Fatal("a call at the end (1000 ms) was scheduled")
	}
	// Exactly duration/interval calls fit a sampler that is never late.
	tk = NewTicker(ms(100), t0.Add(ms(1000)))
	n := 0
	for now := t0; ; n++ {
		at, ok := tk.Next(now)
		if !ok {
			break
		}
		now = at.Add(ms(1))
	}
	if n != 10 || tk.Skipped() != 0 {
		t.Fatalf("%d calls, %d skipped; want 10 and 0", n, tk.Skipped())
	}
}

func newTestRegistry(l Limits) *Registry { return NewRegistry("n1@localhost", l) }

func activeSpec(count, maxErrors int) Spec {
	return Spec{Kind: Active, Description: "process_list", Settings: Settings{
		Interval: ms(100), Count: count, MaxErrors: maxErrors, Duration: 10 * time.Second, Buffer: 16, Linger: 30 * time.Second}}
}

func reserve(t *testing.T, r *Registry, s Spec, now time.Time) *Entry {
	t.Helper()
	e, err := r.Reserve(s, now)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

type readAnswer struct {
	SamplerID    string `json:"sampler_id"`
	Node         string
	Status       Status
	Reason       string
	LastSequence uint64 `json:"last_sequence"`
	Dropped      uint64
	Returned     int
	Remaining    int
	Truncated    bool
	SamplesTotal uint64 `json:"samples_total"`
	Errors       uint64
	LastError    string `json:"last_error"`
	Note         string
	Samples      []struct {
		Sequence  uint64
		Time      time.Time
		Data      json.RawMessage
		Truncated bool
		Size      int
	}
}

func read(t *testing.T, e *Entry, since uint64, budget int, now time.Time) readAnswer {
	t.Helper()
	b, err := e.Read(since, budget, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) > budget {
		t.Fatalf("answer of %d bytes over the budget of %d", len(b), budget)
	}
	var a readAnswer
	if err := json.Unmarshal(b, &a); err != nil {
		t.Fatalf("answer is not JSON: %v\n%s", err, b)
	}
	return a
}

// TestCountRule: count=N takes exactly N successful samples; failures do
// not count; then the sampler lingers and later completes.
func TestCountRule(t *testing.T) {
	r := newTestRegistry(Limits{})
	e := reserve(t, r, activeSpec(3, 0), t0)
	now := t0
	step := func() time.Time { now = now.Add(ms(100)); return now }
	if !e.Record(step(), now, []byte(`{"n":1}`)) || !e.Fail(step(), "boom") || !e.Record(step(), now, []byte(`{"n":2}`)) {
		t.Fatal("ended early")
	}
	if e.Record(step(), now, []byte(`{"n":3}`)) {
		t.Fatal("still running after the count-th sample")
	}
	if e.Record(step(), now, []byte(`{"n":4}`)) || e.Fail(step(), "late") {
		t.Fatal("accepted a sample after the end")
	}
	a := read(t, e, 0, 1<<20, now)
	if a.Status != Lingering || a.Reason != EndCount || len(a.Samples) != 3 || a.SamplesTotal != 3 || a.Errors != 1 || a.LastError != "boom" {
		t.Fatalf("after count: %+v", a)
	}
	if string(a.Samples[2].Data) != `{"n":3}` || a.Samples[2].Sequence != 3 {
		t.Fatalf("third sample %+v", a.Samples[2])
	}
	// Linger: readable for 30 s after the end, then completed and freed.
	end := t0.Add(ms(400))
	if st := e.Status(end.Add(30*time.Second - 1)); st != Lingering {
		t.Fatalf("status just before the linger ends: %s", st)
	}
	later := end.Add(30 * time.Second)
	a = read(t, e, 1, 1<<20, later)
	if a.Status != Completed || len(a.Samples) != 0 || a.LastSequence != 3 || a.Dropped != 2 || a.Note == "" {
		t.Fatalf("after linger: %+v", a)
	}
	if _, u := r.List(later); u.Live != 0 || u.Reserved != 0 {
		t.Fatalf("usage after linger: %+v", u)
	}
}

// TestDurationRule: a sampler ends at its duration even when nobody tells
// it (its actor busy), and a call cut by the end is not stored.
func TestDurationRule(t *testing.T) {
	r := newTestRegistry(Limits{})
	e := reserve(t, r, activeSpec(0, 0), t0)
	if e.Status(t0.Add(10*time.Second-1)) != Running {
		t.Fatal("not running before the end")
	}
	if e.Record(t0.Add(10*time.Second), t0.Add(9*time.Second), []byte(`1`)) {
		t.Fatal("a result that arrived at the end was stored")
	}
	a := read(t, e, 0, 1<<20, t0.Add(11*time.Second))
	if a.Status != Lingering || a.Reason != EndDuration || len(a.Samples) != 0 {
		t.Fatalf("after duration: %+v", a)
	}
	if st := e.Status(t0.Add(40 * time.Second)); st != Completed {
		t.Fatalf("after duration + linger: %s", st)
	}
	ctx, cancel := e.CallContext(t0.Add(9*time.Second), time.Minute)
	defer cancel()
	if d, _ := ctx.Deadline(); !d.Equal(e.End) {
		t.Fatalf("call deadline %v, want the sampler's end %v", d, e.End)
	}
}

// TestMaxErrorsRule: the max_errors-th failure ends the sampler; 0 never.
func TestMaxErrorsRule(t *testing.T) {
	r := newTestRegistry(Limits{})
	e := reserve(t, r, activeSpec(0, 2), t0)
	if !e.Fail(t0.Add(ms(1)), "first") || e.Fail(t0.Add(ms(2)), "second") {
		t.Fatal("max_errors=2 did not end at the second failure")
	}
	a := read(t, e, 0, 1<<20, t0.Add(ms(3)))
	if a.Status != Lingering || a.Reason != EndMaxErrors || a.Errors != 2 || a.LastError != "second" {
		t.Fatalf("after max_errors: %+v", a)
	}
	if e.Context().Err() == nil {
		t.Fatal("the sampler's context is not cancelled at its end")
	}
	e = reserve(t, r, activeSpec(1, 0), t0)
	for i := range 1000 {
		if !e.Fail(t0.Add(ms(i)), "asleep") {
			t.Fatal("max_errors=0 ended the sampler")
		}
	}
	if e.Record(t0.Add(ms(1001)), t0.Add(ms(1001)), []byte(`{"caught":true}`)) {
		t.Fatal("count=1 still running after its sample")
	}
	a = read(t, e, 0, 1<<20, t0.Add(ms(1002)))
	if a.Reason != EndCount || a.Errors != 1000 || a.LastError != "asleep" || len(a.Samples) != 1 {
		t.Fatalf("wake-up catch: %+v", a)
	}
}

// TestStopAndDiscard: sample_stop lingers and then reads stopped; discard
// frees at once, also a lingering sampler's data.
func TestStopAndDiscard(t *testing.T) {
	r := newTestRegistry(Limits{})
	e := reserve(t, r, activeSpec(0, 0), t0)
	e.Record(t0.Add(ms(1)), t0, []byte(`{"a":1}`))
	if _, err := r.Stop(e.ID, false, t0.Add(ms(2))); err != nil {
		t.Fatal(err)
	}
	a := read(t, e, 0, 1<<20, t0.Add(ms(3)))
	if a.Status != Lingering || a.Reason != EndStopped || len(a.Samples) != 1 {
		t.Fatalf("after stop: %+v", a)
	}
	if st := e.Status(t0.Add(time.Minute)); st != Stopped {
		t.Fatalf("after stop + linger: %s", st)
	}

	e = reserve(t, r, activeSpec(1, 0), t0)
	e.Record(t0.Add(ms(1)), t0, []byte(`{"a":1}`)) // completes by count, lingers
	before := r.reserved
	if _, err := r.Stop(e.ID, true, t0.Add(ms(2))); err != nil {
		t.Fatal(err)
	}
	a = read(t, e, 0, 1<<20, t0.Add(ms(2)))
	if a.Status != Completed || len(a.Samples) != 0 || a.Dropped != 1 || !strings.Contains(a.Note, "discarded") {
		t.Fatalf("after discard of a lingering sampler: %+v", a)
	}
	if r.reserved != before-e.reserve {
		t.Fatalf("discard did not release the reservation: %d -> %d", before, r.reserved)
	}
	if _, err := r.Stop("s99-"+r.hash, false, t0); err == nil || !strings.Contains(err.Error(), "unknown sampler") {
		t.Fatalf("stop of an unknown sampler: %v", err)
	}
}

// TestReadCursor: polling with last_sequence sees every sample once, also
// when the response budget cuts a batch, and dropped tells what a slow
// reader lost.
func TestReadCursor(t *testing.T) {
	r := newTestRegistry(Limits{})
	s := activeSpec(0, 0)
	s.Buffer = 5
	e := reserve(t, r, s, t0)
	var since uint64
	seen := map[uint64]int{}
	var dropped uint64
	poll := func(budget int) readAnswer {
		a := read(t, e, since, budget, t0.Add(time.Second))
		for _, x := range a.Samples {
			seen[x.Sequence]++
		}
		dropped += a.Dropped
		since = a.LastSequence
		return a
	}
	for i := 1; i <= 23; i++ {
		e.Record(t0.Add(ms(i)), t0.Add(ms(i)), fmt.Appendf(nil, `{"i":%d,"pad":%q}`, i, strings.Repeat("x", 100)))
		if i%4 == 0 && i != 8 { // 5..10 pile up for the small read
			poll(1 << 20)
		}
		if i == 10 {
			// A budget a bit short of the whole answer: the rest stays for later.
			full, err := e.Read(since, 1<<20, t0.Add(time.Second))
			if err != nil {
				t.Fatal(err)
			}
			if a := poll(len(full) - 250); !a.Truncated || a.Remaining == 0 || a.Returned == 0 {
				t.Fatalf("small budget not truncated: %+v", a)
			}
		}
	}
	for a := poll(1 << 20); a.Remaining > 0; a = poll(1 << 20) {
	}
	for seq, n := range seen {
		if n != 1 {
			t.Fatalf("sequence %d seen %d times", seq, n)
		}
	}
	if uint64(len(seen))+dropped != 23 || dropped == 0 {
		t.Fatalf("saw %d, dropped %d, of 23", len(seen), dropped)
	}
	if _, err := e.Read(24, 1<<20, t0.Add(time.Second)); err == nil || !strings.Contains(err.Error(), "past the newest sequence 23") {
		t.Fatalf("cursor from the future: %v", err)
	}
}

// TestOversizedSample: a sample larger than the sampler's share is stored
// truncated and marked, with its full size, and still fits a read.
func TestOversizedSample(t *testing.T) {
	l := Limits{SamplerBytes: 64 << 10, ReadBudget: 16 << 10}
	r := newTestRegistry(l)
	e := reserve(t, r, activeSpec(0, 0), t0)
	big := fmt.Appendf(nil, `{"text":%q}`, strings.Repeat("é\n", 20000))
	e.Record(t0.Add(ms(1)), t0, big)
	a := read(t, e, 0, 16<<10, t0.Add(ms(2)))
	if len(a.Samples) != 1 {
		t.Fatalf("oversized sample not readable within the budget: %+v", a)
	}
	x := a.Samples[0]
	var prefix string
	if !x.Truncated || x.Size != len(big) || json.Unmarshal(x.Data, &prefix) != nil || !strings.HasPrefix(string(big), prefix) || len(prefix) < 1000 {
		t.Fatalf("truncated sample: truncated %v size %d data %.80s", x.Truncated, x.Size, x.Data)
	}
	// Text that is not JSON and fits is kept whole as a string.
	e.Record(t0.Add(ms(3)), t0, []byte("plain text"))
	a = read(t, e, 1, 16<<10, t0.Add(ms(4)))
	if string(a.Samples[0].Data) != `"plain text"` || a.Samples[0].Truncated {
		t.Fatalf("text sample: %+v", a.Samples[0])
	}
}

// TestReadProgress: with every text of the envelope at its longest, a
// sample of the largest size still fits an answer, so a reader never gets
// stuck on "truncated, nothing returned".
func TestReadProgress(t *testing.T) {
	l := Limits{SamplerBytes: 1 << 20, ReadBudget: 16 << 10}
	r := NewRegistry(strings.Repeat("\"", 255), l)
	e := reserve(t, r, activeSpec(0, 0), t0)
	e.Fail(t0, strings.Repeat("\x01", 10000))
	for i := range 5 {
		e.Record(t0.Add(ms(i)), t0, []byte(strings.Repeat("\x02", 50000)))
	}
	var since uint64
	for range 5 {
		a := read(t, e, since, l.ReadBudget, t0.Add(time.Second))
		if len(a.Samples) != 1 || !a.Samples[0].Truncated {
			t.Fatalf("read since %d: %d samples, remaining %d", since, len(a.Samples), a.Remaining)
		}
		since = a.LastSequence
	}
}

func TestEncodeSampleBounds(t *testing.T) {
	for _, data := range []string{`{"a":1}`, strings.Repeat("\x01", 5000), strings.Repeat("ü", 3000), "\xff\xfe" + strings.Repeat("a", 3000)} {
		for _, max := range []int{200, 1024, 4096} {
			b := EncodeSample(7, t0, []byte(data), max)
			if len(b) > max || !json.Valid(b) {
				t.Fatalf("max %d: %d bytes, valid %v: %.100s", max, len(b), json.Valid(b), b)
			}
		}
	}
	if got := clip(strings.Repeat("\"", 1000), 100); len(record.AppendString(nil, got)) > 100 || !strings.HasSuffix(got, "…") {
		t.Fatalf("clip: %q", got)
	}
}

// TestCeilings: samplers per node and bytes in total are refused before
// anything is allocated, with the option to change in the message.
func TestCeilings(t *testing.T) {
	r := newTestRegistry(Limits{MaxSamplers: 2, SamplerBytes: 64 << 10, TotalBytes: 100 << 10})
	s := activeSpec(0, 0)
	s.Buffer = 4096
	a := reserve(t, r, s, t0) // reserves the full 64 KiB
	if _, err := r.Reserve(s, t0); err == nil || !strings.Contains(err.Error(), "Options.SamplerMemory") {
		t.Fatalf("over the total: %v", err)
	}
	s.Buffer = 2 // a small buffer reserves only what it can hold
	reserve(t, r, s, t0)
	if _, err := r.Reserve(s, t0); err == nil || !strings.Contains(err.Error(), "Options.MaxSamplers") {
		t.Fatalf("over the count: %v", err)
	}
	// Lingering samplers still count; discarding frees the place.
	r.Stop(a.ID, false, t0)
	if _, err := r.Reserve(s, t0); err == nil {
		t.Fatal("a lingering sampler's place was given away")
	}
	r.Stop(a.ID, true, t0)
	reserve(t, r, s, t0)
	if _, err := NewRegistry("x", Limits{ReadBudget: 1024}).Reserve(s, t0); err == nil || !strings.Contains(err.Error(), "ResponseBudget") {
		t.Fatalf("tiny response budget: %v", err)
	}
}

func TestIDs(t *testing.T) {
	r := newTestRegistry(Limits{})
	e := reserve(t, r, activeSpec(0, 0), t0)
	n, hash, ok := ParseID(e.ID)
	if !ok || n != 1 || hash != r.hash {
		t.Fatalf("ParseID(%s) = %d %s %v", e.ID, n, hash, ok)
	}
	if _, foreign := r.Foreign(e.ID); foreign {
		t.Fatal("own ID foreign")
	}
	if h, foreign := r.Foreign("s3-0000ABCD"); !foreign || h != "0000ABCD" {
		t.Fatal("other node's ID not foreign")
	}
	for _, bad := range []string{"", "s-12345678", "x1-12345678", "s1-123", "s0-12345678"} {
		if _, _, ok := ParseID(bad); ok {
			t.Errorf("ParseID(%q) accepted", bad)
		}
		if _, err := r.Get(bad, t0); err == nil {
			t.Errorf("Get(%q) found something", bad)
		}
	}
}

// TestListAndAbandon: the list shows live and ended samplers in start
// order; Abandon ends running ones as stopped after their linger.
func TestListAndAbandon(t *testing.T) {
	r := newTestRegistry(Limits{})
	a := reserve(t, r, activeSpec(0, 0), t0)
	b := reserve(t, r, Spec{Kind: Passive, Description: "logs", Settings: Settings{Duration: time.Minute, Buffer: 8, Linger: time.Second}}, t0)
	b.SetActor("<1.0.1>", nil)
	r.Abandon(t0.Add(time.Second), "failed: restarted")
	items, u := r.List(t0.Add(3 * time.Second)) // b's linger is over, a's is not
	if len(items) != 2 || u.Live != 1 {
		t.Fatalf("list: %d items, usage %+v", len(items), u)
	}
	var first, second map[string]any
	json.Unmarshal(items[0], &first)
	json.Unmarshal(items[1], &second)
	if first["sampler_id"] != a.ID || first["status"] != "lingering" || first["reason"] != "failed: restarted" || first["interval_ms"] == nil {
		t.Fatalf("first: %v", first)
	}
	if second["status"] != "stopped" || second["pid"] != "<1.0.1>" || second["kind"] != "passive" || second["note"] == nil {
		t.Fatalf("second: %v", second)
	}
	// Ended samplers are forgotten after a while.
	if items, _ = r.List(t0.Add(time.Hour)); len(items) != 0 {
		t.Fatalf("ended samplers kept for an hour: %d", len(items))
	}
}

// FuzzEncodeSample: whatever the data, a sample is valid JSON within its
// bound, and an untruncated one carries the data unchanged.
func FuzzEncodeSample(f *testing.F) {
	f.Add([]byte(`{"a":[1,2]}`), uint16(300))
	f.Add([]byte("\x00\xff\"\\\u2028"), uint16(100))
	f.Fuzz(func(t *testing.T, data []byte, bound uint16) {
		max := 200 + int(bound)%8000
		b := EncodeSample(3, t0, data, max)
		var s struct {
			Sequence  uint64
			Truncated bool
			Size      int
			Data      json.RawMessage
		}
		if len(b) > max || json.Unmarshal(b, &s) != nil || s.Sequence != 3 {
			t.Fatalf("max %d: %d bytes: %s", max, len(b), b)
		}
		if !s.Truncated && json.Valid(data) {
			var want, got bytes.Buffer
			json.Compact(&want, data)
			json.Compact(&got, s.Data)
			if want.String() != got.String() {
				t.Fatalf("valid JSON data changed: %q -> %s", data, s.Data)
			}
		}
		if s.Truncated && s.Size != len(data) {
			t.Fatalf("size %d, data %d bytes", s.Size, len(data))
		}
	})
}

// TestRecordJSON: a local tool's object or array is stored as is, without
// the scan Record makes; anything else still goes through the checks.
func TestRecordJSON(t *testing.T) {
	reg := NewRegistry("n@h", Limits{})
	e, err := reg.Reserve(Spec{Kind: Active, Settings: Settings{Interval: time.Second, Duration: time.Hour, Buffer: 8, Linger: time.Minute}}, t0)
	if err != nil {
		t.Fatal(err)
	}
	for _, data := range []string{`{"a":[1,2]}`, `[]`, `plain text`, `{"unterminated"`, `7`} {
		e.RecordJSON(t0.Add(ms(1)), t0, data)
	}
	b, err := e.Read(0, 1<<20, t0.Add(ms(2)))
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Samples []struct{ Data json.RawMessage }
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	want := []string{`{"a":[1,2]}`, `[]`, `"plain text"`, `"{\"unterminated\""`, `7`}
	for i, s := range got.Samples {
		if string(s.Data) != want[i] {
			t.Errorf("sample %d: %s, want %s", i, s.Data, want[i])
		}
	}
}
