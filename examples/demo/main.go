// Command demo runs an Ergo node with ergomcp on localhost:9922 and a few
// actors doing visible work, so a newcomer can point an MCP client at it:
//
//	go run ./examples/demo
//
// Actors: "demo_ticker" handles its own fast ticks; "demo_producer" sends
// 20 jobs a second to "demo_slow_consumer", which needs 100 ms per job, so
// its mailbox grows by about 10 a second: process_list sort_by=mailbox
// finds it.
//
// -scenario switches on misbehaviours from examples/scenario, one per
// diagnose rule, by name (comma-separated) or all:
//
//	go run ./examples/demo -scenario=stuck,memory
//	go run ./examples/demo -scenario=all
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"ergo.services/ergo"
	"ergo.services/ergo/act"
	"ergo.services/ergo/gen"

	"github.com/ergomcp/ergomcp"
	"github.com/ergomcp/ergomcp/examples/internal/busy"
	"github.com/ergomcp/ergomcp/examples/scenario"
)

func main() {
	host := flag.String("host", "localhost", "MCP listen host")
	port := flag.Uint("port", 9922, "MCP listen port")
	token := flag.String("token", os.Getenv("ERGOMCP_TOKEN"), "bearer token clients must send (default $ERGOMCP_TOKEN; none on localhost)")
	scenarios := flag.String("scenario", "", "misbehaviours to switch on: comma-separated names or all ("+scenarioNames()+")")
	flag.Parse()
	picked, err := selectScenarios(*scenarios)
	if err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(2)
	}
	if err := run(*host, uint16(*port), *token, picked); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

func run(host string, port uint16, token string, picked []scenario.Scenario) error {
	var opts gen.NodeOptions
	opts.Network.Mode = gen.NetworkModeDisabled
	opts.Applications = []gen.ApplicationBehavior{
		ergomcp.CreateApp(ergomcp.Options{Host: host, Port: port, Token: token}),
	}
	node, err := ergo.StartNode("demo@localhost", opts)
	if err != nil {
		return err
	}
	defer node.Stop()
	for name, factory := range map[gen.Atom]gen.ProcessFactory{
		"demo_ticker":        busy.NewTicker(10 * time.Millisecond),
		"demo_slow_consumer": func() gen.ProcessBehavior { return &slowConsumer{} },
		"demo_producer":      func() gen.ProcessBehavior { return &producer{} },
	} {
		if _, err := node.SpawnRegister(name, factory, gen.ProcessOptions{}); err != nil {
			return fmt.Errorf("spawn %s: %w", name, err)
		}
	}

	url := fmt.Sprintf("http://%s:%d/mcp", host, port)
	fmt.Printf("ergomcp demo node %s is running.\n\n", string(node.Name()))
	fmt.Printf("  MCP endpoint:  %s\n", url)
	if token == "" {
		fmt.Printf("  Claude Code:   claude mcp add --transport http ergo %s\n", url)
	} else {
		fmt.Printf("  Claude Code:   claude mcp add --transport http ergo %s --header \"Authorization: Bearer $ERGOMCP_TOKEN\"\n", url)
	}
	fmt.Printf("\nTry: process_list with sort_by=mailbox — demo_slow_consumer's mailbox keeps growing.\n")
	stopScenarios, err := startScenarios(node, picked)
	if err != nil {
		return err
	}
	defer stopScenarios() // before node.Stop (deferred earlier, so run later)
	fmt.Printf("\nCtrl-C stops the node.\n")

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	return nil
}

type tick struct{}

type job struct{ n int }

// producer sends 20 jobs a second to the slow consumer.
type producer struct {
	act.Actor
	sent int
}

func (p *producer) Init(args ...any) error {
	p.SendAfter(p.PID(), tick{}, 50*time.Millisecond)
	return nil
}

func (p *producer) HandleMessage(from gen.PID, message any) error {
	p.sent++
	if err := p.Send(gen.Atom("demo_slow_consumer"), job{p.sent}); err != nil {
		p.Log().Warning("send job: %s", err)
	}
	p.SendAfter(p.PID(), tick{}, 50*time.Millisecond)
	return nil
}

// slowConsumer needs 100 ms a job: it cannot keep up with the producer.
type slowConsumer struct {
	act.Actor
	done int
}

func (c *slowConsumer) HandleMessage(from gen.PID, message any) error {
	time.Sleep(100 * time.Millisecond)
	c.done++
	return nil
}

func (c *slowConsumer) HandleInspect(from gen.PID, item ...string) map[string]string {
	return map[string]string{"jobs_done": fmt.Sprint(c.done)}
}
