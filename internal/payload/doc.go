// Package payload turns the JSON an agent writes into the Go values that
// ergomcp's action tools send to processes (send_message, call_process),
// and describes message types for message_type_info.
//
// Building is strict, as a message that is silently half-built would be
// worse than none: an unknown field, a wrong JSON type, a number that does
// not fit the field or a malformed time is an *Error whose Path names the
// place, e.g. "Order.Items[2].Qty: expected an integer, got 1.5". Work is
// bounded (nesting depth, number of values) whatever the input, and no
// input makes Build panic.
//
// Field keys follow encoding/json: the json tag's name when there is one,
// otherwise the Go field name; a key that matches no field exactly matches
// one case-insensitively. Fields of embedded structs without a tag are
// promoted as encoding/json promotes them. Unexported fields and fields
// tagged "-" cannot be set and stay zero.
//
// The package imports nothing from ergo: types that need node knowledge to
// build (PIDs, aliases) are handed in as Special conversions.
package payload
