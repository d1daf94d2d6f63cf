package sampler

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/ergomcp/ergomcp/internal/record"
)

// wantSample is what EncodeSample's documentation promises, built the
// plain way: data itself when it is JSON and fits, else data as a string
// when that fits, else the longest prefix (at a character boundary) whose
// string fits, marked truncated with the full size.
func wantSample(seq uint64, at time.Time, data string, max int) string {
	head := fmt.Sprintf(`{"sequence":%d,"time":"%s"`, seq, at.UTC().Format(time.RFC3339Nano))
	if raw := head + `,"data":` + data + `}`; json.Valid([]byte(data)) && len(raw) <= max {
		return raw
	}
	if s := head + `,"data":` + string(record.AppendString(nil, data)) + `}`; len(s) <= max {
		return s
	}
	head += fmt.Sprintf(`,"truncated":true,"size":%d,"data":`, len(data))
	for cut := len(data); cut >= 0; cut-- {
		if cut > 0 && cut < len(data) && !utf8.RuneStart(data[cut]) {
			continue
		}
		if s := head + string(record.AppendString(nil, data[:cut])) + `}`; len(s) <= max || cut == 0 {
			return s
		}
	}
	panic("unreachable")
}

// TestEncodeSampleAtEveryMax sweeps the byte limit one byte at a time
// across each switch (JSON kept as is, text as a string, a truncated
// prefix), for text whose escapes take one, two or six bytes per byte and
// characters of several bytes, at a sequence and time with more digits
// than a first sample's.
func TestEncodeSampleAtEveryMax(t *testing.T) {
	at := time.Date(2026, 11, 30, 23, 59, 58, 123456789, time.FixedZone("x", 3600))
	for _, data := range []string{
		`{"a":[1,2,3],"b":"x"}`,
		"plain text, not JSON",
		strings.Repeat("ü", 40),
		strings.Repeat(`"`, 40),
		strings.Repeat("\x01", 40),
		strings.Repeat("a\x01ü\"€", 10),
		strings.Repeat("日本", 15) + strings.Repeat("\x02", 10),
		"\x80\x80" + strings.Repeat("é", 30), // starts inside a character
		"",
		"7",
	} {
		enc := wantSample(123456, at, data, 1<<20)
		// Below the truncated answer with an empty string nothing fits, and
		// that answer is what comes back; a short sample kept whole can be
		// smaller still, so the sweep starts below both.
		least := len(wantSample(123456, at, data, 0))
		for max := min(len(enc), least) - 3; max <= len(enc)+3; max++ {
			got := string(EncodeSample(123456, at, []byte(data), max))
			if want := wantSample(123456, at, data, max); got != want {
				t.Fatalf("data %.20q, max %d:\n got %s\nwant %s", data, max, got, want)
			}
			if len(got) > max && max >= least || !json.Valid([]byte(got)) {
				t.Fatalf("data %.20q, max %d: %d bytes, valid %v", data, max, len(got), json.Valid([]byte(got)))
			}
		}
	}
}

// TestTruncationCost: cutting a long text of characters of one width lands
// on the longest prefix in one proportional step, so it costs a handful of
// allocations, not a walk from the start character by character.
func TestTruncationCost(t *testing.T) {
	data := []byte(strings.Repeat("é", 30000))
	if n := testing.AllocsPerRun(5, func() { EncodeSample(9, t0, data, 16<<10) }); n > 12 {
		t.Fatalf("truncating 60 KB to 16 KiB allocated %v times, want at most 12", n)
	}
}
