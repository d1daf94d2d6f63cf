// Package record encodes Ergo's introspection records (process, node,
// application and network info) as compact JSON objects without knowing
// their types: ergomcp must keep working as Ergo adds fields, so the encoding
// is driven by reflection and new fields appear in results by themselves.
//
// Conventions, applied recursively:
//
//   - Struct keys are the Go field names in struct order. Unexported fields,
//     channels, funcs and unsafe pointers are skipped. Fields of embedded
//     structs are promoted as Go promotes them (the shallowest name wins;
//     names ambiguous at one depth are dropped).
//   - A json.Marshaler (PID, ProcessState, LogLevel, json.RawMessage) is
//     inserted as its compacted MarshalJSON output. Otherwise a named string
//     type (gen.Atom) is its plain string value, whatever its String() adds
//     for display. Otherwise a value whose type implements error is written
//     as its Error(); one that implements fmt.Stringer (time.Duration, ...)
//     as its String(). Pointer-receiver methods are used
//     when the value is addressable (reached through a pointer), as
//     encoding/json does. A panicking method yields a "!String panicked"
//     text rather than failing the whole result.
//   - time.Time is RFC 3339 with nanoseconds: its String() carries the
//     monotonic clock reading, which is noise to a reader.
//   - time.Duration uses its String() ("1.5s"): records carry durations
//     rarely, and a reader wants them human-readable; ergomcp's own numeric
//     durations are float64 seconds with the unit in the field name.
//   - Maps are objects whose keys are the key itself for string kinds and
//     fmt.Sprint of the key otherwise (so Stringer keys use String), sorted,
//     so output is deterministic.
//   - Slices and arrays are arrays; []byte is base64, as in encoding/json.
//     Nil slices and maps are written as [] and {}: in records they mean
//     "none", and readers should not need to handle null there.
//   - Nil pointers and interfaces are null; non-finite floats are null.
//   - Strings are escaped as encoding/json does with SetEscapeHTML(false):
//     invalid UTF-8 becomes U+FFFD, so output is always valid JSON, and
//     <, >, & stay as they are (results are never HTML; PIDs print as <...>).
package record
