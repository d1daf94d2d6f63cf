//go:build ergo33

package tools

// edfTypes has nothing to offer on ergo 3.3: its registry lives on the
// network (Network().RegisteredTypes/LookupType), which messageTypes
// reaches by name. See actions_edf.go for ergo 3.1/3.2.
func edfTypes() (typeSource, bool) { return typeSource{}, false }
