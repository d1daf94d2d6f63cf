// Package sampler holds the rules of ergomcp's samplers, free of Ergo: the
// ceilings a request is checked against before anything is allocated, the
// schedule of an active sampler, and the node-wide registry of samplers
// with their ring buffers (package ring), statuses and counters. The
// actors that collect (ergomcp/actors) and the tools that start, read,
// list and stop samplers (ergomcp/tools, sample_*.go) are thin layers on
// top of it.
//
// # Statuses
//
// A sampler goes running → lingering → completed or stopped:
//
//   - running: collecting. An active sampler calls its tool on its
//     schedule; a passive one records what reaches it.
//   - lingering: collecting is over, for the reason shown (count: the
//     count-th successful sample was taken; duration: duration_sec
//     passed; max_errors: the max_errors-th call failed; stopped:
//     sample_stop; any other text: the sampler failed). No sample is added
//     any more; every sample still in the buffer stays readable for
//     linger_sec.
//   - completed: it ended by its own rules (count, duration, max_errors)
//     and the linger time is over, or its data was discarded: the samples
//     are gone, the record (counters, last error) stays listed for ten
//     minutes.
//   - stopped: the same for a sampler ended by sample_stop or a failure.
//
// Statuses derive from the clock as well as from events, so a sampler
// reads right even while its actor is busy in a long call.
//
// # Counting
//
// count=N means exactly N successful samples: failed calls are not
// samples; they are counted in errors and the newest one is kept as
// last_error. max_errors=0 means failures never end a sampler.
// Sequences start at 1 and grow by one per stored sample; sample_read
// since=S returns the samples after S and last_sequence, which passed back
// as since loses and repeats nothing. dropped counts the samples after S
// that were overwritten (the buffer holds the newest buffer_size samples
// within its byte budget) before the read.
package sampler
