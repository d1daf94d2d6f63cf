package ergomcp_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"ergo.services/ergo/gen"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/ergomcp/ergomcp"
	"github.com/ergomcp/ergomcp/internal/mcptest"
)

// The table form is smaller than records at equal rows for the lists that
// need a network and events: network_nodes with connected peers and
// event_list with process-registered events, subscribed. With
// ERGOMCP_SIZES_DIR set the answers are written there for BENCHMARKS.md's
// token counts.
func TestEncodingSizesNetworkAndEvents(t *testing.T) {
	var a netNode
	_, s := openSession(t, ergomcp.Options{}, netStarter("esa", &a))
	for i := range 4 {
		p := startPeer(t, fmt.Sprintf("esp%d", i))
		if _, err := a.Network().GetNode(p.Name()); err != nil {
			t.Fatal(err)
		}
	}
	var producer, subscriber gen.PID
	for i := range 20 {
		ev := gen.Event{Name: gen.Atom(fmt.Sprintf("es_event_%02d", i)), Node: a.Name()}
		producer = eventDo(t, a, producer, "register", ev)
		subscriber = eventDo(t, a, subscriber, "monitor", ev)
	}
	dump := os.Getenv("ERGOMCP_SIZES_DIR")
	for _, tool := range []string{"network_nodes", "event_list"} {
		size := map[string]int{}
		for _, format := range []string{"compact", "records"} {
			res := mcptest.Call(t, s.s, tool, map[string]any{"format": format, "limit": 20}, &struct{}{})
			text := res.Content[0].(*mcp.TextContent).Text
			size[format] = len(text)
			if dump != "" {
				if err := os.WriteFile(filepath.Join(dump, "equal_"+tool+"_"+format+".json"), []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			var rows struct{ Returned int }
			if err := mcptest.Decode(text, &rows); err != nil || rows.Returned < 4 {
				t.Fatalf("%s %s: %v, %s", tool, format, err, text)
			}
		}
		if size["compact"] >= size["records"] {
			t.Errorf("%s: compact %d bytes, records %d", tool, size["compact"], size["records"])
		}
	}
}
