package actors

import (
	"context"
	"time"

	"ergo.services/ergo/gen"

	"github.com/ergomcp/ergomcp/tools"
)

// The peer watch: every watchEvery a goroutine of the dispatcher looks at
// the connected nodes for the peer memory (tools.Server.Peers) and pings, at most once
// at a time each, those not pinged for pingEvery, waiting pingWait: a
// peer that is connected but does not answer (stopped, wedged) is told
// from a healthy one only by a ping, and a peer restarted between two
// looks only by its connection uptime going back.
const (
	watchEvery = time.Second
	pingEvery  = 2 * time.Second
	pingWait   = 2 * time.Second
)

// watchPeers looks at the peers every watchEvery until ctx ends or the
// node stops. It is a goroutine, not timer messages to the dispatcher:
// it needs no process (the pings spawn hops) and leaves the dispatcher's
// mailbox to calls.
func watchPeers(ctx context.Context, node gen.Node, rt *tools.Server) {
	tick := time.NewTicker(watchEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if !node.IsAlive() {
			return
		}
		rt.Observe(node)
		now := time.Now()
		for _, n := range rt.Peers.All() {
			if !n.Connected || now.Sub(n.LastPing.At) < pingEvery || !rt.Peers.PingStart(n.Name, now) {
				continue
			}
			go rt.Ping(ctx, node, gen.Atom(n.Name), pingWait)
		}
	}
}
