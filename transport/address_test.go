package transport

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/ergomcp/ergomcp/internal/catalog"
)

// TestURLOfAllInterfaces: a server bound to every interface is reachable
// from its own machine as localhost, which its URL says; a server bound to
// one address says that address.
func TestURLOfAllInterfaces(t *testing.T) {
	for _, c := range []struct{ addr, host string }{{"0.0.0.0:0", "localhost"}, {"127.0.0.1:0", "127.0.0.1"}} {
		s, err := Listen(c.addr, http.NotFoundHandler(), nil)
		if err != nil {
			t.Fatal(err)
		}
		port := s.Addr().(interface{ String() string }).String()
		port = port[strings.LastIndexByte(port, ':')+1:]
		if want := fmt.Sprintf("http://%s:%s/mcp", c.host, port); s.URL("mcp") != want {
			t.Errorf("listening on %s: URL %q, want %q", c.addr, s.URL("mcp"), want)
		}
		if err := s.Shutdown(t.Context()); err != nil {
			t.Error(err)
		}
	}
}

// TestExposureNamesTheInterfaces: the refusal to serve unauthenticated
// says "all interfaces" for the addresses that mean it, and only for them.
func TestExposureNamesTheInterfaces(t *testing.T) {
	for host, want := range map[string]string{
		"":             "on all interfaces,",
		"0.0.0.0":      "on 0.0.0.0 (all interfaces),",
		"[::]:9922":    "on [::]:9922 (all interfaces),",
		"0.0.0.0:9922": "on 0.0.0.0:9922 (all interfaces),",
		":9922":        "on :9922 (all interfaces),",
		"10.0.0.5:80":  "on 10.0.0.5:80,",
		"10.0.0.5":     "on 10.0.0.5,",
		"node.example": "on node.example,",
	} {
		err := CheckExposure(host, false, false)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("CheckExposure(%q): %v, want it to say %q", host, err, want)
		}
	}
}

// TestPromptsCapability: the server advertises prompts only when it has
// some.
func TestPromptsCapability(t *testing.T) {
	prompt := catalog.Prompt{Name: "p", Description: "a prompt", Render: func(map[string]string) (string, error) { return "text", nil }}
	for _, prompts := range [][]catalog.Prompt{nil, {prompt}} {
		hs := newHarness(t, func(c *Config) { c.Prompts = prompts })
		cs := hs.mustConnect(t, nil, nil)
		caps := cs.InitializeResult().Capabilities
		if got := caps.Prompts != nil; got != (len(prompts) > 0) {
			t.Errorf("%d prompts: prompts capability advertised %v", len(prompts), got)
		}
		if caps.Tools == nil {
			t.Errorf("%d prompts: tools capability missing", len(prompts))
		}
	}
}
