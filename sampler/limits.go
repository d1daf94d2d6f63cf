package sampler

import (
	"fmt"
	"time"
)

// Node-wide ceilings and their defaults (Options.MaxSamplers,
// Options.SamplerBytes, Options.SamplerMemory).
const (
	DefaultMaxSamplers = 32
	MaxMaxSamplers     = 1024

	DefaultSamplerBytes = 2 << 20
	MinSamplerBytes     = 64 << 10
	MaxSamplerBytes     = 256 << 20

	DefaultTotalBytes = 64 << 20
	MaxTotalBytes     = 1 << 30
)

// Per-request defaults and ceilings of the sampler tools.
const (
	DefaultInterval = time.Second
	MinInterval     = 100 * time.Millisecond
	DefaultDuration = 60 * time.Second
	MaxDuration     = 3600 * time.Second
	DefaultBuffer   = 256
	MaxBuffer       = 4096
	DefaultLinger   = 30 * time.Second
	MaxLinger       = 600 * time.Second
	// MaxCount and MaxErrorsLimit only keep the numbers sane: a sampler
	// cannot take more than MaxDuration/MinInterval samples anyway.
	MaxCount       = 1_000_000
	MaxErrorsLimit = 1_000_000
)

// readHeader bounds the bytes of a sample_read answer around its samples:
// the envelope's fields with the longest texts cut (last_error to
// maxErrorText encoded bytes, reason to 160) and a node name of at most
// 255 bytes, as ergo allows. A sample of EntryBytes therefore always fits
// an answer, so reading always makes progress.
const (
	readHeader   = 2 << 10
	maxErrorText = 512
	maxDescText  = 512
)

// Limits are a node's ceilings for samplers. Zero fields take the defaults.
type Limits struct {
	// MaxSamplers is how many samplers may hold a buffer at once (running
	// or lingering).
	MaxSamplers int
	// SamplerBytes is the byte budget of one sampler's buffer.
	SamplerBytes int
	// TotalBytes is the budget of all samplers' buffers together; each
	// sampler reserves its budget when it starts.
	TotalBytes int
	// ReadBudget is the largest sample_read answer (the node's response
	// budget): one sample is never larger than fits in it.
	ReadBudget int
}

// normalize fills the defaults; it does not check ranges, which the
// options layer does with the option names in its messages.
func (l Limits) normalize() Limits {
	if l.MaxSamplers <= 0 {
		l.MaxSamplers = DefaultMaxSamplers
	}
	if l.SamplerBytes <= 0 {
		l.SamplerBytes = DefaultSamplerBytes
	}
	if l.TotalBytes <= 0 {
		l.TotalBytes = DefaultTotalBytes
	}
	if l.ReadBudget <= 0 {
		l.ReadBudget = 256 << 10
	}
	return l
}

// EntryBytes is the most one encoded sample may take; larger samples are
// stored truncated and marked. A buffer holds at least eight of them, and
// one always fits a sample_read answer.
func (l Limits) EntryBytes() int {
	l = l.normalize()
	return min(l.SamplerBytes/8, l.ReadBudget-readHeader)
}

// minEntry is the smallest useful sample; a smaller EntryBytes (a response
// budget under 3 KiB) makes samplers unavailable.
const minEntry = 1 << 10

// Params are a sampler's settings as the tools take them: integers in the
// tools' units, zero meaning the default.
type Params struct {
	IntervalMs  int
	Count       int
	DurationSec int
	MaxErrors   int
	BufferSize  int
	LingerSec   int
}

// Settings are validated Params with the defaults filled.
type Settings struct {
	Interval  time.Duration // active samplers: start-to-start time between calls
	Count     int           // active: successful samples to take; 0 = until Duration
	Duration  time.Duration // how long the sampler collects
	MaxErrors int           // active: failed calls that end it; 0 = errors never end it
	Buffer    int           // most samples the buffer holds
	Linger    time.Duration // how long the data stays readable after the end
}

// Settings checks p against the ceilings and fills the defaults. Passive
// samplers have no interval, count or error limit: those must be zero.
// Every message names the argument, its range and what was passed.
func (p Params) Settings(active bool) (Settings, error) {
	s := Settings{Count: p.Count, MaxErrors: p.MaxErrors}
	var err error
	if s.Duration, err = seconds("duration_sec", p.DurationSec, DefaultDuration, MaxDuration); err != nil {
		return Settings{}, err
	}
	if s.Linger, err = seconds("linger_sec", p.LingerSec, DefaultLinger, MaxLinger); err != nil {
		return Settings{}, err
	}
	switch {
	case p.BufferSize == 0:
		s.Buffer = DefaultBuffer
	case p.BufferSize < 0 || p.BufferSize > MaxBuffer:
		return Settings{}, fmt.Errorf("buffer_size must be 1..%d samples (0 or omitted means %d), got %d", MaxBuffer, DefaultBuffer, p.BufferSize)
	default:
		s.Buffer = p.BufferSize
	}
	if !active {
		return s, nil
	}
	switch {
	case p.IntervalMs == 0:
		s.Interval = DefaultInterval
	case p.IntervalMs < int(MinInterval/time.Millisecond) || time.Duration(p.IntervalMs)*time.Millisecond > MaxDuration:
		return Settings{}, fmt.Errorf("interval_ms must be %d..%d (0 or omitted means %d), got %d",
			MinInterval.Milliseconds(), MaxDuration.Milliseconds(), DefaultInterval.Milliseconds(), p.IntervalMs)
	default:
		s.Interval = time.Duration(p.IntervalMs) * time.Millisecond
	}
	if p.Count < 0 || p.Count > MaxCount {
		return Settings{}, fmt.Errorf("count must be 0..%d (0 means: sample until duration_sec ends), got %d", MaxCount, p.Count)
	}
	if p.MaxErrors < 0 || p.MaxErrors > MaxErrorsLimit {
		return Settings{}, fmt.Errorf("max_errors must be 0..%d (0 means: failed calls never end the sampler), got %d", MaxErrorsLimit, p.MaxErrors)
	}
	return s, nil
}

// seconds reads a duration argument in seconds.
func seconds(name string, v int, def, ceiling time.Duration) (time.Duration, error) {
	switch {
	case v == 0:
		return def, nil
	case v < 0 || time.Duration(v)*time.Second > ceiling:
		return 0, fmt.Errorf("%s must be 1..%d (0 or omitted means %d), got %d", name, int(ceiling/time.Second), int(def/time.Second), v)
	}
	return time.Duration(v) * time.Second, nil
}

// Reachable reports whether Count samples can be taken before Duration
// ends at one per Interval; a false answer is worth a note to the caller,
// not a refusal (the sampler then ends by duration).
func (s Settings) Reachable() bool {
	return s.Count == 0 || time.Duration(s.Count-1)*s.Interval < s.Duration
}

// reservation is the byte budget a sampler with these settings takes from
// the node's total: its buffer can never hold more.
func (s Settings) reservation(l Limits) int {
	perEntry := l.EntryBytes() + entryOverhead
	if s.Buffer <= l.SamplerBytes/perEntry {
		return s.Buffer * perEntry
	}
	return l.SamplerBytes
}
