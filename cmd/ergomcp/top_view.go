package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// styles are the view's text styles; plainStyles print no escape codes
// (the snapshot printed when the output is not a terminal).
type styles struct {
	title, dim, header, selected, active, bad lipgloss.Style
}

var (
	screenStyles = styles{
		title:    lipgloss.NewStyle().Bold(true),
		dim:      lipgloss.NewStyle().Faint(true),
		header:   lipgloss.NewStyle().Bold(true).Underline(true),
		selected: lipgloss.NewStyle().Reverse(true),
		active:   lipgloss.NewStyle().Bold(true).Reverse(true),
		bad:      lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("1")),
	}
	plainStyles = styles{}
)

// columnLabels are the headings of process_top's known columns; another
// column shows under its own name.
var columnLabels = map[string]string{
	"PID": "PID", "Name": "NAME", "Application": "APP", "Behavior": "BEHAVIOR", "State": "STATE",
	"Mailbox": "MAILBOX", "MessagesInRate": "IN/s", "MessagesOutRate": "OUT/s", "CPU": "CPU",
	"MailboxGrowthRate": "GROW/s", "ProcessingRate": "DONE/s", "EstLatencyMs": "LAT ms",
	"TimeToDrainS": "DRAIN s", "MailboxLatencyMs": "MBOXLAT ms",
}

// fixedColumns stay on screen when the others scroll sideways.
var fixedColumns = []string{"PID", "Name"}

// Widest cells, in columns of the terminal, before "…".
const (
	maxNameWidth = 28
	maxCellWidth = 16
)

// column is one column of the process table as shown.
type column struct {
	key, label string
	width      int
	right      bool // numbers align right
	flags      []string
}

// flagsColumn gathers the boolean columns (New, Reset, Stalled, CPUStale)
// into one column of letters: four columns of mostly "false" would take
// the width the rates need.
const flagsColumn = "\x00flags"

// tableColumns lays the answer's columns out: boolean ones folded into
// FLAGS, ones with no value in any row left out (named in hidden).
func tableColumns(cols []string, rows []procRow) (out []column, hidden []string) {
	var flags []string
	for _, c := range cols {
		allNil, allBool, numeric := true, true, true
		for _, r := range rows {
			switch v := r[c].(type) {
			case nil:
				continue
			case bool:
				allNil, numeric = false, false
			default:
				allNil, allBool = false, false
				if _, isNum := v.(interface{ Float64() (float64, error) }); !isNum && !isWord(v) {
					numeric = false
				}
			}
		}
		switch {
		case len(rows) > 0 && allNil:
			hidden = append(hidden, c)
		case len(rows) > 0 && allBool:
			flags = append(flags, c)
		default:
			label := columnLabels[c]
			if label == "" {
				label = c
			}
			out = append(out, column{key: c, label: label, right: numeric && len(rows) > 0})
		}
	}
	if len(flags) > 0 {
		out = append(out, column{key: flagsColumn, label: "FLAGS", flags: flags})
	}
	for i := range out {
		c := &out[i]
		c.width = ansi.StringWidth(c.label) + 1 // room for the sort mark
		limit := maxCellWidth
		if c.key == "Name" || c.key == "Behavior" || c.key == "PID" {
			limit = maxNameWidth
		}
		for _, r := range rows {
			c.width = max(c.width, min(ansi.StringWidth(cell(c, r)), limit))
		}
	}
	return out, hidden
}

// isWord: process_top writes "stalled", "never", "unknown" in number
// columns where the value is infinite.
func isWord(v any) bool {
	s, ok := v.(string)
	return ok && (s == "stalled" || s == "never" || s == "unknown")
}

// flagLetter is a boolean column's letter in FLAGS.
func flagLetter(col string) string {
	switch col {
	case "CPUStale":
		return "C"
	}
	return col[:1]
}

func cell(c *column, r procRow) string {
	if c.key == flagsColumn {
		var b strings.Builder
		for _, f := range c.flags {
			if v, _ := r[f].(bool); v {
				b.WriteString(flagLetter(f))
			}
		}
		if b.Len() == 0 {
			return "-"
		}
		return b.String()
	}
	v, ok := r[c.key]
	if !ok {
		return "-"
	}
	if c.key == "CPU" {
		if stale, _ := r["CPUStale"].(bool); stale {
			return "?" // handled messages, recorded no running time: unknown, not 0
		}
		// A share of one core reads better as a percentage.
		if f := sortValue(v); !math.IsInf(f, 0) {
			return strconv.FormatFloat(100*f, 'f', 1, 64) + "%"
		}
	}
	switch v := v.(type) {
	case json.Number:
		return tableNumber(v)
	case string:
		return strings.Join(strings.Fields(v), " ") // "" for no name: blank, not quoted
	}
	return strings.Join(strings.Fields(scalarText(v)), " ")
}

// tableNumber writes a rate or a count to be read at a glance: integers
// whole, large values without decimals (never an exponent), small ones
// to four significant digits.
func tableNumber(n json.Number) string {
	if _, err := n.Int64(); err == nil {
		return n.String()
	}
	f, err := n.Float64()
	if err != nil {
		return n.String()
	}
	switch a := math.Abs(f); {
	case a >= 1000:
		return strconv.FormatFloat(f, 'f', 0, 64)
	case a >= 100:
		return strconv.FormatFloat(f, 'f', 1, 64)
	case a >= 1:
		return strconv.FormatFloat(f, 'f', 2, 64)
	case a == 0:
		return "0"
	}
	return strconv.FormatFloat(f, 'f', 3, 64)
}

func pad(s string, width int, right bool) string {
	s = ansi.Truncate(s, width, "…")
	gap := strings.Repeat(" ", max(width-ansi.StringWidth(s), 0))
	if right {
		return gap + s
	}
	return s + gap
}

// tableLines renders the header and rows[from:to] of the process table
// in width terminal columns (0: no limit), the scrollable columns
// starting at offset.
func tableLines(st styles, cols []column, rows []procRow, sortCol string, cursor, offset, width int) []string {
	var shown []column
	var scroll []column
	for _, c := range cols {
		if slices.Contains(fixedColumns, c.key) {
			shown = append(shown, c)
		} else {
			scroll = append(scroll, c)
		}
	}
	offset = max(min(offset, len(scroll)-1), 0)
	shown = append(shown, scroll[min(offset, len(scroll)):]...)
	if width > 0 {
		shrink(shown, width)
	}
	line := func(cells func(c *column) string) string {
		parts := make([]string, len(shown))
		for i := range shown {
			parts[i] = pad(cells(&shown[i]), shown[i].width, shown[i].right)
		}
		l := strings.Join(parts, "  ")
		if width > 0 {
			l = ansi.Truncate(l, width, "")
		}
		return l
	}
	head := line(func(c *column) string {
		if c.key == sortCol {
			return c.label + "▼"
		}
		return c.label
	})
	lines := []string{st.header.Render(head)}
	for i, r := range rows {
		l := line(func(c *column) string { return cell(c, r) })
		if i == cursor {
			l = st.selected.Render(pad(l, max(width, ansi.StringWidth(l)), false))
		}
		lines = append(lines, l)
	}
	return lines
}

// shrinkable are the text columns that give up width, in this order and
// down to these widths, so that the numbers fit the screen before any
// column has to scroll out of it.
var shrinkable = []struct {
	key   string
	least int
}{{"Application", 4}, {"Behavior", 10}, {"State", 7}, {"Name", 18}}

func shrink(cols []column, width int) {
	total := 2 * (len(cols) - 1)
	for _, c := range cols {
		total += c.width
	}
	for _, s := range shrinkable {
		for i := range cols {
			if excess := total - width; excess > 0 && cols[i].key == s.key && cols[i].width > s.least {
				cut := min(excess, cols[i].width-s.least)
				cols[i].width -= cut
				total -= cut
			}
		}
	}
}

// sparkBlocks are the eight heights of a sparkline.
var sparkBlocks = []rune("▁▂▃▄▅▆▇█")

// sparkline draws the last width points of a series, scaled between its
// lowest and highest point: the shape matters, the last value is printed
// beside it.
func sparkline(points []float64, width int) string {
	if width <= 0 || len(points) == 0 {
		return ""
	}
	if len(points) > width {
		points = points[len(points)-width:]
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, p := range points {
		if !math.IsNaN(p) && !math.IsInf(p, 0) {
			lo, hi = min(lo, p), max(hi, p)
		}
	}
	var b strings.Builder
	for _, p := range points {
		switch {
		case math.IsNaN(p) || math.IsInf(p, 0):
			b.WriteRune(' ')
		case hi == lo:
			b.WriteRune(sparkBlocks[0])
		default:
			i := int((p - lo) / (hi - lo) * float64(len(sparkBlocks)-1))
			b.WriteRune(sparkBlocks[i])
		}
	}
	return b.String()
}

// shortNumber writes a series' last value compactly.
func shortNumber(f float64) string {
	a := math.Abs(f)
	switch {
	case math.IsNaN(f):
		return "-"
	case a >= 1<<30:
		return strconv.FormatFloat(f/(1<<30), 'f', 1, 64) + "G"
	case a >= 1<<20:
		return strconv.FormatFloat(f/(1<<20), 'f', 1, 64) + "M"
	case a >= 10_000:
		return strconv.FormatFloat(f/1000, 'f', 1, 64) + "k"
	case a == math.Trunc(a):
		return strconv.FormatFloat(f, 'f', 0, 64)
	}
	return strconv.FormatFloat(f, 'g', 3, 64)
}

// headerLines is the part above the table: node, runtime, sparklines,
// state of the connection.
func (m *topModel) headerLines(st styles, plain bool) []string {
	now := m.now()
	var lines []string
	node := m.node
	if m.info != nil {
		node = m.info.Name
	}
	if node == "" {
		node = m.src.cfg.url
	}
	title := []string{st.title.Render("ergomcp top"), node}
	if m.info != nil {
		seen := now // the node was up until now, or until it last answered
		if m.err != nil {
			seen = m.lastOK
		}
		up := m.info.Uptime + int64(max(seen.Sub(m.infoAt), 0)/time.Second)
		title = append(title, m.info.Framework, "up "+humanDuration(up))
	}
	if !plain {
		title = append(title, m.everyText(), now.Format("15:04:05"))
	}
	lines = append(lines, strings.Join(title, " · "))

	if s := m.snap; s != nil {
		stats := []string{
			fmt.Sprintf("processes %d", s.top.processes),
			fmt.Sprintf("goroutines %d", s.stats.Goroutines),
			"heap live " + humanBytes(s.stats.HeapLiveBytes),
			m.gcText(),
		}
		if m.info != nil {
			stats = append(stats, "version "+m.info.Version)
		}
		lines = append(lines, strings.Join(stats, " · "))
		if m.info != nil {
			lines = append(lines, "capabilities: "+capabilityText(m.info.Capabilities))
		}
	}
	lines = append(lines, m.sparkLines(st)...)

	switch {
	case m.err != nil:
		since := now.Sub(m.errSince).Round(time.Second)
		msg := fmt.Sprintf("server not answering for %s (%d tries, retrying every %s", since, m.failures, m.opts.interval)
		if !m.lastOK.IsZero() {
			msg += "; showing data from " + m.lastOK.Format("15:04:05")
		}
		lines = append(lines, st.bad.Render(msg+"): "+errorCause(m.err)))
	case m.snap == nil:
		lines = append(lines, st.dim.Render(fmt.Sprintf("connecting to %s, first window of %s…", m.src.cfg.url, m.opts.window)))
	default:
		t := m.snap.top
		state := fmt.Sprintf("%d processes matched, %d shown, window %d ms", t.total, len(t.rows), t.windowMs)
		if m.paused {
			state += " · PAUSED (space resumes)"
		}
		if t.cpuStale != "" {
			state += " · CPU unknown for " + strings.SplitN(t.cpuStale, " ", 2)[0]
		}
		lines = append(lines, st.dim.Render(state))
	}
	return lines
}

// gcText is the GC's share of the CPU: between the last two GCs once
// top has seen them, and since the node started.
func (m *topModel) gcText() string {
	total := fmt.Sprintf("%.2f%%", 100*m.snap.stats.GCCPUShare)
	if m.gcRecent < 0 {
		return "GC CPU " + total + " since start"
	}
	return fmt.Sprintf("GC CPU %.2f%% lately (%s since start)", 100*m.gcRecent, total)
}

// everyText says how often the view refreshes, and why when that is
// less often than --interval.
func (m *topModel) everyText() string {
	if p := m.period(); p > m.opts.interval {
		return fmt.Sprintf("every %s (stretched from %s: a refresh keeps the node busy ~%s, budget %.0f%% of a core), window %s",
			p, m.opts.interval, m.busy.Round(time.Millisecond), 100*loadBudget, m.opts.window)
	}
	return fmt.Sprintf("every %s, window %s", m.opts.interval, m.opts.window)
}

// sparkLines shows node_history's series, two to a line, or one line
// saying why there are none.
func (m *topModel) sparkLines(st styles) []string {
	if m.snap == nil {
		return nil
	}
	if !m.snap.historyServed {
		return []string{st.dim.Render("no sparklines: this server has no node_history tool")}
	}
	if m.snap.historyErr != "" && len(m.history) == 0 {
		return []string{st.dim.Render("no sparklines: " + m.snap.historyErr)}
	}
	if len(m.history) == 0 {
		return []string{st.dim.Render("no sparklines: node_history has none of " + strings.Join(historyWanted, ", "))}
	}
	width := max(m.width/2-2, 30)
	var lines []string
	for i := 0; i < len(m.history); i += 2 {
		var parts []string
		for _, s := range m.history[i:min(i+2, len(m.history))] {
			label := fmt.Sprintf("%-17s", ansi.Truncate(s.name, 17, "…"))
			last := shortNumber(s.last())
			if s.unit != "" && s.unit != "count" {
				last += " " + s.unit
			}
			if s.dir != "" {
				last += " " + s.dir
			}
			spark := sparkline(s.points, max(width-ansi.StringWidth(label+last)-2, 8))
			parts = append(parts, pad(label+" "+spark+" "+last, width, false))
		}
		lines = append(lines, strings.Join(parts, "  "))
	}
	return lines
}

// sortLine shows the sort keys, the current one marked.
func (m *topModel) sortLine(st styles) string {
	parts := []string{"sort:"}
	for i, k := range sortKeys {
		p := k.key + " " + k.label
		if i == m.sort {
			p = st.active.Render(p)
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, "  ")
}

const topHelp = "↑↓ select · enter inspect · tab/letters sort · ←→ columns · v cluster · r refresh · space pause · q quit"

// tableRows is how many process rows fit under the header.
func (m *topModel) tableRows() int {
	return max(m.height-len(m.headerLines(plainStyles, false))-4, 1) // sort line, table head, note, help
}

func (m *topModel) render(st styles) string {
	var lines []string
	switch m.view {
	case viewDetail:
		lines = m.detailLines(st)
	case viewCluster:
		lines = m.clusterLines(st)
	default:
		lines = m.topLines(st)
	}
	for i, l := range lines {
		lines[i] = ansi.Truncate(l, m.width, "")
	}
	if len(lines) > m.height {
		lines = lines[:m.height]
	}
	return strings.Join(lines, "\n")
}

func (m *topModel) topLines(st styles) []string {
	lines := m.headerLines(st, false)
	lines = append(lines, m.sortLine(st))
	n := m.tableRows()
	var note string
	if m.snap != nil {
		cols, hidden := tableColumns(m.snap.top.columns, m.rows)
		end := min(m.top+n, len(m.rows))
		lines = append(lines, tableLines(st, cols, m.rows[m.top:end], sortKeys[m.sort].column, m.cursor-m.top, m.colOffset, m.width)...)
		for range n - (end - m.top) {
			lines = append(lines, "")
		}
		note = flagsNote(cols)
		if len(hidden) > 0 {
			note += " · no values this window: " + strings.Join(hidden, ", ")
		}
	} else {
		for range n + 1 {
			lines = append(lines, "")
		}
	}
	return append(lines, st.dim.Render(note), st.dim.Render(topHelp))
}

func flagsNote(cols []column) string {
	for _, c := range cols {
		if c.key == flagsColumn {
			var parts []string
			for _, f := range c.flags {
				parts = append(parts, flagLetter(f)+" "+f)
			}
			return "FLAGS: " + strings.Join(parts, ", ")
		}
	}
	return ""
}

func (m *topModel) detailLines(st styles) []string {
	lines := []string{st.title.Render("ergomcp top · process detail") + " · esc back · ↑↓ pgup pgdown scroll · r reload · q quit"}
	switch {
	case m.detailLoading:
		lines = append(lines, st.header.Render(fmt.Sprintf("%s %s", m.detail.pid, m.detail.name)),
			st.dim.Render("asking process_info and process_inspect (a process stuck in a callback takes 5 s to say so)…"))
	case m.detailErr != nil:
		lines = append(lines, st.bad.Render("cannot read the process: "+m.detailErr.Error()))
	case m.detail != nil:
		d := m.detail
		body := []string{st.header.Render(fmt.Sprintf("%s %s", d.pid, d.name)), "", st.title.Render("process_info")}
		body = append(body, strings.Split(strings.TrimRight(d.info, "\n"), "\n")...)
		body = append(body, "", st.title.Render("process_inspect"))
		body = append(body, strings.Split(strings.TrimRight(d.inspect, "\n"), "\n")...)
		m.detailTop = max(min(m.detailTop, len(body)-(m.height-1)), 0)
		lines = append(lines, body[m.detailTop:]...)
	}
	return lines
}

func (m *topModel) clusterLines(st styles) []string {
	now := m.now()
	title := []string{st.title.Render("ergomcp top · cluster"), m.src.cfg.url, m.everyText(), now.Format("15:04:05")}
	lines := []string{strings.Join(title, " · ")}
	if m.err != nil {
		lines = append(lines, st.bad.Render(fmt.Sprintf("server not answering (%d tries): %s", m.failures, errorCause(m.err))))
	} else if m.cluster == nil {
		lines = append(lines, st.dim.Render("asking every node…"))
	} else {
		lines = append(lines, st.dim.Render(fmt.Sprintf("%d nodes (node=\"*\"), refreshed %s", len(m.cluster), m.clusterAt.Format("15:04:05"))))
	}
	lines = append(lines, m.sortLine(st))
	key := sortKeys[m.sort]
	header := []string{"NODE", "STATUS", "PROCESSES", "GOROUTINES", "HEAP LIVE", "GC CPU", "UPTIME", "ERGO", "BUSIEST BY " + strings.ToUpper(key.label)}
	table := [][]string{header}
	for _, r := range m.cluster {
		row := []string{r.node, r.status, "-", "-", "-", "-", "-", "-", "-"}
		if r.info != nil {
			row[2], row[6], row[7] = strconv.FormatInt(r.info.ProcessesTotal, 10), humanDuration(r.info.Uptime), r.info.Framework
		}
		if r.stats != nil {
			row[3], row[4], row[5] = strconv.FormatInt(r.stats.Goroutines, 10), humanBytes(r.stats.HeapLiveBytes), fmt.Sprintf("%.2f%%", 100*r.stats.GCCPUShare)
		}
		if r.busiest != nil {
			c := column{key: key.column}
			who := strings.TrimSpace(r.busiest.text("PID") + " " + cell(&column{key: "Name"}, r.busiest))
			row[8] = fmt.Sprintf("%s %s=%s", who, columnLabels[key.column], cell(&c, r.busiest))
		}
		if r.err != "" {
			row[8] = r.err
		}
		table = append(table, row)
	}
	widths := make([]int, len(header))
	for _, row := range table {
		for i, c := range row {
			widths[i] = max(widths[i], min(ansi.StringWidth(c), 60))
		}
	}
	for i, row := range table {
		parts := make([]string, len(row))
		for j, c := range row {
			parts[j] = pad(c, widths[j], false)
		}
		l := strings.Join(parts, "  ")
		switch {
		case i == 0:
			l = st.header.Render(l)
		case i-1 == m.clusterCursor:
			l = st.selected.Render(l)
		}
		lines = append(lines, l)
	}
	return append(lines, "", st.dim.Render("↑↓ select · enter: top of that node · v back · q quit"))
}

// snapshotText is the one-shot table printed when the output is not a
// terminal: the header and every row, no escape codes, no width limit.
func (m *topModel) snapshotText() string {
	lines := m.headerLines(plainStyles, true)
	if m.snap != nil {
		lines = append(lines, "sort: "+sortKeys[m.sort].name)
		cols, hidden := tableColumns(m.snap.top.columns, m.rows)
		lines = append(lines, tableLines(plainStyles, cols, m.rows, sortKeys[m.sort].column, -1, 0, 0)...)
		if note := flagsNote(cols); note != "" {
			lines = append(lines, note)
		}
		if len(hidden) > 0 {
			lines = append(lines, "no values this window: "+strings.Join(hidden, ", "))
		}
	}
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return strings.Join(lines, "\n") + "\n"
}

// errorCause shortens a connection error to what a person acts on: the
// go-sdk wraps "connection refused" in four layers of context.
func errorCause(err error) string {
	if !errors.Is(err, errNoSession) {
		return err.Error()
	}
	text := err.Error()
	if i := strings.LastIndex(text, ": "); i >= 0 {
		return text[i+2:]
	}
	return text
}
