// Package ident parses the identifiers agents pass to tools as Ergo prints
// them: PIDs "<90A29F11.0.1017>" and aliases "Alias#<90A29F11.1.2.3>". The
// first part is the CRC32 of the owning node's name, so parsing tells which
// node a PID belongs to without knowing the node.
package ident

import (
	"fmt"
	"hash/crc32"
	"strconv"
	"strings"
)

// PID is a parsed process identifier.
type PID struct {
	// NodeHash is the CRC32 of the node name, 8 upper-case hex digits.
	NodeHash string
	// ID is the process number on that node.
	ID uint64
}

// Alias is a parsed alias identifier.
type Alias struct {
	NodeHash string
	ID       [3]uint64
}

// ergoTable is the CRC32 polynomial Ergo hashes node names with.
var ergoTable = crc32.MakeTable(0xD5828281)

// NodeHash returns the hash Ergo prints for a node name.
func NodeHash(node string) string {
	if node == "" {
		return ""
	}
	return fmt.Sprintf("%08X", crc32.Checksum([]byte(node), ergoTable))
}

// maxLen bounds what we parse; real identifiers are far shorter.
const maxLen = 96

// ParsePID parses "<HASH.HI.LO>" where the process number is HI<<32 | LO,
// both printed as int32 the way Ergo does.
func ParsePID(s string) (PID, error) {
	s = strings.TrimSpace(s)
	if len(s) > maxLen || !strings.HasPrefix(s, "<") || !strings.HasSuffix(s, ">") {
		return PID{}, pidError(s)
	}
	parts := strings.Split(s[1:len(s)-1], ".")
	if len(parts) != 3 || !isHash(parts[0]) {
		return PID{}, pidError(s)
	}
	hi, err1 := strconv.ParseInt(parts[1], 10, 32)
	lo, err2 := strconv.ParseInt(parts[2], 10, 32)
	if err1 != nil || err2 != nil {
		return PID{}, pidError(s)
	}
	return PID{NodeHash: strings.ToUpper(parts[0]), ID: uint64(uint32(hi))<<32 | uint64(uint32(lo))}, nil
}

// String prints p as Ergo does.
func (p PID) String() string {
	return fmt.Sprintf("<%s.%d.%d>", p.NodeHash, int32(p.ID>>32), int32(p.ID))
}

// ParseAlias parses "Alias#<HASH.A.B.C>".
func ParseAlias(s string) (Alias, error) {
	s = strings.TrimSpace(s)
	rest, ok := strings.CutPrefix(s, "Alias#<")
	if len(s) > maxLen || !ok || !strings.HasSuffix(rest, ">") {
		return Alias{}, aliasError(s)
	}
	parts := strings.Split(strings.TrimSuffix(rest, ">"), ".")
	if len(parts) != 4 || !isHash(parts[0]) {
		return Alias{}, aliasError(s)
	}
	a := Alias{NodeHash: strings.ToUpper(parts[0])}
	for i := range 3 {
		v, err := strconv.ParseUint(parts[i+1], 10, 64)
		if err != nil {
			return Alias{}, aliasError(s)
		}
		a.ID[i] = v
	}
	return a, nil
}

// String prints a as Ergo does.
func (a Alias) String() string {
	return fmt.Sprintf("Alias#<%s.%d.%d.%d>", a.NodeHash, a.ID[0], a.ID[1], a.ID[2])
}

func isHash(s string) bool {
	if len(s) != 8 {
		return false
	}
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'A' <= c && c <= 'F' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

func pidError(s string) error {
	return fmt.Errorf("malformed PID %q: expected Ergo's form <90A29F11.0.1017>", clip(s))
}

func aliasError(s string) error {
	return fmt.Errorf("malformed alias %q: expected Ergo's form Alias#<90A29F11.0.1.2>", clip(s))
}

// clip keeps error messages bounded whatever the caller sent.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
