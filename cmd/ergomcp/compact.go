package main

import (
	"encoding/json"
	"fmt"

	"github.com/ergomcp/ergomcp/internal/result"
)

// listAnswer is the answer of an ergomcp list tool (process_list,
// process_top, event_list...), in either encoding: the default table
// (columns, same, rows as arrays) or format=records.
type listAnswer struct {
	Total       int
	Returned    int
	Truncated   bool
	TruncatedBy string
	// Next is the call that returns the rows after these, when cut.
	Next json.RawMessage
	// Key names the rows' array ("processes", "events"...).
	Key string
	// Rows are the records, every field present (same included).
	Rows []map[string]json.RawMessage
}

// decodeList reads a list answer: the one decoder of the table form the
// terminal client's commands share.
func decodeList(text string) (*listAnswer, error) {
	expanded, err := result.Expand([]byte(text))
	if err != nil {
		return nil, fmt.Errorf("list answer: %w", err)
	}
	v, err := parseOrdered(string(expanded))
	if err != nil {
		return nil, err
	}
	obj, ok := v.(object)
	if !ok || len(obj) == 0 {
		return nil, fmt.Errorf("list answer: not a JSON object")
	}
	var env struct {
		Total       int             `json:"total"`
		Returned    int             `json:"returned"`
		Truncated   bool            `json:"truncated"`
		TruncatedBy string          `json:"truncated_by"`
		Next        json.RawMessage `json:"next"`
	}
	if err := json.Unmarshal(expanded, &env); err != nil {
		return nil, fmt.Errorf("list answer: %w", err)
	}
	// The rows come last in every list answer.
	key := obj[len(obj)-1].key
	var rows struct {
		Rows []map[string]json.RawMessage
	}
	raw := map[string]json.RawMessage{}
	if err := json.Unmarshal(expanded, &raw); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(raw[key], &rows.Rows); err != nil {
		return nil, fmt.Errorf("list answer %s: %w", key, err)
	}
	return &listAnswer{Total: env.Total, Returned: env.Returned, Truncated: env.Truncated, TruncatedBy: env.TruncatedBy,
		Next: env.Next, Key: key, Rows: rows.Rows}, nil
}
