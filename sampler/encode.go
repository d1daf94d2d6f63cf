package sampler

import (
	"encoding/json"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/ergomcp/ergomcp/internal/record"
)

// object writes one JSON object field by field: the sampler answers have
// fixed snake_case keys and need exact sizes, which a reflective encoder
// would not give without a second pass.
type object struct {
	b []byte
	n int
}

// key writes k, which is always one of this package's snake_case literals
// (no character to escape), so it is copied as is: sample_list writes
// twenty keys for each sampler on every call.
func (o *object) key(k string) {
	if o.n == 0 {
		o.b = append(o.b, '{')
	} else {
		o.b = append(o.b, ',')
	}
	o.n++
	o.b = append(o.b, '"')
	o.b = append(o.b, k...)
	o.b = append(o.b, '"', ':')
}

func (o *object) str(k, v string) {
	o.key(k)
	o.b = record.AppendString(o.b, v)
}

// optStr writes the field only when v is not empty.
func (o *object) optStr(k, v string) {
	if v != "" {
		o.str(k, v)
	}
}

func (o *object) int(k string, v int64) {
	o.key(k)
	o.b = strconv.AppendInt(o.b, v, 10)
}

func (o *object) uint(k string, v uint64) {
	o.key(k)
	o.b = strconv.AppendUint(o.b, v, 10)
}

func (o *object) bool(k string, v bool) {
	o.key(k)
	o.b = strconv.AppendBool(o.b, v)
}

func (o *object) time(k string, t time.Time) {
	o.key(k)
	o.b = append(o.b, '"')
	o.b = t.UTC().AppendFormat(o.b, time.RFC3339Nano)
	o.b = append(o.b, '"')
}

// raw writes v, which must be valid JSON, as the field's value.
func (o *object) raw(k string, v []byte) {
	o.key(k)
	o.b = append(o.b, v...)
}

// failures writes a failure count and, when there is one, the last
// failure's text and time.
func (o *object) failures(n uint64, last string, at time.Time) {
	o.uint("errors", n)
	if last != "" {
		o.str("last_error", last)
		o.time("last_error_time", at)
	}
}

func (o *object) done() []byte {
	if o.n == 0 {
		return append(o.b, "{}"...)
	}
	return append(o.b, '}')
}

// EncodeSample renders one sample as sample_read returns it:
// {"sequence":S,"time":T,"data":D}. D is data itself when data is valid
// JSON (a tool's result, a record built by a listener) and the whole sample
// fits max bytes. Otherwise D is data as a JSON string: complete for text
// that fits, else its longest prefix that does, with "truncated":true and
// "size" (data's full length in bytes) before it.
func EncodeSample(seq uint64, at time.Time, data []byte, max int) []byte {
	return encodeSample(seq, at, data, max, json.Valid(data))
}

// encodeSample is EncodeSample with data's validity as JSON already known:
// a caller that produced data with ergomcp's own encoders need not scan it
// again (see Entry.RecordJSON).
func encodeSample[D string | []byte](seq uint64, at time.Time, data D, max int, valid bool) []byte {
	o := object{b: make([]byte, 0, min(len(data)+96, max))}
	o.uint("sequence", seq)
	o.time("time", at)
	const dataKey, closing = `,"data":`, 1
	if valid && len(o.b)+len(dataKey)+len(data)+closing <= max {
		o.key("data")
		o.b = append(o.b, data...)
		return o.done()
	}
	if room := max - len(o.b) - len(dataKey) - closing; len(data)+2 <= room { // a string is never shorter than its bytes + quotes
		if quoted := record.AppendString(nil, string(data)); len(quoted) <= room {
			o.raw("data", quoted)
			return o.done()
		}
	}
	o.bool("truncated", true)
	o.int("size", int64(len(data)))
	room := max - len(o.b) - len(dataKey) - closing
	o.raw("data", prefixString(data, room))
	return o.done()
}

// prefixString returns the JSON string of the longest prefix of data, cut
// at a character boundary, whose encoding fits room bytes (at least "").
func prefixString[D string | []byte](data D, room int) []byte {
	cut := min(len(data), max(room-2, 0))
	for pass := 0; ; pass++ {
		for cut > 0 && cut < len(data) && !utf8.RuneStart(data[cut]) {
			cut-- // never split a character
		}
		enc := record.AppendString(nil, string(data[:cut]))
		over := len(enc) - room
		if over <= 0 || cut == 0 {
			return extend(enc, data, cut, room)
		}
		if pass == 0 {
			// Escapes made it longer than the bytes it holds: shrink the
			// part between the quotes in proportion (an escape takes up to
			// six bytes for one).
			cut = cut * max(room-2, 0) / (len(enc) - 2)
		} else {
			// Still over (the escapes are unevenly spread): each byte of
			// data takes at least one encoded byte, so dropping as many as
			// it is over always fits, in one more pass at most.
			cut = max(cut-over, 0)
		}
	}
}

// extend adds to enc, the JSON string of data[:cut], the characters after
// cut that still fit room: the shrinking of prefixString stops short when
// the escapes are unevenly spread. Escaping is per character and a character
// never spans a rune-start byte, so each one costs its own string less the
// quotes.
func extend[D string | []byte](enc []byte, data D, cut, room int) []byte {
	var one []byte
	for cut < len(data) {
		n := 1
		for cut+n < len(data) && !utf8.RuneStart(data[cut+n]) {
			n++
		}
		one = record.AppendString(one[:0], string(data[cut:cut+n]))
		if len(enc)+len(one)-2 > room {
			break
		}
		enc = append(enc[:len(enc)-1], one[1:]...)
		cut += n
	}
	return enc
}

// clip keeps s within n encoded bytes for the short texts of an answer
// (last error, description), marking the cut with an ellipsis.
func clip(s string, n int) string {
	if len(record.AppendString(nil, s)) <= n {
		return s
	}
	enc := prefixString(s, n-len("…"))
	var out string
	if err := json.Unmarshal(enc, &out); err != nil {
		return ""
	}
	return out + "…"
}

// sec writes a duration in seconds with millisecond precision.
func (o *object) sec(k string, d time.Duration) {
	o.key(k)
	// Whole milliseconds over 1000, not Seconds(), which adds the fraction
	// to the whole seconds and writes 1.235 s as 1.2349999999999999.
	o.b = strconv.AppendFloat(o.b, float64(d.Round(time.Millisecond).Milliseconds())/1000, 'f', -1, 64)
}
