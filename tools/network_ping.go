package tools

import (
	"time"

	"ergo.services/ergo/gen"

	"github.com/ergomcp/ergomcp/internal/catalog"
	"github.com/ergomcp/ergomcp/internal/remote"
)

type networkPingArgs struct {
	catalog.Common
	Name  string `json:"name,omitempty" arg:"required" jsonschema:"e.g. shop@host (cluster_nodes lists them)"`
	Count int    `json:"count,omitempty" arg:"min=1,max=20,default=3"`
}

func (a *networkPingArgs) Validate() error {
	return requireNonBlank(a.Name, "name is required: the node to ping, e.g. shop@host (cluster_nodes lists them)")
}

// pingResult reports round trips in milliseconds.
type pingResult struct {
	Node                string
	Count               int
	MinMs, AvgMs, MaxMs float64
	RoundTripsMs        []float64
}

func init() {
	register(catalog.Tool{
		Name:  "network_ping",
		Title: "Ping a peer's ergomcp",
		Description: "Round trips in ms (min/avg/max) from this node's ergomcp to node name's, through the path a proxied call " +
			"takes. Connects if needed.",
		OpenWorld: true,
		// Round trips wait on the peer: run them off the worker pool.
		Long: true,
	}, networkPing)
}

func networkPing(env *Env, args *networkPingArgs) (any, error) {
	target := gen.Atom(args.Name)
	if target == env.Node().Name() {
		return nil, catalog.Errorf("%s is this node: ping a peer", args.Name)
	}
	res := pingResult{Node: args.Name, Count: args.Count}
	var sum float64
	for i := range args.Count {
		deadline, _ := env.Ctx.Deadline()
		req, err := remote.NewRequest("", "", env.Call.Caller, deadline, time.Now())
		if err != nil {
			return nil, catalog.Errorf("ping %s: %v after %d of %d round trips", args.Name, err, i, args.Count)
		}
		start := time.Now()
		if _, err := env.Server.callPeer(env.Ctx, env.Node(), target, req, 0); err != nil {
			return nil, err
		}
		ms := float64(time.Since(start).Microseconds()) / 1000
		res.RoundTripsMs = append(res.RoundTripsMs, ms)
		sum += ms
		if i == 0 || ms < res.MinMs {
			res.MinMs = ms
		}
		res.MaxMs = max(res.MaxMs, ms)
	}
	res.AvgMs = sum / float64(args.Count)
	return res, nil
}
