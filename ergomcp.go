// Package ergomcp puts an MCP (Model Context Protocol) server inside a
// running Ergo node, so that an AI agent or an SRE can look inside it live:
// processes and mailboxes, applications, the Go runtime and more.
//
// Add the application to a node:
//
//	node, err := ergo.StartNode("shop@localhost", gen.NodeOptions{
//	    Applications: []gen.ApplicationBehavior{
//	        ergomcp.CreateApp(ergomcp.Options{Port: 9922}),
//	    },
//	})
//
// and point an MCP client at http://localhost:9922/mcp. Or place Member(opts)
// in an application of your own. ergomcp compiles against ergo 3.1 and runs
// on 3.1, 3.2 and (with -tags=ergo33) 3.3; build with -tags=pprof,latency to
// let it see goroutine labels and mailbox latency where the ergo has them.
package ergomcp

import (
	"fmt"
	"net"
	"strconv"
	"time"

	"ergo.services/ergo/gen"

	"github.com/ergomcp/ergomcp/actors"
	"github.com/ergomcp/ergomcp/internal/catalog"
	"github.com/ergomcp/ergomcp/internal/history"
	"github.com/ergomcp/ergomcp/internal/logcount"
	"github.com/ergomcp/ergomcp/internal/result"
	"github.com/ergomcp/ergomcp/sampler"
	"github.com/ergomcp/ergomcp/transport"
)

// Version of ergomcp, reported to MCP clients and in the application spec.
const Version = "0.1.0"

// AppName is the name of the application CreateApp returns.
const AppName gen.Atom = "ergomcp"

// Defaults and ceilings of Options; see the field docs.
const (
	DefaultHost        = "localhost"
	DefaultPath        = "/mcp"
	DefaultPoolSize    = 8
	DefaultMaxSessions = 256
	DefaultSessionIdle = 30 * time.Minute
)

// Member returns ergomcp's supervisor as an application member. Use it to
// run ergomcp inside an application of your own; it works unchanged on
// every ergo version. Invalid options make the supervisor fail to start
// with an error that says what to fix.
func Member(opts Options) gen.ApplicationMemberSpec {
	cfg, err := opts.config()
	if err != nil {
		return actors.Failed(err)
	}
	return actors.Member(cfg)
}

func spec(opts Options) (gen.ApplicationSpec, error) {
	cfg, err := opts.config()
	if err != nil {
		return gen.ApplicationSpec{}, err
	}
	return gen.ApplicationSpec{
		Name:        AppName,
		Description: "MCP server for live diagnostics of this node",
		Version:     gen.Version{Name: string(AppName), Release: Version, License: "MIT"},
		Group:       []gen.ApplicationMemberSpec{actors.Member(cfg)},
		// A crashed diagnostics tool must never take the node down.
		Mode:     gen.ApplicationModeTemporary,
		LogLevel: opts.LogLevel,
	}, nil
}

// config validates opts and fills the defaults.
func (o Options) config() (*actors.Config, error) {
	host := o.Host
	if host == "" {
		host = DefaultHost
	}
	path := o.Path
	if path == "" {
		path = DefaultPath
	}
	if path[0] != '/' {
		return nil, fmt.Errorf("ergomcp: Options.Path %q must start with /", path)
	}
	pool := o.PoolSize
	switch {
	case pool == 0:
		pool = DefaultPoolSize
	case pool < 0 || pool > actors.MaxPoolSize:
		return nil, fmt.Errorf("ergomcp: Options.PoolSize %d out of range 1..%d", pool, actors.MaxPoolSize)
	}
	budget := o.ResponseBudget
	switch {
	case budget == 0:
		budget = result.DefaultBudget
	case budget < 1024 || budget > result.MaxBudget:
		return nil, fmt.Errorf("ergomcp: Options.ResponseBudget %d out of range 1024..%d bytes", budget, result.MaxBudget)
	}
	sessions := o.MaxSessions
	switch {
	case sessions == 0:
		sessions = DefaultMaxSessions
	case sessions < 0:
		return nil, fmt.Errorf("ergomcp: Options.MaxSessions %d must be positive", sessions)
	}
	idle := o.SessionTimeout
	switch {
	case idle == 0:
		idle = DefaultSessionIdle
	case idle < 0:
		return nil, fmt.Errorf("ergomcp: Options.SessionTimeout %s must be positive", idle)
	}
	samplers, err := o.samplerLimits(budget)
	if err != nil {
		return nil, err
	}
	reg, err := o.registry()
	if err != nil {
		return nil, err
	}
	logs := logcount.New()
	var hist *history.Store
	if !o.DisableHistory {
		hc, err := history.Config{Interval: o.HistoryInterval, Full: o.HistoryFull,
			CoarseStep: o.HistoryCoarseStep, Retention: o.HistoryRetention}.Normalize()
		if err != nil {
			return nil, err
		}
		hist = history.New(hc, logs)
	}
	cfg := &actors.Config{
		History:      hist,
		Logs:         logs,
		Tools:        reg,
		Listen:       o.Port != 0,
		Addr:         net.JoinHostPort(host, strconv.Itoa(int(o.Port))),
		PoolSize:     pool,
		RefuseRemote: o.RefuseRemoteCalls,
		Policy:       catalog.Policy{EnableActions: o.EnableActions, Allow: o.AllowTools, Deny: o.DenyTools},
		Budget:       budget,
		LogLevel:     o.LogLevel,
		Samplers:     samplers,
		HTTP: transport.Config{
			Name:           string(AppName),
			Version:        Version,
			Path:           path,
			Token:          o.Token,
			Verifier:       o.TokenVerifier,
			AllowedOrigins: o.AllowedOrigins,
			AllowedHosts:   o.AllowedHosts,
			MaxSessions:    sessions,
			SessionTimeout: idle,
		},
	}
	if cfg.Listen {
		authenticated := o.Token != "" || o.TokenVerifier != nil
		if err := transport.CheckExposure(host, authenticated, o.InsecureAllowUnauthenticatedRemote); err != nil {
			return nil, err
		}
	}
	if o.CertManager != nil {
		cfg.TLS = tlsConfig(o.CertManager)
	}
	return cfg, nil
}

// samplerLimits validates the sampler options and fills their defaults.
func (o Options) samplerLimits(budget int) (sampler.Limits, error) {
	l := sampler.Limits{ReadBudget: budget}
	var err error
	if l.MaxSamplers, err = sizeOption("MaxSamplers", o.MaxSamplers, sampler.DefaultMaxSamplers, 1, sampler.MaxMaxSamplers); err != nil {
		return l, err
	}
	if l.SamplerBytes, err = sizeOption("SamplerBytes", o.SamplerBytes, sampler.DefaultSamplerBytes, sampler.MinSamplerBytes, sampler.MaxSamplerBytes); err != nil {
		return l, err
	}
	total := max(sampler.DefaultTotalBytes, l.SamplerBytes) // a default never refuses the one sampler SamplerBytes allows
	if l.TotalBytes, err = sizeOption("SamplerMemory", o.SamplerMemory, total, l.SamplerBytes, sampler.MaxTotalBytes); err != nil {
		return l, err
	}
	return l, nil
}

// sizeOption applies def to a zero v and checks lo..hi.
func sizeOption(name string, v, def, lo, hi int) (int, error) {
	switch {
	case v == 0:
		return def, nil
	case v < lo || v > hi:
		return 0, fmt.Errorf("ergomcp: Options.%s %d out of range %d..%d", name, v, lo, hi)
	}
	return v, nil
}
