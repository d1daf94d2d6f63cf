package transport

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/ergomcp/ergomcp/internal/catalog"
)

// Defaults applied by New to zero Config fields.
const (
	DefaultName            = "ergomcp"
	DefaultVersion         = "dev"
	DefaultPath            = "/mcp"
	DefaultMaxBodyBytes    = 1 << 20 // 1 MiB: tool arguments are small; anything bigger is abuse
	DefaultSessionTimeout  = 30 * time.Minute
	DefaultMaxSessions     = 256
	DefaultBodyTimeout     = 10 * time.Second
	DefaultEventStoreBytes = 8 << 20 // 8 MiB for every session's replayable events together
)

// Config configures the MCP HTTP handler built by New.
type Config struct {
	// Name and Version are the MCP implementation info sent in the
	// initialize result. Zero values: DefaultName and DefaultVersion.
	Name, Version string

	// Path is the only URL path served; every other path gets 404.
	// It must start with "/". Zero value: DefaultPath ("/mcp").
	Path string

	// Token is a static bearer token every request must carry
	// ("Authorization: Bearer <Token>"). It is compared in constant time and
	// the caller is recorded as "token". Zero value: no static token.
	Token string

	// Verifier, when set, checks bearer tokens instead of Token and returns
	// the subject recorded as the caller (an empty subject is recorded as
	// "token"). Any error rejects the request with 401; the error is logged,
	// never sent to the client. Zero value: Token (if any) is used.
	//
	// With neither Token nor Verifier every request is accepted and the
	// caller is "anonymous"; use CheckExposure to keep that to loopback.
	Verifier func(ctx context.Context, token string, r *http.Request) (subject string, err error)

	// AllowedOrigins lists exact Origin header values ("https://app.example")
	// accepted in addition to same-origin requests (Origin host equal to the
	// request Host). Requests without Origin (CLI clients, agents) always
	// pass; any other Origin gets 403, which stops web pages in a browser
	// from driving the node. Zero value: same-origin only.
	AllowedOrigins []string

	// AllowedHosts lists the accepted Host header values; an entry without a
	// port matches any port, an entry with a port matches only that port.
	// Other Hosts get 403. Zero value: any Host is accepted, except that a
	// request arriving on a loopback address must always name a loopback
	// Host (the go-sdk's DNS-rebinding protection, which stays on even when
	// AllowedHosts is set).
	AllowedHosts []string

	// MaxBodyBytes bounds every request body; larger bodies get 413.
	// Zero value: DefaultMaxBodyBytes (1 MiB). Negative is an error.
	MaxBodyBytes int64

	// SessionTimeout closes MCP sessions that received no request for this
	// long. Zero value: DefaultSessionTimeout (30 minutes). Negative is an
	// error.
	SessionTimeout time.Duration

	// MaxSessions caps concurrent MCP sessions. When the table is full a new
	// session closes the least recently used idle one (no request being
	// served, no stream open), whose next request gets 404; only when every
	// session is busy does initialize fail, with an error naming the limit.
	// Zero value: DefaultMaxSessions (256). Negative is an error.
	MaxSessions int

	// BodyTimeout bounds the time a client has to send one request body;
	// a slower body fails the request and closes its connection. Zero
	// value: DefaultBodyTimeout (10 s). Negative is an error.
	BodyTimeout time.Duration

	// EventStoreBytes bounds the memory of the event store that makes SSE
	// streams resumable (a client that reconnects with Last-Event-ID gets
	// what it missed); the oldest events go first. Zero value:
	// DefaultEventStoreBytes (8 MiB). Negative is an error.
	EventStoreBytes int

	// MaxConnections caps the open HTTP connections of a Server started by
	// Listen with this Handler; connections beyond it are closed at once.
	// Zero value: 4 × MaxSessions (each session may hold a stream and a
	// call or two, and connections outlive sessions until idle). Negative
	// is an error.
	MaxConnections int

	// Registry holds the tools. Required.
	Registry *catalog.Registry
	// Instructions is the initialize result's instructions: how to use the
	// server, said once for every tool. Zero value: none.
	Instructions string

	// Prompts are served by prompts/list and prompts/get; none when nil.
	Prompts []catalog.Prompt

	// Policy is what tools/list shows: the tools Policy.Visible allows. It
	// is the Invoker that refuses a call (catalog.Result.Refused), on the
	// node that runs the tool. Zero value: read-only tools only.
	Policy catalog.Policy

	// Invoker runs tool calls. Required.
	Invoker catalog.Invoker

	// Audit, when set, is called exactly once per tools/call for a
	// registered tool, whatever the outcome. It runs on the request path, so
	// it should be quick. Zero value: no audit.
	Audit func(catalog.AuditRecord)

	// Logger receives diagnostics (rejected tokens with the remote address,
	// never the token; invoker panics; refused sessions; go-sdk messages).
	// Rejections and panics are rate-limited to one line per second each.
	// Zero value: nothing is logged.
	Logger *slog.Logger
}

// withDefaults returns a copy of c with zero fields defaulted, or an error
// listing every invalid field.
func (c Config) withDefaults() (Config, error) {
	var bad []string // every problem at once: fixing config one error per run is tedious
	if c.Registry == nil {
		bad = append(bad, "Config.Registry is nil")
	}
	if c.Invoker == nil {
		bad = append(bad, "Config.Invoker is nil")
	}
	if c.Path != "" && !strings.HasPrefix(c.Path, "/") {
		bad = append(bad, fmt.Sprintf("Config.Path %q must start with \"/\"", c.Path))
	}
	if c.MaxBodyBytes < 0 {
		bad = append(bad, fmt.Sprintf("Config.MaxBodyBytes is negative (%d)", c.MaxBodyBytes))
	}
	if c.SessionTimeout < 0 {
		bad = append(bad, fmt.Sprintf("Config.SessionTimeout is negative (%s)", c.SessionTimeout))
	}
	if c.MaxSessions < 0 {
		bad = append(bad, fmt.Sprintf("Config.MaxSessions is negative (%d)", c.MaxSessions))
	}
	if c.BodyTimeout < 0 {
		bad = append(bad, fmt.Sprintf("Config.BodyTimeout is negative (%s)", c.BodyTimeout))
	}
	if c.EventStoreBytes < 0 {
		bad = append(bad, fmt.Sprintf("Config.EventStoreBytes is negative (%d)", c.EventStoreBytes))
	}
	if c.MaxConnections < 0 {
		bad = append(bad, fmt.Sprintf("Config.MaxConnections is negative (%d)", c.MaxConnections))
	}
	for _, o := range c.AllowedOrigins {
		if err := checkOrigin(o); err != nil {
			bad = append(bad, "Config.AllowedOrigins: "+err.Error())
		}
	}
	for _, h := range c.AllowedHosts {
		if h == "" || strings.ContainsAny(h, "/ ") {
			bad = append(bad, fmt.Sprintf("Config.AllowedHosts: %q is not a host or host:port", h))
		}
	}
	if len(bad) > 0 {
		return c, fmt.Errorf("transport: invalid config: %s", strings.Join(bad, "; "))
	}

	setDefault(&c.Name, DefaultName)
	setDefault(&c.Version, DefaultVersion)
	setDefault(&c.Path, DefaultPath)
	setDefault(&c.MaxBodyBytes, DefaultMaxBodyBytes)
	setDefault(&c.SessionTimeout, DefaultSessionTimeout)
	setDefault(&c.MaxSessions, DefaultMaxSessions)
	setDefault(&c.BodyTimeout, DefaultBodyTimeout)
	setDefault(&c.EventStoreBytes, DefaultEventStoreBytes)
	setDefault(&c.MaxConnections, 4*c.MaxSessions)
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c, nil
}

func setDefault[T comparable](field *T, def T) {
	var zero T
	if *field == zero {
		*field = def
	}
}

// checkOrigin accepts what browsers send in Origin: scheme://host[:port],
// nothing more, so that a typo like a trailing slash fails at New instead of
// silently never matching.
func checkOrigin(o string) error {
	u, err := url.Parse(o)
	if err != nil || u.Scheme == "" || u.Host == "" || u.Path != "" || u.RawQuery != "" || u.User != nil {
		return fmt.Errorf("%q is not an origin (want scheme://host[:port])", o)
	}
	return nil
}
