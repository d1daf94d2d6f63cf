// Package redact hides values whose names say they are secret. It is the
// one rule for every place the node echoes what it was given: env
// variables (node_env, node_info, app_info, process_info), tool arguments
// shown back (sampler descriptions), and error texts quoting them (tool
// errors, audit records, the node log).
package redact

import (
	"encoding/json"
	"sort"
	"strings"
)

// Mask replaces a secret value.
const Mask = "[redacted]"

// secretWords mark a key as secret when they appear anywhere in it,
// case-insensitively: API_KEY, db_password, X-Auth-Token, cookie...
var secretWords = []string{"token", "password", "passwd", "secret", "key", "cookie", "credential", "auth", "private", "cert"}

// IsSecret reports whether a key names a secret.
func IsSecret(key string) bool {
	k := strings.ToLower(key)
	for _, w := range secretWords {
		if strings.Contains(k, w) {
			return true
		}
	}
	return false
}

// Map returns a copy of m with secret values masked. Keys are formatted by
// keyString so any map key type works.
func Map[K comparable, V any](m map[K]V, keyString func(K) string) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		name := keyString(k)
		if IsSecret(name) {
			out[name] = Mask
			continue
		}
		out[name] = v
	}
	return out
}

// minEchoed is the shortest argument value scrubbed from texts: shorter
// ones ("5", "on") are not worth hiding and would garble the text.
const minEchoed = 4

// ArgValues replaces in text every string value of the JSON arguments
// args, at any depth, with Mask. Error texts often quote what the caller
// sent (a name, a cookie); audit records keep the text without them.
// Top-level arguments named in keep are left readable: a node name is
// what an operator reads an audit record for, not a secret.
func ArgValues(text string, args []byte, keep ...string) string {
	var v any
	if len(args) == 0 || json.Unmarshal(args, &v) != nil {
		return text
	}
	if m, ok := v.(map[string]any); ok {
		for _, k := range keep {
			delete(m, k)
		}
	}
	var values []string
	collect(v, &values)
	// Longest first, so a value that contains another is masked whole.
	sort.Slice(values, func(i, j int) bool { return len(values[i]) > len(values[j]) })
	for _, s := range values {
		text = strings.ReplaceAll(text, s, Mask)
	}
	return text
}

// Args returns the JSON arguments args with the value of every key that
// names a secret, at any depth, replaced by Mask, for echoing them (a
// sampler's description). Arguments that are not JSON are returned as
// Mask whole: nothing of them can be shown safely.
func Args(args []byte) []byte {
	if len(args) == 0 {
		return args
	}
	var v any
	if json.Unmarshal(args, &v) != nil {
		return []byte(`"` + Mask + `"`)
	}
	out, err := json.Marshal(maskSecrets(v))
	if err != nil {
		return []byte(`"` + Mask + `"`)
	}
	return out
}

func maskSecrets(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			if IsSecret(k) {
				v[k] = Mask
			} else {
				v[k] = maskSecrets(e)
			}
		}
	case []any:
		for i, e := range v {
			v[i] = maskSecrets(e)
		}
	}
	return v
}

// SecretArgs replaces in text every string value that args hold under a
// key naming a secret (a cookie, a password), at any depth: error texts
// sent back to the caller may quote arguments, and those must not come
// back out, while other values (a process name) still help the caller.
func SecretArgs(text string, args []byte) string {
	var v any
	if len(args) == 0 || json.Unmarshal(args, &v) != nil {
		return text
	}
	var values []string
	collectSecrets(v, false, &values)
	sort.Slice(values, func(i, j int) bool { return len(values[i]) > len(values[j]) })
	for _, s := range values {
		text = strings.ReplaceAll(text, s, Mask)
	}
	return text
}

// collectSecrets gathers the strings under secret keys; under is set
// inside such a key's value.
func collectSecrets(v any, under bool, out *[]string) {
	switch v := v.(type) {
	case string:
		if under && v != "" {
			*out = append(*out, v)
		}
	case []any:
		for _, e := range v {
			collectSecrets(e, under, out)
		}
	case map[string]any:
		for k, e := range v {
			collectSecrets(e, under || IsSecret(k), out)
		}
	}
}

func collect(v any, out *[]string) {
	switch v := v.(type) {
	case string:
		if len(v) >= minEchoed {
			*out = append(*out, v)
		}
	case []any:
		for _, e := range v {
			collect(e, out)
		}
	case map[string]any:
		for _, e := range v {
			collect(e, out)
		}
	}
}
