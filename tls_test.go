package ergomcp_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"testing"
	"time"

	"ergo.services/ergo/gen"
	"ergo.services/ergo/lib"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/ergomcp/ergomcp"
)

func TestTLSWithCertManager(t *testing.T) {
	cert, err := lib.GenerateSelfSignedCert("ergomcp test", "localhost")
	if err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	node, err := startNode(t, ergomcp.Options{Port: port, CertManager: gen.CreateCertManager(cert)})
	if err != nil {
		t.Fatal(err)
	}
	url := fmt.Sprintf("https://localhost:%d/mcp", port)

	httpClient := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	client := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "1"}, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := client.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: url, HTTPClient: httpClient}, nil)
	if err != nil {
		t.Fatalf("connect over TLS: %v", err)
	}
	defer s.Close()
	var ni struct{ Name string }
	call(t, s, "node_info", nil, &ni)
	if ni.Name != string(node.Name()) {
		t.Fatalf("node_info over TLS: %+v", ni)
	}
}
