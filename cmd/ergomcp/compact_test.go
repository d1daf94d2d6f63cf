package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/ergomcp/ergomcp/internal/result"
)

func TestDecodeListBothShapes(t *testing.T) {
	items := []json.RawMessage{
		json.RawMessage(`{"PID":"<A.0.1>","App":"shop","Mailbox":5}`),
		json.RawMessage(`{"PID":"<A.0.2>","App":"shop","Mailbox":0}`),
	}
	for _, records := range []bool{false, true} {
		l := &result.List{Total: 9, Items: items, Truncated: true, ItemsKey: "processes", Records: records,
			Next: func(off int) json.RawMessage {
				return json.RawMessage(`{"tool":"process_list","arguments":{"offset":2}}`)
			}}
		text, err := l.Encode(0)
		if err != nil {
			t.Fatal(err)
		}
		a, err := decodeList(text)
		if err != nil {
			t.Fatal(err)
		}
		if a.Total != 9 || a.Returned != 2 || !a.Truncated || a.Key != "processes" || len(a.Rows) != 2 ||
			string(a.Rows[1]["App"]) != `"shop"` || string(a.Rows[0]["Mailbox"]) != "5" || !strings.Contains(string(a.Next), "offset") {
			t.Fatalf("records=%v: %+v from %s", records, a, text)
		}
	}
}

// Table cells are whole and unescaped: the trial's Evidence and Next
// columns came out cut at 60 characters as \u003c....
func TestCellsNeitherCutNorEscaped(t *testing.T) {
	long := "process <90A29F11.0.1017> mailbox grew from 10 to 90000 in 2s; next: process_info pid=<90A29F11.0.1017> & pprof"
	var out bytes.Buffer
	if err := writeResult(&out, `{"findings":[{"Evidence":{"note":`+string(mustJSON(long))+`},"Next":`+string(mustJSON(long))+`},{"Evidence":1,"Next":"x"}]}`); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), long) || strings.Contains(out.String(), `\u003c`) || strings.Contains(out.String(), "…") {
		t.Fatalf("cut or escaped:\n%s", out.String())
	}
}

func mustJSON(v any) []byte { b, _ := json.Marshal(v); return b }
