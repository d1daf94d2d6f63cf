package transport

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Bounds on what one client can hold on the server. There is no read or
// write timeout: SSE responses legitimately stay open for a session's life;
// the body is bounded by Config.MaxBodyBytes and Config.BodyTimeout instead,
// and the number of connections by Config.MaxConnections.
const (
	readHeaderTimeout = 10 * time.Second
	idleTimeout       = 2 * time.Minute
	maxHeaderBytes    = 64 << 10
)

// Server is an HTTP(S) server started by Listen.
type Server struct {
	srv    *http.Server
	ln     net.Listener
	tls    bool
	served chan struct{} // closed when Serve has returned
	err    error         // Serve's error, read after served is closed
}

// Listen listens on addr ("host:port"; port 0 picks a free one) and serves h
// in the background until Shutdown. With a non-nil tlsConfig, which must
// carry a certificate, it serves HTTPS (and HTTP/2). A port already taken is
// reported plainly, since that is the usual reason a node's MCP endpoint
// fails to start.
func Listen(addr string, h http.Handler, tlsConfig *tls.Config) (*Server, error) {
	if tlsConfig != nil && len(tlsConfig.Certificates) == 0 && tlsConfig.GetCertificate == nil && tlsConfig.GetConfigForClient == nil {
		// ServeTLS would fail only in the background; say so now.
		return nil, errors.New("transport: TLS config has no certificate (set Certificates or GetCertificate)")
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, listenError(addr, err)
	}
	if hh, ok := h.(*Handler); ok {
		ln = limitConns(ln, hh.cfg.MaxConnections)
	}
	s := &Server{
		srv: &http.Server{
			Handler:           h,
			ReadHeaderTimeout: readHeaderTimeout,
			IdleTimeout:       idleTimeout,
			MaxHeaderBytes:    maxHeaderBytes,
		},
		ln:     ln,
		tls:    tlsConfig != nil,
		served: make(chan struct{}),
	}
	if s.tls {
		s.srv.TLSConfig = tlsConfig.Clone() // ServeTLS adds ALPN protocols to it
	}
	go func() {
		defer close(s.served)
		if s.tls {
			s.err = s.srv.ServeTLS(ln, "", "")
		} else {
			s.err = s.srv.Serve(ln)
		}
	}()
	return s, nil
}

func listenError(addr string, err error) error {
	if !errors.Is(err, syscall.EADDRINUSE) {
		return fmt.Errorf("transport: listen on %s: %w", addr, err)
	}
	host, port, splitErr := net.SplitHostPort(addr)
	if splitErr != nil {
		return fmt.Errorf("transport: %s is already in use: %w", addr, err)
	}
	return fmt.Errorf("transport: port %s on %s is already in use; stop the program using it or choose another port: %w", port, describeHost(host), err)
}

// Addr is the address the server listens on, with the actual port when
// Listen was given port 0.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// URL is the address clients use for path, e.g. "http://127.0.0.1:9922/mcp"
// ("https" with TLS). A server listening on all interfaces is shown as
// "localhost", which works from the node's own machine.
func (s *Server) URL(path string) string {
	scheme := "http"
	if s.tls {
		scheme = "https"
	}
	host, port, err := net.SplitHostPort(s.ln.Addr().String())
	if err != nil {
		host, port = s.ln.Addr().String(), ""
	}
	if ip, err := netip.ParseAddr(host); err == nil && ip.IsUnspecified() {
		host = "localhost"
	}
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	return scheme + "://" + net.JoinHostPort(host, port) + path
}

// Shutdown stops accepting connections and waits for active requests until
// ctx is done, then closes whatever is left: SSE streams never go idle, so
// close the Handler first for a clean exit. The error reports a forced
// close or a failure of the server itself; a normal stop returns nil.
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.srv.Shutdown(ctx)
	if err != nil {
		err = errors.Join(fmt.Errorf("transport: graceful shutdown: %w", err), s.srv.Close())
	}
	<-s.served
	if !errors.Is(s.err, http.ErrServerClosed) {
		err = errors.Join(err, fmt.Errorf("transport: serve: %w", s.err))
	}
	return err
}

// CheckExposure refuses serving without authentication where other machines
// can connect: it returns an error when host is not loopback, authenticated
// is false and allowUnauthenticated is false. "localhost", 127.0.0.0/8 and
// ::1 are loopback; "", "0.0.0.0", "::" and every other name or address are
// not, since a name may resolve anywhere. host may carry a port.
func CheckExposure(host string, authenticated, allowUnauthenticated bool) error {
	if authenticated || allowUnauthenticated || isLoopback(host) {
		return nil
	}
	return fmt.Errorf("transport: refusing to serve MCP without authentication on %s, which other machines can reach: "+
		"set Options.Token, or bind to localhost (e.g. \"localhost:9922\"); "+
		"to accept unauthenticated remote access anyway, set Options.InsecureAllowUnauthenticatedRemote", describeHost(host))
}

func isLoopback(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

func describeHost(host string) string {
	if host == "" {
		return "all interfaces"
	}
	name := host // CheckExposure's host may carry a port, as isLoopback allows
	if h, _, err := net.SplitHostPort(host); err == nil {
		name = h
	}
	if ip, err := netip.ParseAddr(strings.Trim(name, "[]")); name == "" || err == nil && ip.IsUnspecified() {
		return host + " (all interfaces)"
	}
	return host
}

// limitConns closes connections accepted beyond max open ones at once: a
// client opening connections and never finishing a request must not
// exhaust the node's goroutines and file descriptors. Closing, rather than
// leaving them in the kernel's backlog, tells the client now.
func limitConns(ln net.Listener, max int) net.Listener {
	return &connLimit{Listener: ln, slots: make(chan struct{}, max)}
}

type connLimit struct {
	net.Listener
	slots chan struct{}
}

func (l *connLimit) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		select {
		case l.slots <- struct{}{}:
			return &limitedConn{Conn: c, free: func() { <-l.slots }}, nil
		default:
			c.Close()
		}
	}
}

type limitedConn struct {
	net.Conn
	once sync.Once
	free func()
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.free)
	return err
}
