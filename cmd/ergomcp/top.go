package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/term"
)

// ergomcp top is observer_cli for Ergo: a full-screen, refreshing view of
// the busiest processes, made of the same tool calls an agent makes
// (process_top, runtime_stats, node_info, node_history,
// process_info/process_inspect), so a person and an agent read the same
// numbers.

// topConfig holds top's own flags.
type topConfig struct {
	interval, window time.Duration
	sortBy           string
	limit            int
	cluster          bool
}

// Window bounds are process_top's own (window_ms 100..30000).
const (
	minWindow = 100 * time.Millisecond
	maxWindow = 30 * time.Second
)

// topFlags are the flags only top reads.
var topFlags = []string{"interval", "window", "sort", "limit", "cluster"}

// misused names a top flag given to another command, which would ignore
// it without a word.
func misused(fs *flag.FlagSet, command string) string {
	if command == "top" {
		return ""
	}
	name := ""
	fs.Visit(func(f *flag.Flag) {
		if name == "" && slices.Contains(topFlags, f.Name) {
			name = f.Name
		}
	})
	return name
}

func (c *topConfig) flags(fs *flag.FlagSet) {
	fs.DurationVar(&c.interval, "interval", 2*time.Second, "top: refresh every `duration`")
	fs.DurationVar(&c.window, "window", 0, "top: process_top's measuring window, below --interval (default half the interval, at most 30s)")
	fs.StringVar(&c.sortBy, "sort", "cpu", "top: first sort key: "+sortNames())
	fs.IntVar(&c.limit, "limit", 0, "top: processes to ask for (default: twice what the screen shows; 20 when not a terminal)")
	fs.BoolVar(&c.cluster, "cluster", false, "top: start in the cluster view (one row per node)")
}

func sortNames() string {
	names := make([]string, len(sortKeys))
	for i, k := range sortKeys {
		names[i] = k.name
	}
	return strings.Join(names, ", ")
}

// check validates the flags and fills the window's default. A window as
// long as the interval would leave the node no rest between two
// refreshes' table scans, and a refresh could not keep its pace.
func (c *topConfig) check() error {
	if c.interval < 2*minWindow {
		return usagef("--interval must be at least %s, got %s", 2*minWindow, c.interval)
	}
	if c.window == 0 {
		c.window = min(c.interval/2, maxWindow)
	}
	if c.window < minWindow || c.window > maxWindow {
		return usagef("--window must be between %s and %s, got %s", minWindow, maxWindow, c.window)
	}
	if c.window >= c.interval {
		return usagef("--window (%s) must be shorter than --interval (%s): each refresh waits one window", c.window, c.interval)
	}
	if sortIndex(c.sortBy) < 0 {
		return usagef("--sort must be one of %s, got %q", sortNames(), c.sortBy)
	}
	if c.limit < 0 || c.limit > maxLimit {
		return usagef("--limit must be between 1 and %d, got %d", maxLimit, c.limit)
	}
	return nil
}

// isTerminal: the view needs a terminal on both sides (keys in, screen
// out); anything else gets one snapshot as text.
func isTerminal(stdout io.Writer) bool {
	f, ok := stdout.(*os.File)
	return ok && term.IsTerminal(f.Fd()) && term.IsTerminal(os.Stdin.Fd())
}

func runTop(ctx context.Context, cfg config, stdout, stderr io.Writer) int {
	if len(cfg.args) > 0 {
		return usageError(stderr, "top takes no arguments, got %q (flags: --interval, --window, --sort, --limit, --cluster, --node)", cfg.args)
	}
	if cfg.json {
		return usageError(stderr, "top shows tables; --json is for call (ergomcp call process_top --json)")
	}
	if err := cfg.top.check(); err != nil {
		return report(ctx, cfg, err, stderr)
	}
	src := newTopSource(cfg)
	defer src.close()
	// Calls still running when the view quits end before the session
	// closes (deferred calls run last first).
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	m := newTopModel(ctx, src, cfg.top, cfg.node)
	if !isTerminal(stdout) {
		return topSnapshot(ctx, cfg, m, stdout, stderr)
	}
	p := tea.NewProgram(m, tea.WithContext(ctx), tea.WithOutput(stdout))
	_, err := p.Run()
	if err != nil && !errors.Is(err, tea.ErrProgramKilled) && !errors.Is(err, tea.ErrInterrupted) {
		fmt.Fprintf(stderr, "ergomcp: top: %v\n", err)
		return exitConnection
	}
	if ctx.Err() != nil { // SIGINT from outside: the program was killed
		return exitInterrupted
	}
	return exitOK
}

// topSnapshot prints one refresh as text, for a pipe, a file or a
// script.
func topSnapshot(ctx context.Context, cfg config, m *topModel, stdout, stderr io.Writer) int {
	if m.opts.limit == 0 {
		m.opts.limit = 20
	}
	if m.view == viewCluster {
		rows, _, err := m.src.cluster(ctx, sortKeys[m.sort].name, m.opts.window)
		if err != nil {
			return topFailure(ctx, cfg, err, stderr)
		}
		m.cluster, m.clusterAt = rows, m.now()
		m.width, m.height = 1<<20, 1<<20
		_, err = io.WriteString(stdout, plainText(m.render(plainStyles))+"\n")
		return exitFor(err, stderr)
	}
	snap, err := m.src.refresh(ctx, refreshReq{
		node: m.node, sortBy: sortKeys[m.sort].name, limit: m.opts.limit, window: m.opts.window, info: true, history: true,
	})
	if err != nil {
		return topFailure(ctx, cfg, err, stderr)
	}
	m.width = 160
	m.apply(snap)
	_, err = io.WriteString(stdout, m.snapshotText())
	return exitFor(err, stderr)
}

// plainText drops the cluster view's key help, which means nothing in a
// pipe.
func plainText(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	for len(lines) > 0 && (strings.TrimSpace(lines[len(lines)-1]) == "" || strings.Contains(lines[len(lines)-1], "q quit")) {
		lines = lines[:len(lines)-1]
	}
	return strings.Join(lines, "\n")
}

func topFailure(ctx context.Context, cfg config, err error, stderr io.Writer) int {
	var tf *toolFailure
	if errors.As(err, &tf) {
		fmt.Fprintf(stderr, "ergomcp: %s\n", tf.Error())
		return exitToolError
	}
	if !errors.Is(err, errNoSession) {
		fmt.Fprintf(stderr, "ergomcp: top: %v\n", err)
		return exitConnection
	}
	return report(ctx, cfg, unwrapConn(err), stderr)
}

// unwrapConn finds the connError under errNoSession, for report's
// 401/403 wording.
func unwrapConn(err error) error {
	var ce *connError
	if errors.As(err, &ce) {
		return ce
	}
	return &connError{err: err}
}

func exitFor(err error, stderr io.Writer) int {
	if err != nil {
		fmt.Fprintf(stderr, "ergomcp: top: writing the snapshot: %v\n", err)
		return exitConnection
	}
	return exitOK
}
