package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// snapshot is what one refresh fetched.
type snapshot struct {
	at    time.Time
	stats runtimeStats
	info  *nodeInfo // nil when this refresh did not ask for node_info
	top   topAnswer
	// history is node_history's series when this refresh fetched them
	// (historyFetched); historyServed says whether the server has the tool.
	history                       []series
	historyServed, historyFetched bool
	historyErr                    string
	// busy estimates the time the node's worker spent on this refresh
	// (wall time, so at least its CPU time); see topModel.period.
	busy time.Duration
}

// runtimeStats is the part of runtime_stats the header shows.
type runtimeStats struct {
	Goroutines    int64
	HeapLiveBytes uint64
	GCCPUShare    float64
	CPUSeconds    float64
	GCCPUSeconds  float64
}

// nodeInfo is the part of node_info the header shows.
type nodeInfo struct {
	Name           string
	Uptime         int64
	Version        string
	Framework      string
	ProcessesTotal int64
	Capabilities   map[string]any
}

func decodeStats(text string) (runtimeStats, error) {
	var s runtimeStats
	if err := json.Unmarshal([]byte(text), &s); err != nil {
		return s, fmt.Errorf("runtime_stats answer: %w", err)
	}
	return s, nil
}

func decodeInfo(text string) (*nodeInfo, error) {
	var n nodeInfo
	if err := json.Unmarshal([]byte(text), &n); err != nil {
		return nil, fmt.Errorf("node_info answer: %w", err)
	}
	return &n, nil
}

// capabilityText sums node_info's Capabilities up in one line: what is
// on, and how many are not (node_info says why).
func capabilityText(caps map[string]any) string {
	var on []string
	off := 0
	for k, v := range caps {
		switch v := v.(type) {
		case bool:
			if v {
				on = append(on, k)
			} else {
				off++
			}
		case string:
			if v != "" {
				on = append(on, k+"="+v)
			}
		}
	}
	slices.Sort(on)
	text := "none"
	if len(on) > 0 {
		text = strings.Join(on, " ")
	}
	if off > 0 {
		text += fmt.Sprintf(" (%d unavailable: node_info says why)", off)
	}
	return text
}

// topAnswer is process_top's answer: the envelope and the rows, with the
// columns in the order the server wrote them, so that a column the tool
// gains later shows without a change here.
type topAnswer struct {
	total, processes int64 // processes matched; processes in the table at the window's start
	truncated        bool
	windowMs         int64
	sortBy           string
	cpuStale         string
	unavailable      []string // "Field: why"
	columns          []string
	rows             []procRow
}

// procRow is one process: column name to a decoded JSON value
// (json.Number, string, bool, nil or a nested value).
type procRow map[string]any

func (r procRow) text(col string) string {
	if v, ok := r[col]; ok {
		return scalarText(v)
	}
	return "-"
}

// decodeTop reads process_top's answer in its record shape (the one
// format=records keeps once the compact encoding is the default): the one
// place that knows that shape.
func decodeTop(text string) (topAnswer, error) {
	var a topAnswer
	v, err := parseOrdered(text)
	if err != nil {
		return a, fmt.Errorf("process_top answer: %w", err)
	}
	obj, ok := v.(object)
	if !ok {
		return a, fmt.Errorf("process_top answer is not an object")
	}
	for _, f := range obj {
		switch f.key {
		case "total":
			a.total = intOf(f.value)
		case "processes_before":
			a.processes = intOf(f.value)
		case "truncated":
			a.truncated, _ = f.value.(bool)
		case "window_ms":
			a.windowMs = intOf(f.value)
		case "sort_by":
			a.sortBy, _ = f.value.(string)
		case "cpu_stale":
			a.cpuStale, _ = f.value.(string)
		case "unavailable":
			if u, ok := f.value.(object); ok {
				for _, g := range u {
					a.unavailable = append(a.unavailable, g.key+": "+scalarText(g.value))
				}
			}
		case "processes":
			items, ok := f.value.([]any)
			if !ok {
				return a, fmt.Errorf("process_top answer: processes is not a list (a format this ergomcp top does not read)")
			}
			for _, it := range items {
				rec, ok := it.(object)
				if !ok {
					return a, fmt.Errorf("process_top answer: a process is not an object (a format this ergomcp top does not read)")
				}
				row := make(procRow, len(rec))
				for _, g := range rec {
					if !slices.Contains(a.columns, g.key) {
						a.columns = append(a.columns, g.key)
					}
					row[g.key] = g.value
				}
				a.rows = append(a.rows, row)
			}
		}
	}
	return a, nil
}

func intOf(v any) int64 {
	if n, ok := v.(json.Number); ok {
		i, err := n.Int64()
		if err == nil {
			return i
		}
		f, _ := n.Float64()
		return int64(f)
	}
	return 0
}

// sortValue is a cell as a number to rank by: process_top writes
// "stalled", "never" or "unknown" where the value is infinite.
func sortValue(v any) float64 {
	switch v := v.(type) {
	case json.Number:
		f, err := v.Float64()
		if err == nil {
			return f
		}
	case string:
		return math.Inf(1)
	case bool:
		if v {
			return 1
		}
		return 0
	}
	return math.Inf(-1)
}

// sortRows orders rows by col, largest first, the way process_top does,
// with the PID as tie-break so that equal rows keep still between
// refreshes.
func sortRows(rows []procRow, col string) {
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := sortValue(rows[i][col]), sortValue(rows[j][col])
		if a != b {
			return a > b
		}
		return rows[i].text("PID") < rows[j].text("PID")
	})
}

// series is one history series, oldest point first, NaN where nothing
// was measured.
type series struct {
	name, unit, dir string
	points          []float64
}

// last is the newest measured point (NaN when there is none).
func (s series) last() float64 {
	for i := len(s.points) - 1; i >= 0; i-- {
		if !math.IsNaN(s.points[i]) {
			return s.points[i]
		}
	}
	return math.NaN()
}

// historyWanted are the series the header shows, in this order, when
// node_history has them: the ones an SRE asks "since when, how fast"
// about.
var historyWanted = []string{"processes", "goroutines", "heap_live", "gc_cpu", "spawned", "terminated", "mailbox_total", "sched_latency_p99"}

// decodeHistory reads node_history's node-level series (Series: a list
// of {Name, Unit, Dir, Values}, null where nothing was measured) and
// keeps the wanted ones. The processes it follows (Movers) are for
// process_top to show, not sparklines.
func decodeHistory(text string) ([]series, error) {
	var a struct {
		Series []struct {
			Name, Unit, Dir string
			Values          []*float64
		}
	}
	if err := json.Unmarshal([]byte(text), &a); err != nil {
		return nil, fmt.Errorf("node_history answer: %w", err)
	}
	var out []series
	for _, want := range historyWanted {
		for _, s := range a.Series {
			if s.Name != want {
				continue
			}
			pts := make([]float64, len(s.Values))
			for i, v := range s.Values {
				pts[i] = math.NaN()
				if v != nil {
					pts[i] = *v
				}
			}
			out = append(out, series{name: s.Name, unit: s.Unit, dir: s.Dir, points: pts})
		}
	}
	return out, nil
}

// fanoutPart is one node's entry in a node="*" answer.
type fanoutPart struct {
	Node   string          `json:"node"`
	Status string          `json:"status"`
	Result json.RawMessage `json:"result"`
	Error  string          `json:"error"`
}

func decodeFanout(tool, text string) ([]fanoutPart, error) {
	var a struct {
		Results []fanoutPart `json:"results"`
	}
	if err := json.Unmarshal([]byte(text), &a); err != nil {
		return nil, fmt.Errorf("%s node=\"*\" answer: %w", tool, err)
	}
	return a.Results, nil
}

// clusterRow is one node in the cluster view.
type clusterRow struct {
	node, status, err string
	info              *nodeInfo
	stats             *runtimeStats
	busiest           procRow // nil when the node has none or failed
	sortCol           string
}

// mergeCluster joins the three node="*" answers by node, in node_info's
// order (the local node first).
func mergeCluster(infoText, statsText, topText, sortBy string) ([]clusterRow, error) {
	infos, err := decodeFanout("node_info", infoText)
	if err != nil {
		return nil, err
	}
	stats, err := decodeFanout("runtime_stats", statsText)
	if err != nil {
		return nil, err
	}
	tops, err := decodeFanout("process_top", topText)
	if err != nil {
		return nil, err
	}
	rows := make([]clusterRow, 0, len(infos))
	index := map[string]int{}
	add := func(p fanoutPart) *clusterRow {
		i, ok := index[p.Node]
		if !ok {
			i = len(rows)
			index[p.Node] = i
			rows = append(rows, clusterRow{node: p.Node, status: p.Status, err: p.Error, sortCol: sortColumn(sortBy)})
		}
		r := &rows[i]
		if p.Status != "ok" && r.err == "" {
			r.status, r.err = p.Status, p.Error
		}
		return r
	}
	for _, p := range infos {
		r := add(p)
		if p.Status == "ok" {
			if n, err := decodeInfo(string(p.Result)); err == nil {
				r.info = n
			}
		}
	}
	for _, p := range stats {
		r := add(p)
		if p.Status == "ok" {
			if s, err := decodeStats(string(p.Result)); err == nil {
				r.stats = &s
			}
		}
	}
	for _, p := range tops {
		r := add(p)
		if p.Status == "ok" {
			if a, err := decodeTop(string(p.Result)); err == nil && len(a.rows) > 0 {
				r.busiest = a.rows[0]
			}
		}
	}
	return rows, nil
}

// resultTable renders a tool's JSON answer as the call command prints it.
func resultTable(text string) string {
	var b bytes.Buffer
	if err := writeResult(&b, text); err != nil {
		return text
	}
	return b.String()
}

// humanBytes writes n in KiB, MiB or GiB.
func humanBytes(n uint64) string {
	const unit = 1024
	if n < unit {
		return strconv.FormatUint(n, 10) + " B"
	}
	f, suffix := float64(n), []string{"KiB", "MiB", "GiB", "TiB"}
	i := -1
	for f >= unit && i < len(suffix)-1 {
		f /= unit
		i++
	}
	return strconv.FormatFloat(f, 'f', 1, 64) + " " + suffix[i]
}

// humanDuration writes seconds as 3d4h, 5h06m, 7m08s or 9s.
func humanDuration(s int64) string {
	d := time.Duration(s) * time.Second
	switch {
	case d >= 24*time.Hour:
		return fmt.Sprintf("%dd%dh", d/(24*time.Hour), d%(24*time.Hour)/time.Hour)
	case d >= time.Hour:
		return fmt.Sprintf("%dh%02dm", d/time.Hour, d%time.Hour/time.Minute)
	case d >= time.Minute:
		return fmt.Sprintf("%dm%02ds", d/time.Minute, d%time.Minute/time.Second)
	}
	return fmt.Sprintf("%ds", s)
}
