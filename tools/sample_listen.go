package tools

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"ergo.services/ergo/gen"

	"github.com/ergomcp/ergomcp/internal/catalog"
	"github.com/ergomcp/ergomcp/internal/record"
	"github.com/ergomcp/ergomcp/sampler"
)

// stringList is a list argument that also takes a single string, plain or
// comma-separated ("warning,error"), as agents often pass one.
type stringList []string

// UnmarshalJSON accepts a JSON string or an array of strings.
func (l *stringList) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*l = nil
		for part := range strings.SplitSeq(one, ",") {
			if part = strings.TrimSpace(part); part != "" {
				*l = append(*l, part)
			}
		}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return errors.New("expected a string or an array of strings")
	}
	*l = many
	return nil
}

// defaultListenLevels are the levels a passive sampler records when only
// log_source is given; logSources are the sources it can record.
var (
	defaultListenLevels = []gen.LogLevel{gen.LogLevelWarning, gen.LogLevelError, gen.LogLevelPanic}
	logSources          = []string{"process", "meta", "node", "network"}
)

type sampleListenArgs struct {
	catalog.Common
	LogLevels stringList `json:"log_levels,omitempty" jsonschema:"trace, debug, info, warning, error, panic (default warning, error, panic)"`
	LogSource stringList `json:"log_source,omitempty" jsonschema:"process, meta, node, network (default all)"`
	Event     string     `json:"event,omitempty" jsonschema:"an event name to record publications of"`
	EventNode string     `json:"event_node,omitempty"`
	Messages  bool       `json:"messages,omitempty" jsonschema:"record messages sent to the sampler's pid"`
	Exclude   stringList `json:"exclude_source,omitempty" jsonschema:"log sources not to record: a PID, registered name, behavior, meta alias or node name"`
	samplerParams

	settings sampler.Settings
	levels   []gen.LogLevel
}

func (a *sampleListenArgs) Validate() error {
	for _, name := range a.LogLevels {
		l, err := parseLogLevel(name)
		if err != nil || l == gen.LogLevelDisabled {
			return catalog.Errorf("log_levels: %q is not a level a sampler can record; use trace, debug, info, warning, error or panic", name)
		}
		if !slices.Contains(a.levels, l) {
			a.levels = append(a.levels, l)
		}
	}
	for i, s := range a.LogSource {
		a.LogSource[i] = strings.ToLower(strings.TrimSpace(s))
		if !slices.Contains(logSources, a.LogSource[i]) {
			return catalog.Errorf("log_source: %q is not a log source; use %s", s, strings.Join(logSources, ", "))
		}
	}
	switch {
	case len(a.levels) == 0 && len(a.LogSource) > 0:
		a.levels = defaultListenLevels
	case len(a.levels) > 0 && len(a.LogSource) == 0:
		a.LogSource = slices.Clone(logSources)
	}
	if a.EventNode != "" && a.Event == "" {
		return catalog.Errorf("event_node needs event: the name of the event to record")
	}
	if len(a.Exclude) > 0 && len(a.levels) == 0 {
		return catalog.Errorf("exclude_source needs log_levels or log_source: it leaves sources out of the log messages recorded")
	}
	if len(a.Exclude) > maxExclude {
		return catalog.Errorf("exclude_source lists %d sources; at most %d", len(a.Exclude), maxExclude)
	}
	if len(a.levels) == 0 && a.Event == "" && !a.Messages {
		return catalog.Errorf("sample_listen needs something to record: log_levels and/or log_source, event, or messages=true")
	}
	var err error
	p := sampler.Params{DurationSec: a.DurationSec, BufferSize: a.BufferSize, LingerSec: a.LingerSec}
	if a.settings, err = p.Settings(false); err != nil {
		return catalog.Wrap(err)
	}
	return nil
}

func init() {
	register(catalog.Tool{
		Name:  "sample_listen",
		Title: "Start a passive sampler",
		Description: "Starts a passive sampler recording log messages (log_levels, log_source, exclude_source), event publications " +
			"(event) or messages sent to it, for duration_sec. Read it with sample_read summary=true. A flood never " +
			"overwrites silently: dropped counts what was lost, by source." + ceilingsText + ".",
	}, sampleListen)
}

// ListenJob is what a passive sampler records.
type ListenJob struct {
	Levels  []gen.LogLevel
	Sources []string
	// Exclude lists PIDs, names, behaviors, meta aliases and node names
	// whose log messages are not recorded.
	Exclude  []string
	Event    gen.Event // Name empty: no event
	Messages bool
}

func sampleListen(env *Env, args *sampleListenArgs) (any, error) {
	job := &ListenJob{Levels: args.levels, Sources: args.LogSource, Messages: args.Messages, Exclude: args.Exclude}
	var what []string
	if len(job.Levels) > 0 {
		names := make([]string, len(job.Levels))
		for i, l := range job.Levels {
			names[i] = l.String()
		}
		what = append(what, fmt.Sprintf("logs %s from %s", strings.Join(names, ","), strings.Join(job.Sources, ",")))
	}
	if args.Event != "" {
		node := gen.Atom(args.EventNode)
		if node == "" {
			node = env.Node().Name()
		}
		job.Event = gen.Event{Name: gen.Atom(args.Event), Node: node}
		what = append(what, fmt.Sprintf("event %s on %s", args.Event, string(node)))
	}
	if job.Messages {
		what = append(what, "messages sent to it")
	}
	if len(job.Exclude) > 0 {
		what = append(what, "excluding "+strings.Join(job.Exclude, ","))
	}
	spec := sampler.Spec{Kind: sampler.Passive, Description: strings.Join(what, "; "), Settings: args.settings}
	entry, pid, err := env.startSampler(spec, &StartSampler{Listen: job})
	if err != nil {
		return nil, err
	}
	var note string
	if job.Messages {
		note = fmt.Sprintf("messages sent to %s on node %s are recorded", pid, string(pid.Node))
	}
	return started(entry, pid, note), nil
}

// Listen registers p, the sampler's actor, for what the job records and
// returns how to undo it. Events already in the event's buffer are recorded
// at once. Ergo refuses both registrations in Init: call it later.
func (j *ListenJob) Listen(p gen.Process, entry *sampler.Entry) (undo func(), err error) {
	var undos []func()
	undo = func() {
		for _, u := range undos {
			u()
		}
	}
	if len(j.Levels) > 0 {
		// A process can be one logger only; the ID keeps the name unique.
		if err := p.Node().LoggerAddPID(p.PID(), "ergomcp_sampler_"+entry.ID, j.Levels...); err != nil {
			return undo, fmt.Errorf("registering sampler %s as a logger: %w", entry.ID, err)
		}
		undos = append(undos, func() { p.Node().LoggerDeletePID(p.PID()) })
	}
	if j.Event.Name != "" {
		buffered, err := p.MonitorEvent(j.Event)
		if err != nil {
			return undo, catalog.Errorf("cannot subscribe to event %s on node %s: %v (event_list node=%s shows the events it has)",
				string(j.Event.Name), string(j.Event.Node), err, string(j.Event.Node))
		}
		undos = append(undos, func() { p.DemonitorEvent(j.Event) })
		now := time.Now()
		for _, m := range buffered {
			entry.Record(now, time.Unix(0, m.Timestamp), EventSample(m, true))
		}
	}
	return undo, nil
}

// LogSample renders a log message as a sample; false when its source is
// not one the job records.
func (j *ListenJob) LogSample(m gen.MessageLog) (data []byte, from string, ok bool) {
	fields := []record.Field{{Name: "kind", Value: "log"}, {Name: "level", Value: m.Level.String()}}
	var source string
	var ids []string // what exclude_source may name
	switch s := m.Source.(type) {
	case gen.MessageLogProcess:
		source = "process"
		fields = append(fields, record.Field{Name: "pid", Value: s.PID.String()}, record.Field{Name: "name", Value: string(s.Name)},
			record.Field{Name: "behavior", Value: s.Behavior})
		ids = []string{s.PID.String(), string(s.Name), s.Behavior}
		from = sampler.LogSource(source, s.PID.String(), string(s.Name), "", "", "")
	case gen.MessageLogMeta:
		source = "meta"
		fields = append(fields, record.Field{Name: "meta", Value: s.Meta.String()}, record.Field{Name: "parent", Value: s.Parent.String()},
			record.Field{Name: "behavior", Value: s.Behavior})
		ids = []string{s.Meta.String(), s.Behavior}
		from = sampler.LogSource(source, "", "", s.Meta.String(), "", "")
	case gen.MessageLogNode:
		source = "node"
		fields = append(fields, record.Field{Name: "node", Value: string(s.Node)})
		ids = []string{string(s.Node)}
		from = sampler.LogSource(source, "", "", "", string(s.Node), "")
	case gen.MessageLogNetwork:
		source = "network"
		fields = append(fields, record.Field{Name: "node", Value: string(s.Node)}, record.Field{Name: "peer", Value: string(s.Peer)})
		ids = []string{string(s.Peer), string(s.Node)}
		from = sampler.LogSource(source, "", "", "", string(s.Node), string(s.Peer))
	}
	if !slices.Contains(j.Sources, source) {
		return nil, "", false
	}
	for _, id := range ids {
		if id != "" && slices.Contains(j.Exclude, id) {
			return nil, "", false
		}
	}
	fields = slices.Insert(fields, 2, record.Field{Name: "source", Value: source})
	text := m.Format
	if len(m.Args) > 0 {
		text = fmt.Sprintf(m.Format, m.Args...)
	}
	fields = append(fields, record.Field{Name: "message", Value: text})
	if len(m.Fields) > 0 {
		fields = append(fields, record.Field{Name: "fields", Value: m.Fields})
	}
	return sampleRecord(fields), from, true
}

// maxExclude bounds exclude_source: a sampler checks it on every log line.
const maxExclude = 64

// EventSample renders an event publication as a sample; buffered marks
// those that were in the event's buffer when the sampler subscribed.
func EventSample(m gen.MessageEvent, buffered bool) []byte {
	fields := []record.Field{
		{Name: "kind", Value: "event"}, {Name: "event", Value: string(m.Event.Name)}, {Name: "event_node", Value: string(m.Event.Node)},
		{Name: "timestamp", Value: time.Unix(0, m.Timestamp)}, {Name: "type", Value: fmt.Sprintf("%T", m.Message)},
		{Name: "message", Value: m.Message},
	}
	if buffered {
		fields = append(fields, record.Field{Name: "buffered", Value: true})
	}
	return sampleRecord(fields)
}

// EventDownSample renders the end of a subscribed event (its producer
// ended or unregistered it) as a sample.
func EventDownSample(m gen.MessageDownEvent) []byte {
	return sampleRecord([]record.Field{
		{Name: "kind", Value: "event_down"}, {Name: "event", Value: string(m.Event.Name)},
		{Name: "event_node", Value: string(m.Event.Node)}, {Name: "reason", Value: fmt.Sprint(m.Reason)},
	})
}

// MessageSample renders a message sent to the sampler as a sample.
func MessageSample(from gen.PID, message any) []byte {
	return sampleRecord([]record.Field{
		{Name: "kind", Value: "message"}, {Name: "from", Value: from.String()},
		{Name: "type", Value: fmt.Sprintf("%T", message)}, {Name: "message", Value: message},
	})
}

// sampleRecord encodes fields as a JSON object. A value that cannot be
// encoded (too deep, a failing MarshalJSON) is written as its %v text
// rather than losing the sample.
func sampleRecord(fields []record.Field) []byte {
	b, err := record.Append(nil, nil, nil, fields...)
	if err == nil {
		return b
	}
	for i, f := range fields {
		if _, ferr := record.AppendValue(nil, f.Value); ferr != nil {
			fields[i].Value = fmt.Sprintf("%v", f.Value)
		}
	}
	if b, err = record.Append(nil, nil, nil, fields...); err == nil {
		return b
	}
	// Only strings are left: this cannot fail.
	b, _ = record.Append(nil, nil, nil, record.Field{Name: "kind", Value: "unencodable"}, record.Field{Name: "error", Value: err.Error()})
	return b
}
