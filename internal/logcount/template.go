package logcount

import (
	"regexp"
	"strings"
)

// folds turn a log message into its template: the parts that differ from
// one line of a storm to the next (IDs, numbers) become placeholders, so
// lines from the same format string count together.
var folds = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`(Alias|Ref|Event)#<[^>]*>`), "$1#<…>"},
	{regexp.MustCompile(`<[0-9A-Fa-f]+(\.[0-9]+)+>`), "<PID>"},
	{regexp.MustCompile(`[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`), "<UUID>"},
	{regexp.MustCompile(`\b0x[0-9a-fA-F]+\b`), "<HEX>"},
	{regexp.MustCompile(`[0-9]+(\.[0-9]+)?`), "<N>"},
}

// longHex finds hex IDs (hashes, trace IDs): 8 or more hex digits with a
// letter among them, so that a word such as "deadbeef" in prose is rare
// and plain numbers are left to the <N> fold.
var longHex = regexp.MustCompile(`\b[0-9a-fA-F]{8,}\b`)

// Template folds message into its template. The counter's keys and
// sample_read's summary both fold with it, so a storm reads as the same
// templates in diagnose and in a sampler.
func Template(message string) string {
	// Every fold needs a digit, except Alias#<…> (needs "#<") and a UUID
	// (needs "-"): most lines without them are left as they are without
	// running a regular expression, on the goroutine that logs.
	if !strings.ContainsAny(message, "0123456789-#") {
		return message
	}
	for i, f := range folds {
		if i == len(folds)-1 {
			message = longHex.ReplaceAllStringFunc(message, func(h string) string {
				if strings.ContainsAny(h, "abcdefABCDEF") && strings.ContainsAny(h, "0123456789") {
					return "<HEX>"
				}
				return h
			})
		}
		message = f.re.ReplaceAllString(message, f.with)
	}
	return message
}
