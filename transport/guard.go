package transport

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// hostSet matches Host headers against Config.AllowedHosts. A nil *hostSet
// allows every Host.
type hostSet struct {
	exact   map[string]bool // "name:port", lower case
	anyPort map[string]bool // "name" from entries without a port, lower case
}

func newHostSet(hosts []string) *hostSet {
	if len(hosts) == 0 {
		return nil
	}
	s := &hostSet{exact: map[string]bool{}, anyPort: map[string]bool{}}
	for _, h := range hosts {
		h = strings.ToLower(h)
		if _, _, err := net.SplitHostPort(h); err == nil {
			s.exact[h] = true
		} else {
			s.anyPort[strings.Trim(h, "[]")] = true
		}
	}
	return s
}

func (s *hostSet) allows(host string) bool {
	if s == nil {
		return true
	}
	host = strings.ToLower(host)
	if s.exact[host] {
		return true
	}
	name, _, err := net.SplitHostPort(host)
	if err != nil {
		name = strings.Trim(host, "[]")
	}
	return s.anyPort[name]
}

// originAllowed reports whether a request may come from its Origin. Browsers
// always send Origin on cross-origin requests, so refusing foreign ones
// keeps web pages from driving the node; agents and CLI clients send none.
// Same-origin compares host[:port] only, because behind a TLS-terminating
// proxy the scheme the browser used is unknown here.
func originAllowed(r *http.Request, allowed []string) bool {
	origin := r.Header.Get("Origin")
	if origin == "" || slices.Contains(allowed, origin) {
		return true
	}
	u, err := url.Parse(origin)
	return err == nil && u.Host != "" && strings.EqualFold(u.Host, r.Host)
}

// limitBody rejects a declared oversized body at once and caps the rest
// while they are read; the go-sdk answers a *http.MaxBytesError with 413.
func limitBody(w http.ResponseWriter, r *http.Request, limit int64) bool {
	if r.ContentLength > limit {
		http.Error(w, fmt.Sprintf("request body exceeds %d bytes (Config.MaxBodyBytes)", limit), http.StatusRequestEntityTooLarge)
		return false
	}
	if r.Body != nil {
		r.Body = http.MaxBytesReader(w, r.Body, limit)
	}
	return true
}
