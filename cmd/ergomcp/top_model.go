package main

import (
	"context"
	"time"

	tea "charm.land/bubbletea/v2"
)

// sortKey is one of process_top's sort_by values, the column it ranks by
// and the key that picks it.
type sortKey struct {
	name, column, key, label string
}

// sortKeys are process_top's sort_by values, in the order tab cycles them.
var sortKeys = []sortKey{
	{"cpu", "CPU", "c", "cpu"},
	{"mailbox_growth", "MailboxGrowthRate", "g", "mailbox growth"},
	{"messages_in_rate", "MessagesInRate", "i", "msgs in"},
	{"messages_out_rate", "MessagesOutRate", "o", "msgs out"},
	{"est_latency", "EstLatencyMs", "l", "est latency"},
	{"time_to_drain", "TimeToDrainS", "d", "time to drain"},
}

func sortIndex(name string) int {
	for i, k := range sortKeys {
		if k.name == name {
			return i
		}
	}
	return -1
}

func sortColumn(name string) string {
	if i := sortIndex(name); i >= 0 {
		return sortKeys[i].column
	}
	return ""
}

// Views of the model.
const (
	viewTop = iota
	viewDetail
	viewCluster
)

// How often the header's slower sources are read again: node_info stops
// the world on ergo 3.1/3.2 (runtime.MemStats), and node_history's points
// are 10 s apart by default.
const (
	infoEvery    = 30 * time.Second
	historyEvery = 10 * time.Second
	// maxLimit bounds the rows asked for, whatever the terminal's height.
	maxLimit = 500
	// loadBudget is the share of one core a refresh may keep the node
	// busy: process_top walks the process table twice (~330 ms of CPU at
	// 100k processes, see README), and a view meant to find the node's
	// biggest load must not become it. The interval stretches to keep it.
	loadBudget = 0.05
	// maxPeriod bounds the stretch.
	maxPeriod = time.Minute
)

// Messages the model gets from its commands.
type (
	tickMsg     struct{ seq int }
	snapshotMsg struct {
		snap  *snapshot
		err   error
		start time.Time
	}
	clusterMsg struct {
		rows  []clusterRow
		busy  time.Duration
		err   error
		start time.Time
	}
	detailMsg struct {
		d   *detail
		err error
		seq int
	}
)

// topModel is the state of the view. Update is a function of the model
// and a message; the calls run in commands (goroutines) through src and
// come back as messages, so every state change is testable by feeding
// messages.
type topModel struct {
	ctx  context.Context
	src  *topSource
	opts topConfig
	now  func() time.Time

	width, height int
	view          int
	sort          int
	node          string // --node, or the node picked in the cluster view

	snap      *snapshot // the last refresh that worked
	rows      []procRow // snap's rows in the current sort order
	info      *nodeInfo
	infoAt    time.Time
	history   []series
	historyAt time.Time
	needInfo  bool
	cursor    int    // index into rows
	selected  string // PID under the cursor, kept across refreshes
	top       int    // first row shown
	colOffset int    // scrollable columns skipped
	refreshes int
	lastOK    time.Time
	busy      time.Duration // what the last refresh cost the node; see period
	// gcRecent is the GC's share of the CPU between the last two
	// readings that moved (runtime_stats' GCCPUShare is since the node
	// started, and Go updates its CPU classes at each GC, not in between);
	// negative until there are two. gcBase is the reading it counts from.
	gcRecent float64
	gcBase   *runtimeStats
	fetching bool
	again    bool // a refresh was asked for while one ran
	tickSeq  int
	paused   bool
	err      error
	errSince time.Time
	failures int

	cluster       []clusterRow
	clusterCursor int
	clusterAt     time.Time

	detail        *detail
	detailErr     error
	detailLoading bool
	detailTop     int
	detailSeq     int // the detail asked for last; an older answer is dropped
}

func newTopModel(ctx context.Context, src *topSource, opts topConfig, node string) *topModel {
	m := &topModel{ctx: ctx, src: src, opts: opts, node: node, now: time.Now, needInfo: true, width: 120, height: 40, gcRecent: -1}
	m.sort = max(sortIndex(opts.sortBy), 0)
	if opts.cluster {
		m.view = viewCluster
	}
	return m
}

func (m *topModel) Init() tea.Cmd { return m.fetch() }

func (m *topModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.keepCursorVisible()
		return m, nil
	case tea.KeyPressMsg:
		return m, m.key(msg.String())
	case tickMsg:
		if msg.seq != m.tickSeq || m.paused {
			return m, nil // superseded by a later schedule
		}
		return m, m.fetch()
	case snapshotMsg:
		m.fetching = false
		if msg.err != nil {
			m.failed(msg.err)
		} else {
			m.apply(msg.snap)
		}
		return m, m.next(msg.start)
	case clusterMsg:
		m.fetching = false
		if msg.err != nil {
			m.failed(msg.err)
		} else {
			m.cluster, m.clusterAt, m.busy = msg.rows, m.now(), msg.busy
			m.recovered()
			m.clusterCursor = min(m.clusterCursor, max(len(m.cluster)-1, 0))
		}
		return m, m.next(msg.start)
	case detailMsg:
		if msg.seq != m.detailSeq || m.view != viewDetail {
			return m, nil // the user moved on
		}
		m.detailLoading = false
		m.detail, m.detailErr = msg.d, msg.err
		return m, nil
	}
	return m, nil
}

// failed keeps the last good data on screen and says the server is not
// answering; the next tick tries again (reconnecting).
func (m *topModel) failed(err error) {
	if m.err == nil {
		m.errSince = m.now()
	}
	m.err = err
	m.failures++
	m.needInfo = true // the node may come back restarted
}

func (m *topModel) recovered() {
	m.err, m.failures = nil, 0
	m.lastOK = m.now()
	m.refreshes++
}

func (m *topModel) apply(s *snapshot) {
	m.recovered()
	m.gcShare(s.stats)
	m.snap, m.busy = s, s.busy
	if s.info != nil {
		m.info, m.infoAt, m.needInfo = s.info, s.at, false
	}
	if s.historyFetched {
		m.history, m.historyAt = s.history, s.at
	}
	m.rows = append([]procRow(nil), s.top.rows...)
	m.resort()
}

// gcShare moves the GC's recent share on when the CPU counters moved
// since the base reading.
func (m *topModel) gcShare(st runtimeStats) {
	if m.gcBase == nil || st.CPUSeconds < m.gcBase.CPUSeconds || st.GCCPUSeconds < m.gcBase.GCCPUSeconds {
		// The first reading, or a restarted node whose counters began again.
		m.gcBase, m.gcRecent = &st, -1
		return
	}
	if d := st.CPUSeconds - m.gcBase.CPUSeconds; d > 0 {
		m.gcRecent = (st.GCCPUSeconds - m.gcBase.GCCPUSeconds) / d
		m.gcBase = &st
	}
}

// resort orders the rows by the current key, as the next answer will,
// so that a new sort shows at once rather than a refresh later.
func (m *topModel) resort() {
	sortRows(m.rows, sortKeys[m.sort].column)
	m.cursor = 0
	for i, r := range m.rows {
		if m.selected != "" && r.text("PID") == m.selected {
			m.cursor = i
		}
	}
	m.select_()
}

func (m *topModel) select_() {
	m.cursor = max(min(m.cursor, len(m.rows)-1), 0)
	if m.cursor < len(m.rows) {
		m.selected = m.rows[m.cursor].text("PID")
	}
	m.keepCursorVisible()
}

// next schedules the following refresh one interval after the last one
// started (or at once when a refresh was asked for meanwhile).
func (m *topModel) next(start time.Time) tea.Cmd {
	if m.again {
		m.again = false
		return m.fetch()
	}
	if m.paused {
		return nil
	}
	m.tickSeq++
	seq := m.tickSeq
	wait := max(m.period()-m.now().Sub(start), 0)
	if m.err != nil {
		wait = m.opts.interval // a server that is down is not asked in a loop
	}
	return tea.Tick(wait, func(time.Time) tea.Msg { return tickMsg{seq: seq} })
}

// period is the time between two refreshes' starts: --interval, or
// longer when the last refresh kept the node busy beyond loadBudget.
func (m *topModel) period() time.Duration {
	p := m.opts.interval
	if m.busy > 0 {
		p = max(p, min(time.Duration(float64(m.busy)/loadBudget), maxPeriod).Round(time.Second))
	}
	return p
}

// fetch starts the refresh of the current view, unless one runs (then it
// runs again as soon as that one ends).
func (m *topModel) fetch() tea.Cmd {
	if m.fetching {
		m.again = true
		return nil
	}
	m.fetching = true
	m.tickSeq++ // a tick already scheduled would refresh twice
	ctx, src, start := m.ctx, m.src, m.now()
	window := m.opts.window
	sortBy := sortKeys[m.sort].name
	if m.view == viewCluster {
		return func() tea.Msg {
			rows, busy, err := src.cluster(ctx, sortBy, window)
			return clusterMsg{rows: rows, busy: busy, err: err, start: start}
		}
	}
	req := refreshReq{
		node:    m.node,
		sortBy:  sortBy,
		limit:   m.limit(),
		window:  window,
		info:    m.needInfo || m.info == nil || start.Sub(m.infoAt) >= infoEvery,
		history: m.historyAt.IsZero() || start.Sub(m.historyAt) >= historyEvery,
	}
	return func() tea.Msg {
		snap, err := src.refresh(ctx, req)
		return snapshotMsg{snap: snap, err: err, start: start}
	}
}

// limit is how many processes to ask for: what the screen shows, a few
// more to scroll to.
func (m *topModel) limit() int {
	if m.opts.limit > 0 {
		return m.opts.limit
	}
	return min(max(m.tableRows()*2, 20), maxLimit)
}

func (m *topModel) key(k string) tea.Cmd {
	switch k {
	case "q", "ctrl+c":
		return tea.Quit
	}
	if m.view == viewDetail {
		return m.detailKey(k)
	}
	if i := keySort(k); i >= 0 {
		return m.setSort(i)
	}
	switch k {
	case "tab":
		return m.setSort((m.sort + 1) % len(sortKeys))
	case "shift+tab":
		return m.setSort((m.sort + len(sortKeys) - 1) % len(sortKeys))
	case "r":
		return m.fetch()
	case "space", "p":
		m.paused = !m.paused
		if !m.paused {
			return m.fetch()
		}
		return nil
	case "v":
		if m.view == viewCluster {
			m.view = viewTop
		} else {
			m.view = viewCluster
		}
		m.err = nil
		return m.fetch()
	}
	if m.view == viewCluster {
		return m.clusterKey(k)
	}
	return m.topKey(k)
}

func keySort(k string) int {
	for i, s := range sortKeys {
		if k == s.key || (len(k) == 1 && k[0] == byte('1'+i)) {
			return i
		}
	}
	return -1
}

func (m *topModel) setSort(i int) tea.Cmd {
	if i == m.sort {
		return nil
	}
	m.sort = i
	m.selected = "" // the cursor goes to the busiest by the new key
	m.resort()
	return m.fetch() // the top N by the new key are not the top N by the old one
}

func (m *topModel) topKey(k string) tea.Cmd {
	page := max(m.tableRows()-1, 1)
	switch k {
	case "up", "k":
		m.cursor--
	case "down", "j":
		m.cursor++
	case "pgup":
		m.cursor -= page
	case "pgdown":
		m.cursor += page
	case "home":
		m.cursor = 0
	case "end":
		m.cursor = len(m.rows) - 1
	case "left":
		m.colOffset = max(m.colOffset-1, 0)
		return nil
	case "right":
		m.colOffset++ // the view clamps it to the columns there are
		return nil
	case "enter":
		if m.cursor < len(m.rows) {
			r := m.rows[m.cursor]
			return m.openDetail(r.text("PID"), cell(&column{key: "Name"}, r))
		}
		return nil
	default:
		return nil
	}
	m.select_()
	return nil
}

func (m *topModel) clusterKey(k string) tea.Cmd {
	switch k {
	case "up", "k":
		m.clusterCursor = max(m.clusterCursor-1, 0)
	case "down", "j":
		m.clusterCursor = min(m.clusterCursor+1, max(len(m.cluster)-1, 0))
	case "enter":
		if m.clusterCursor < len(m.cluster) {
			m.node = m.cluster[m.clusterCursor].node
			m.view = viewTop
			m.snap, m.rows, m.info, m.history, m.gcBase, m.gcRecent = nil, nil, nil, nil, nil, -1
			m.historyAt, m.needInfo, m.selected = time.Time{}, true, ""
			m.err = nil
			return m.fetch()
		}
	}
	return nil
}

func (m *topModel) openDetail(pid, name string) tea.Cmd {
	m.view = viewDetail
	m.detail, m.detailErr, m.detailLoading, m.detailTop = &detail{pid: pid, name: name}, nil, true, 0
	m.detailSeq++
	ctx, src, node, seq := m.ctx, m.src, m.node, m.detailSeq
	return func() tea.Msg {
		d, err := src.detail(ctx, node, pid)
		if d != nil {
			d.name = name
		}
		return detailMsg{d: d, err: err, seq: seq}
	}
}

func (m *topModel) detailKey(k string) tea.Cmd {
	page := max(m.height-4, 1)
	switch k {
	case "esc", "backspace", "left", "enter":
		m.view = viewTop
		m.detail = nil
	case "up", "k":
		m.detailTop = max(m.detailTop-1, 0)
	case "down", "j":
		m.detailTop++
	case "pgup":
		m.detailTop = max(m.detailTop-page, 0)
	case "pgdown", "space":
		m.detailTop += page
	case "home":
		m.detailTop = 0
	case "r":
		if m.detail != nil {
			return m.openDetail(m.detail.pid, m.detail.name)
		}
	}
	return nil
}

// keepCursorVisible scrolls the table so that the cursor's row shows.
func (m *topModel) keepCursorVisible() {
	n := m.tableRows()
	if m.cursor < m.top {
		m.top = m.cursor
	}
	if m.cursor >= m.top+n {
		m.top = m.cursor - n + 1
	}
	m.top = max(min(m.top, len(m.rows)-n), 0)
}

func (m *topModel) View() tea.View {
	v := tea.NewView(m.render(screenStyles))
	v.AltScreen = true
	v.WindowTitle = "ergomcp top"
	return v
}
