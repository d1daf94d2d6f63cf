package tools

import (
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"

	"ergo.services/ergo/gen"

	"github.com/ergomcp/ergomcp/internal/catalog"
	"github.com/ergomcp/ergomcp/internal/record"
	"github.com/ergomcp/ergomcp/internal/redact"
)

type networkConnectRouteArgs struct {
	catalog.Common
	PeerArg
	Host string `json:"host,omitempty" jsonschema:"host or IP address of the peer's acceptor (default: the host part of name)"`
	Port int    `json:"port,omitempty" arg:"required,min=1,max=65535" jsonschema:"TCP port of the peer's acceptor (network_acceptors on the peer shows it)"`
	TLS  bool   `json:"tls,omitempty" jsonschema:"connect with TLS (the peer's acceptor must use TLS)"`
	// Cookie is a secret: it goes to ergo's handshake and nowhere else.
	Cookie             string `json:"cookie,omitempty" jsonschema:"the peer's cookie, when it differs from this node's (default: this node's cookie); never echoed or logged"`
	InsecureSkipVerify bool   `json:"insecure_skip_verify,omitempty" jsonschema:"with tls: do not verify the peer's certificate (ergo 3.1/3.2 use the node's own NetworkOptions.InsecureSkipVerify instead)"`
}

// Validate checks name and fills host.
func (a *networkConnectRouteArgs) Validate() error {
	if err := a.PeerArg.Validate(); err != nil {
		return err
	}
	a.Host = strings.TrimSpace(a.Host)
	if a.Host == "" {
		_, a.Host, _ = strings.Cut(a.Name, "@")
	}
	return nil
}

func init() {
	register(catalog.Tool{
		Name:       "network_connect_route",
		Title:      "Connect to a node at an address",
		Kind:       catalog.Mutating,
		Idempotent: true,
		OpenWorld:  true,
		Description: "Connects this node to node name at an explicit address (host, port, tls), bypassing the " +
			"registrar: for peers the registrar does not know or resolves wrongly. cookie authenticates when the " +
			"peer's cookie differs from this node's; it is never echoed in results, errors or logs. Returns the " +
			"peer's gen.RemoteNodeInfo with AlreadyConnected (true when a connection existed and nothing was done: " +
			"network_disconnect first to reconnect by this route) and Route. A rejected handshake usually means a " +
			"wrong cookie or TLS setting. Mutating: refused unless the operator set Options.EnableActions.",
	}, networkConnectRoute)
}

// routeShown is the route as the result repeats it: everything but the cookie.
type routeShown struct {
	Host               string
	Port               int
	TLS                bool
	CustomCookie       bool
	InsecureSkipVerify bool
}

func networkConnectRoute(env *Env, args *networkConnectRouteArgs) (any, error) {
	route := gen.NetworkRoute{
		Route:              gen.Route{Host: args.Host, Port: uint16(args.Port), TLS: args.TLS},
		Cookie:             args.Cookie,
		InsecureSkipVerify: args.InsecureSkipVerify,
	}
	addr := net.JoinHostPort(args.Host, strconv.Itoa(args.Port))
	shown := routeShown{Host: args.Host, Port: args.Port, TLS: args.TLS, CustomCookie: args.Cookie != "", InsecureSkipVerify: args.InsecureSkipVerify}
	return env.connectPeer(args.Name, " at "+addr, func(n gen.Network) (gen.RemoteNode, error) {
		return n.GetNodeWithRoute(gen.Atom(args.Name), route)
	}, func(err error) error {
		return routeError(env, args, addr, err)
	}, record.Field{Name: "Route", Value: shown})
}

// routeError explains a failed connection by route without the cookie:
// ergo's errors do not carry it today, but they are scrubbed anyway, since
// a leak would be invisible until it happened.
func routeError(env *Env, args *networkConnectRouteArgs, addr string, err error) error {
	var ce *catalog.Error
	var msg string
	switch {
	case errors.As(err, &ce):
		msg = ce.Error()
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), strings.Contains(err.Error(), "digest"):
		msg = fmt.Sprintf("connecting to %s at %s: the handshake failed (%v): the peer rejected this node, most "+
			"likely for a wrong cookie, or tls does not match its acceptor", args.Name, addr, err)
	default:
		msg = fmt.Sprintf("connecting to %s at %s (tls %v): %v", args.Name, addr, args.TLS, err)
	}
	return catalog.Errorf("%s", scrubSecrets(msg, cookiesOf(env, args)...))
}

// cookiesOf lists the cookies that may be at play in a connection by route:
// the one passed and this node's own.
func cookiesOf(env *Env, args *networkConnectRouteArgs) []string {
	cookies := []string{args.Cookie}
	if net := env.Node().Network(); net != nil {
		cookies = append(cookies, net.Cookie())
	}
	return cookies
}

// scrubSecrets replaces every occurrence of each non-empty secret in text.
func scrubSecrets(text string, secrets ...string) string {
	for _, s := range secrets {
		if s != "" {
			text = strings.ReplaceAll(text, s, redact.Mask)
		}
	}
	return text
}
