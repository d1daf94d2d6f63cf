// Command cluster runs three Ergo nodes on loopback in one process: an
// entry point that serves MCP on localhost:9922 and two agent-mode nodes
// (ergomcp without HTTP). One MCP endpoint then reaches all three: pass
// node=<name> to any tool.
//
//	go run ./examples/cluster
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"ergo.services/ergo"
	"ergo.services/ergo/gen"

	"github.com/ergomcp/ergomcp"
	"github.com/ergomcp/ergomcp/examples/internal/busy"
)

func main() {
	port := flag.Uint("port", 9922, "MCP port of the entry node")
	flag.Parse()
	if err := run(uint16(*port)); err != nil {
		fmt.Fprintln(os.Stderr, "cluster:", err)
		os.Exit(1)
	}
}

func run(port uint16) error {
	// The nodes share a random cookie: only they can talk to each other.
	secret := make([]byte, 16)
	if _, err := rand.Read(secret); err != nil {
		return err
	}
	cookie := hex.EncodeToString(secret)

	entry, err := start("entry@localhost", cookie, ergomcp.Options{Port: port})
	if err != nil {
		return err
	}
	defer entry.Stop()
	var agents []gen.Node
	for _, name := range []gen.Atom{"agent1@localhost", "agent2@localhost"} {
		node, err := start(name, cookie, ergomcp.Options{}) // Port 0: agent mode
		if err != nil {
			return err
		}
		defer node.Stop()
		// Connect now so that cluster_nodes lists the agents at once.
		if _, err := entry.Network().GetNode(name); err != nil {
			return fmt.Errorf("connecting %s: %w", name, err)
		}
		agents = append(agents, node)
	}

	url := fmt.Sprintf("http://localhost:%d/mcp", port)
	fmt.Printf("ergomcp cluster example: 3 nodes on loopback.\n\n")
	fmt.Printf("  MCP endpoint:  %s (served by %s)\n", url, string(entry.Name()))
	for _, a := range agents {
		fmt.Printf("  agent node:    %s (ergomcp in agent mode, no HTTP)\n", string(a.Name()))
	}
	fmt.Printf("  Claude Code:   claude mcp add --transport http ergo %s\n\n", url)
	fmt.Printf("Try: cluster_nodes; process_list node=agent1@localhost sort_by=messages_in; network_ping name=agent2@localhost.\nCtrl-C stops the nodes.\n")

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	return nil
}

func start(name gen.Atom, cookie string, opts ergomcp.Options) (gen.Node, error) {
	var no gen.NodeOptions
	no.Network.Cookie = cookie
	no.Applications = []gen.ApplicationBehavior{ergomcp.CreateApp(opts)}
	node, err := ergo.StartNode(name, no)
	if err != nil {
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	// A little visible work on every node.
	if _, err := node.SpawnRegister("worker", busy.NewTicker(100*time.Millisecond), gen.ProcessOptions{}); err != nil {
		node.Stop()
		return nil, err
	}
	return node, nil
}
