package transport

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/ergomcp/ergomcp/internal/mcptest"
)

func TestListenServesAndShutsDown(t *testing.T) {
	s, err := Listen("127.0.0.1:0", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, r.URL.Path)
	}), nil)
	if err != nil {
		t.Fatal(err)
	}
	port := s.Addr().(*net.TCPAddr).Port
	if want := fmt.Sprintf("http://127.0.0.1:%d/mcp", port); s.URL("/mcp") != want {
		t.Errorf("URL = %q, want %q", s.URL("/mcp"), want)
	}
	resp, err := http.Get(s.URL("/mcp"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "/mcp" {
		t.Errorf("body = %q", body)
	}

	_, err = Listen(s.Addr().String(), http.NotFoundHandler(), nil)
	if want := fmt.Sprintf("port %d on 127.0.0.1 is already in use", port); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("Listen on a used port: error = %v, want it to say %q", err, want)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	if err := s.Shutdown(ctx); err != nil {
		t.Errorf("second Shutdown: %v", err)
	}
}

func TestListenServerLimits(t *testing.T) {
	s, err := Listen("localhost:0", http.NotFoundHandler(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Shutdown(context.Background())
	if s.srv.ReadHeaderTimeout == 0 || s.srv.IdleTimeout == 0 || s.srv.MaxHeaderBytes == 0 {
		t.Errorf("unbounded server: %+v", s.srv)
	}
}

func TestListenTLS(t *testing.T) {
	if _, err := Listen("127.0.0.1:0", http.NotFoundHandler(), &tls.Config{}); err == nil || !strings.Contains(err.Error(), "no certificate") {
		t.Errorf("TLS config without certificate: error = %v", err)
	}

	// Borrow httptest's self-signed certificate.
	ts := httptest.NewTLSServer(http.NotFoundHandler())
	defer ts.Close()
	s, err := Listen("127.0.0.1:0", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "secure")
	}), ts.TLS)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Shutdown(context.Background())
	if !strings.HasPrefix(s.URL("mcp"), "https://127.0.0.1:") || !strings.HasSuffix(s.URL("mcp"), "/mcp") {
		t.Errorf("URL = %q", s.URL("mcp"))
	}
	resp, err := ts.Client().Get(s.URL("/"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "secure" {
		t.Errorf("body = %q", body)
	}
}

func TestCheckExposure(t *testing.T) {
	for _, tc := range []struct {
		host                    string
		authenticated, insecure bool
		wantErr                 bool
	}{
		{"localhost", false, false, false},
		{"LOCALHOST", false, false, false},
		{"127.0.0.1", false, false, false},
		{"127.1.2.3", false, false, false},
		{"::1", false, false, false},
		{"[::1]", false, false, false},
		{"localhost:9922", false, false, false},
		{"", false, false, true},
		{"0.0.0.0", false, false, true},
		{"::", false, false, true},
		{"10.0.0.5", false, false, true},
		{"node1.example", false, false, true},
		{"localhost.example", false, false, true},
		{"0.0.0.0", true, false, false},
		{"0.0.0.0", false, true, false},
	} {
		err := CheckExposure(tc.host, tc.authenticated, tc.insecure)
		if (err != nil) != tc.wantErr {
			t.Errorf("CheckExposure(%q, %t, %t) = %v, want error %t", tc.host, tc.authenticated, tc.insecure, err, tc.wantErr)
			continue
		}
		if err != nil {
			for _, want := range []string{"Options.Token", "localhost", "Options.InsecureAllowUnauthenticatedRemote"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("CheckExposure(%q) error %q does not mention %s", tc.host, err, want)
				}
			}
		}
	}
}

// TestCloseLeavesNoGoroutines closes a handler with a session, an open SSE
// stream and a call in flight, and checks that everything started for it
// ends: sessions, the running invoker and the HTTP side.
func TestCloseLeavesNoGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	func() {
		inv := newTestInvoker()
		h, err := New(Config{Registry: testRegistry(), Invoker: inv})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(h)
		defer srv.Close()
		transport := &http.Transport{}
		defer transport.CloseIdleConnections()

		client := mcp.NewClient(&mcp.Implementation{Name: "leak-test", Version: "0"}, nil)
		cs, err := client.Connect(context.Background(), &mcp.StreamableClientTransport{
			Endpoint: srv.URL + "/mcp", HTTPClient: &http.Client{Transport: transport}, MaxRetries: -1,
		}, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer cs.Close()
		mcptest.Run(t, cs, "echo", nil)

		errc := make(chan error, 1)
		go func() {
			_, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "slow"})
			errc <- err
		}()
		mcptest.Receive(t, "slow tool start", inv.slowStarted)

		if err := h.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		mcptest.Receive(t, "invoker to see Close", inv.slowSaw)
		mcptest.Receive(t, "in-flight CallTool to end", errc)
		if err := h.Close(); err != nil {
			t.Errorf("second Close: %v", err)
		}
		if status, _, _ := mcptest.Post(t, nil, srv.URL+"/mcp", nil, strings.NewReader(mcptest.InitializeBody)); status != http.StatusServiceUnavailable {
			t.Errorf("initialize after Close: status %d, want 503", status)
		}
	}()

	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines before, %d after Close:\n%s", before, runtime.NumGoroutine(), buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}
