package ergomcp_test

import (
	"crypto/tls"
	"fmt"
	"net/http"
	"testing"

	"ergo.services/ergo/gen"
	"ergo.services/ergo/lib"

	"github.com/ergomcp/ergomcp"
	"github.com/ergomcp/ergomcp/internal/mcptest"
)

func TestTLSWithCertManager(t *testing.T) {
	cert, err := lib.GenerateSelfSignedCert("ergomcp test", "localhost")
	if err != nil {
		t.Fatal(err)
	}
	port := mcptest.FreePort(t)
	node, err := startNode(t, ergomcp.Options{Port: port, CertManager: gen.CreateCertManager(cert)})
	if err != nil {
		t.Fatal(err)
	}
	url := fmt.Sprintf("https://localhost:%d/mcp", port)

	httpClient := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	s, err := mcptest.Client{HTTP: httpClient}.Open(t, url)
	if err != nil {
		t.Fatalf("connect over TLS: %v", err)
	}
	var ni struct{ Name string }
	mcptest.Call(t, s, "node_info", nil, &ni)
	if ni.Name != string(node.Name()) {
		t.Fatalf("node_info over TLS: %+v", ni)
	}
}
