package prompts

// Shared arguments: the same name means the same thing in every prompt.
var (
	pidArg = Arg{Name: "pid", Description: "PID of a suspect process, e.g. <ABCD1234.0.1017>",
		From: "take the PID of the first process the earlier steps ranked"}
	appArg = Arg{Name: "application", Description: "restrict to this application's processes",
		From: "take it from app_list, or drop the argument"}
	supArg = Arg{Name: "supervisor", Description: "PID of the supervisor whose children restart",
		From: "take the Parent of the young processes found in step 2"}
	eventArg = Arg{Name: "event", Description: "name of a suspect event",
		From: "take the Name of the first event the earlier steps listed"}
	peerArg = Arg{Name: "peer", Description: "name of a suspect peer node, e.g. orders@host",
		From: "take a node the earlier steps showed as missing or flapping"}
)

// All returns every prompt, in the order prompts/list shows them.
func Investigations() []Investigation { return investigations }

var investigations = []Investigation{
	{
		Name:        "performance_bottleneck",
		Title:       "A performance bottleneck",
		Description: "Requests are slow or time out: find the process whose mailbox grows faster than it drains, or whose callbacks block.",
		Args:        []Arg{nodeArg, appArg, pidArg},
		Steps: []Step{
			{Tool: "diagnose", Args: map[string]any{"scenario": "performance"}, Look: "Findings name the processes and the rule that fired (mailbox_growing, cpu_hog, blocked_callback); follow their next steps."},
			{Tool: "node_history", Args: map[string]any{"minutes": 30, "series": []string{"mailbox_total", "sched_latency_p99", "gc_cpu", "goroutines"}}, Look: "Since when the backlog grows and how fast (Trend, PerSec); Movers are the processes whose mailbox grew most over the last half hour, beyond diagnose's window."},
			{Tool: "process_top", Args: map[string]any{"sort_by": "mailbox_growth", "window_ms": 2000, "limit": 10}, Look: "MailboxGrowthRate > 0 with TimeToDrainS \"never\" is a consumer that cannot keep up; EstLatencyMs is how long a new message waits."},
			{Tool: "process_top", Args: map[string]any{"sort_by": "cpu", "window_ms": 2000, "limit": 10}, Look: "CPU near 1 is a process using a whole core; CPUStale means ergo could not record its running time (it never emptied its mailbox)."},
			{Tool: "process_list", Args: map[string]any{"sort_by": "mailbox", "limit": 10, "application": "{application}"}, Look: "The deepest mailboxes right now, with cumulative counters."},
			{Tool: "process_inspect", Args: map[string]any{"pid": "{pid}"}, Look: "The actor's own view of its state (HandleInspect)."},
			{Tool: "pprof_goroutines", Args: map[string]any{"pid": "{pid}"}, Look: "Where the process's goroutine is right now: a lock, a network call, a Call to another process (needs -tags=pprof)."},
			{Tool: "pprof_cpu", Args: map[string]any{"duration": 5, "limit": 15}, Look: "Which functions burn the CPU while the problem lasts."},
		},
	},
	{
		Name:        "process_leak",
		Title:       "A process leak",
		Description: "The process count keeps climbing: find who spawns processes that never end, grouped by behavior and parent.",
		Args:        []Arg{nodeArg, appArg, pidArg},
		Steps: []Step{
			{Tool: "diagnose", Args: map[string]any{"scenario": "leak"}, Look: "process_leak names the behavior and parent whose processes outrun their terminations."},
			{Tool: "node_history", Args: map[string]any{"minutes": 60, "series": []string{"processes", "spawned", "terminated", "goroutines"}}, Look: "The last hour: processes' Trend says since when and how fast (PerSec, PerHour); spawned minus terminated is the leak rate; Spawners names the parent and behaviour whose new processes keep coming."},
			{Tool: "node_info", Args: map[string]any{}, Look: "ProcessesTotal now, and on ergo 3.1/3.2 ProcessesSpawned and ProcessesTerminated since ergomcp started."},
			{Tool: "process_list", Args: map[string]any{"sort_by": "uptime", "limit": 20, "max_uptime": 60, "application": "{application}"}, Look: "Processes younger than a minute: many of one behavior is the leak."},
			{Tool: "process_children", Args: map[string]any{"parent": "{pid}", "limit": 50}, Look: "The suspect parent's children: their count and age."},
			{Tool: "process_info", Args: map[string]any{"pid": "{pid}"}, Look: "Links and monitors: a process that monitors thousands of others is often the spawner."},
		},
	},
	{
		Name:        "restart_loop",
		Title:       "A restart loop",
		Description: "A child keeps crashing and its supervisor keeps restarting it: find the child, the supervisor and the reason.",
		Args:        []Arg{nodeArg, supArg},
		Steps: []Step{
			{Tool: "diagnose", Args: map[string]any{"scenario": "restart_loop"}, Look: "restart_loop names the supervisor and its young children."},
			{Tool: "node_history", Args: map[string]any{"minutes": 30, "series": []string{"processes", "terminated", "spawned", "log_error", "log_panic"}}, Look: "A restart loop is terminated and spawned per second flat at the restart rate while processes stay flat; Spawners names the supervisor (Parent) and the behaviour it restarts, LogSources the process that logs its crash; Since says when it began."},
			{Tool: "process_list", Args: map[string]any{"sort_by": "uptime", "max_uptime": 5, "limit": 20}, Look: "Processes younger than 5 s: a registered name seen with a new PID on every call is restarting."},
			{Tool: "process_children", Args: map[string]any{"parent": "{supervisor}"}, Look: "The supervisor's children and their uptime."},
			{Tool: "sample_listen", Args: map[string]any{"log_levels": []string{"error", "panic"}}, Look: "Captures error and panic log lines: the crash reason of each restart."},
			{Tool: "app_list", Args: map[string]any{}, Look: "An application whose supervisor gave up shows as stopped."},
		},
	},
	{
		Name:        "zombie_processes",
		Title:       "Zombie and stuck processes",
		Description: "Processes that stopped handling messages: stuck in a callback, waiting on a call that never returns, or terminated but not gone.",
		Args:        []Arg{nodeArg, pidArg},
		Steps: []Step{
			{Tool: "diagnose", Args: map[string]any{"scenario": "stuck"}, Look: "call_chain and blocked_callback name processes that made no progress during the window."},
			{Tool: "process_list", Args: map[string]any{"state": "zombee"}, Look: "Processes ergo marked as zombies: killed while inside a callback."},
			{Tool: "process_list", Args: map[string]any{"state": "wait_response", "sort_by": "mailbox"}, Look: "Processes waiting for a Call's answer while their mailbox fills."},
			{Tool: "process_top", Args: map[string]any{"sort_by": "est_latency", "window_ms": 3000}, Look: "EstLatencyMs \"stalled\": messages waited the whole window and none was handled."},
			{Tool: "pprof_goroutines", Args: map[string]any{"pid": "{pid}"}, Look: "The stack of the stuck process: what it waits on."},
		},
	},
	{
		Name:        "memory_growth",
		Title:       "Memory growth",
		Description: "The node's memory keeps growing: tell live heap growth from GC pressure and find what allocates.",
		Args:        []Arg{nodeArg},
		Steps: []Step{
			{Tool: "diagnose", Args: map[string]any{"scenario": "memory"}, Look: "heap_growth shows heap before/after and GC CPU share, and the allocation sites behind it."},
			{Tool: "runtime_stats", Args: map[string]any{}, Look: "Heap live vs goal, GC cycles and CPU share, goroutines (a goroutine leak is a memory leak too)."},
			{Tool: "node_history", Args: map[string]any{"minutes": 60, "series": []string{"heap_live", "gc_cpu", "gc_cycles", "goroutines"}}, Look: "The heap's last hour: a steady rise (Trend rising, PerHour in MiB) since a given time is a leak, a saw-tooth that returns is load; gc_cpu rising with it is GC pressure."},
			{Tool: "pprof_heap", Args: map[string]any{"limit": 15}, Look: "In-use bytes by allocation site: the functions holding memory."},
			{Tool: "process_list", Args: map[string]any{"sort_by": "mailbox", "limit": 10}, Look: "Deep mailboxes hold every queued message in memory."},
		},
	},
	{
		Name:        "network_issues",
		Title:       "Network issues between nodes",
		Description: "A peer is unreachable, slow or keeps reconnecting: check connections, routes and the registrar.",
		Args:        []Arg{nodeArg, peerArg},
		Steps: []Step{
			{Tool: "diagnose", Args: map[string]any{"scenario": "network"}, Look: "peer_not_connected and peer_flapping name the peers and the evidence."},
			{Tool: "network_nodes", Args: map[string]any{}, Look: "Connected peers: connection uptime (a young connection to an old node is a reconnect) and traffic."},
			{Tool: "cluster_nodes", Args: map[string]any{}, Look: "Peers the registrar knows against peers connected."},
			{Tool: "network_ping", Args: map[string]any{"name": "{peer}", "count": 5}, Look: "Round-trip time to the peer's ergomcp."},
			{Tool: "registrar_resolve", Args: map[string]any{"name": "{peer}"}, Look: "Where the registrar says the peer listens."},
			{Tool: "network_info", Args: map[string]any{}, Look: "This node's network mode, acceptors, static routes and flags."},
		},
	},
	{
		Name:        "event_system",
		Title:       "Event system problems",
		Description: "Events published to nobody, or subscribers too slow for their fanout.",
		Args:        []Arg{nodeArg, eventArg},
		Steps: []Step{
			{Tool: "diagnose", Args: map[string]any{"scenario": "events"}, Look: "event_no_subscribers and event_slow_subscriber name the event, its producer and the slow subscribers."},
			{Tool: "event_list", Args: map[string]any{"sort_by": "published"}, Look: "Events by messages published; Subscribers 0 with a high publish count is wasted work or a missing consumer."},
			{Tool: "event_info", Args: map[string]any{"name": "{event}"}, Look: "The event's producer, subscribers and buffer."},
			{Tool: "process_top", Args: map[string]any{"sort_by": "mailbox_growth"}, Look: "Subscribers whose mailbox grows with every publish."},
		},
	},
	{
		Name:        "goroutine_investigation",
		Title:       "A goroutine investigation",
		Description: "Too many goroutines, or goroutines blocked: group them by stack and tie them to processes.",
		Args:        []Arg{nodeArg, pidArg},
		Steps: []Step{
			{Tool: "runtime_stats", Args: map[string]any{}, Look: "Goroutine count and states; compare with node_info's process count (one goroutine per running process)."},
			{Tool: "node_history", Args: map[string]any{"minutes": 60, "series": []string{"goroutines", "processes"}}, Look: "Goroutines rising while processes stay flat is a goroutine leak outside the actors; since when and how fast."},
			{Tool: "pprof_goroutines", Args: map[string]any{"limit": 20}, Look: "Goroutines grouped by stack, largest groups first: thousands on one stack is a leak or a pile-up."},
			{Tool: "pprof_goroutines", Args: map[string]any{"pid": "{pid}"}, Look: "One process's goroutine (needs -tags=pprof)."},
			{Tool: "pprof_cpu", Args: map[string]any{"duration": 5, "group_by": "pid"}, Look: "CPU by process (needs -tags=pprof)."},
		},
	},
	{
		Name:        "cluster_health",
		Title:       "Cluster health",
		Description: "A first look at every node at once: which node is unwell and why.",
		Args:        []Arg{nodeArg},
		Steps: []Step{
			{Tool: "cluster_nodes", Args: map[string]any{}, Look: "Every node known, connected or not, and whether it runs ergomcp."},
			{Tool: "node_info", Args: map[string]any{"node": "*"}, Look: "Each node's status: a timeout or error is the first suspect."},
			{Tool: "runtime_stats", Args: map[string]any{"node": "*"}, Look: "Heap, GC and goroutines side by side: the outlier stands out."},
			{Tool: "diagnose", Args: map[string]any{"node": "*", "scenario": "overview"}, Look: "Findings per node, ranked."},
			{Tool: "node_history", Args: map[string]any{"node": "*", "minutes": 15, "series": []string{"processes", "heap_live", "goroutines", "log_error"}}, Look: "One trend table per node: the node whose series rise while the others stay flat."},
			{Tool: "process_top", Args: map[string]any{"node": "*", "sort_by": "mailbox_growth", "limit": 5}, Look: "The growing mailboxes of every node."},
		},
	},
}
