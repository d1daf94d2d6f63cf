package ergomcp_test

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"

	"ergo.services/ergo"
	"ergo.services/ergo/gen"
	"ergo.services/ergo/net/registrar"

	"github.com/ergomcp/ergomcp"
	"github.com/ergomcp/ergomcp/internal/mcptest"
	"github.com/ergomcp/ergomcp/internal/testnode"
)

// A node in a process of its own, for faults a node inside the test
// binary cannot have: killed with SIGKILL, stopped with SIGSTOP. The test
// binary runs itself with childNodeEnv set and becomes that node.
const (
	childNodeEnv      = "ERGOMCP_TEST_CHILD_NODE"
	childRegistrarEnv = "ERGOMCP_TEST_CHILD_REGISTRAR"
	childCookieEnv    = "ERGOMCP_TEST_CHILD_COOKIE"
	childPortEnv      = "ERGOMCP_TEST_CHILD_PORT"
	childEntryEnv     = "ERGOMCP_TEST_CHILD_ENTRY"
)

func TestMain(m *testing.M) {
	if name := os.Getenv(childNodeEnv); name != "" {
		os.Exit(runChildNode(name))
	}
	os.Exit(m.Run())
}

// runChildNode starts the node with ergomcp in agent mode, connects it to
// the entry, says "ready" and runs until its stdin closes: a child never
// outlives the test that started it.
func runChildNode(name string) int {
	regPort, _ := strconv.Atoi(os.Getenv(childRegistrarEnv))
	port, _ := strconv.Atoi(os.Getenv(childPortEnv))
	var no gen.NodeOptions
	no.Network.Mode = gen.NetworkModeEnabled
	no.Network.Cookie = os.Getenv(childCookieEnv)
	no.Network.Registrar = registrar.Create(registrar.Options{Port: uint16(regPort)})
	no.Network.Acceptors = []gen.AcceptorOptions{{Host: "localhost", Port: uint16(port)}}
	no.Log.DefaultLogger.Disable = true
	no.Applications = []gen.ApplicationBehavior{ergomcp.CreateApp(ergomcp.Options{})}
	node, err := ergo.StartNode(gen.Atom(name), no)
	if err != nil {
		fmt.Println("start:", err)
		return 1
	}
	entry := gen.Atom(os.Getenv(childEntryEnv))
	for i := 0; ; i++ {
		if _, err = node.Network().GetNode(entry); err == nil {
			break
		}
		if i == 50 {
			fmt.Println("connect:", err)
			return 1
		}
		time.Sleep(100 * time.Millisecond)
	}
	fmt.Println("ready")
	io.Copy(io.Discard, os.Stdin)
	node.StopForce()
	return 0
}

// child is a node in its own process.
type child struct {
	t     testing.TB
	name  string
	entry gen.Node
	cmd   *exec.Cmd
	stdin io.WriteCloser
}

// startChild starts a node named prefix<pid>_<n>@localhost in a process of
// its own, connected to entry, which must run this binary's registrar.
func startChild(t testing.TB, prefix string, entry gen.Node) *child {
	t.Helper()
	c := &child{t: t, name: string(testnode.Name(prefix)), entry: entry}
	c.start()
	t.Cleanup(c.kill)
	return c
}

func (c *child) start() {
	c.t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(),
		childNodeEnv+"="+c.name,
		childRegistrarEnv+"="+strconv.Itoa(int(testnode.RegistrarPort())),
		childCookieEnv+"="+testnode.Cookie(),
		childPortEnv+"="+strconv.Itoa(int(mcptest.FreePort(c.t))),
		childEntryEnv+"="+string(c.entry.Name()))
	stdin, err := cmd.StdinPipe()
	if err != nil {
		c.t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		c.t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	c.cmd, c.stdin = cmd, stdin
	ready := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadString('\n')
		ready <- line
		io.Copy(io.Discard, out)
	}()
	select {
	case line := <-ready:
		if line != "ready\n" {
			c.kill()
			c.t.Fatalf("child node %s: %q", c.name, line)
		}
	case <-time.After(30 * time.Second):
		c.kill()
		c.t.Fatalf("child node %s did not start", c.name)
	}
}

// hang stops the process (SIGSTOP): its connections stay open, nothing
// answers. cont resumes it.
func (c *child) hang() { c.signal(syscall.SIGSTOP) }
func (c *child) cont() { c.signal(syscall.SIGCONT) }

func (c *child) signal(s syscall.Signal) {
	if c.cmd != nil && c.cmd.Process != nil {
		c.cmd.Process.Signal(s)
	}
}

// kill ends the process at once (SIGKILL) and waits for it; safe to call
// again. A stopped process is resumed first so that nothing is left.
func (c *child) kill() {
	if c.cmd == nil {
		return
	}
	c.cont()
	c.cmd.Process.Kill()
	c.stdin.Close()
	c.cmd.Wait()
	c.cmd = nil
}

// restart kills the node and starts it again under the same name: a new
// incarnation, a new connection.
func (c *child) restart() {
	c.kill()
	c.start()
}
