// Package redact hides values whose names say they are secret. Node env
// variables and tool arguments pass through it before they leave the node.
package redact

import "strings"

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
