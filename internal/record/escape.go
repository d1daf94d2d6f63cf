package record

import (
	"unicode/utf8"
)

const hex = "0123456789abcdef"

// safe marks ASCII bytes that need no escaping. Unlike encoding/json's
// default, <, > and & are not escaped: results are MCP text, never HTML,
// and every PID ("<90A29F11.0.1017>") would grow by ten bytes.
var safe = func() (t [utf8.RuneSelf]bool) {
	for b := 0x20; b < utf8.RuneSelf; b++ {
		t[b] = true
	}
	t['"'], t['\\'] = false, false
	return t
}()

// AppendString writes s as a JSON string by the rules of every record:
// for callers that write their own JSON around plain strings.
func AppendString(dst []byte, s string) []byte { return appendString(dst, s) }

// appendString writes s as a JSON string. Invalid UTF-8 becomes U+FFFD so
// that the output stays valid JSON whatever bytes a process name holds, and
// U+2028/U+2029 are escaped for JavaScript consumers, as encoding/json does.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if safe[b] {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '"', '\\':
				dst = append(dst, '\\', b)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[b>>4], hex[b&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
