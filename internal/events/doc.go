// Package events is the ergo-free half of the event tools (event_list,
// event_info): the record they return, which of its columns the running
// ergo can report, the utilization-state rules, the filters, sort and top-N
// of event_list, the by-name reader of ergo 3.3's event table and the
// aggregation that rebuilds a table from process information on older ergo.
//
// # Where the data comes from
//
// ergo ≥ 3.3 keeps an event table: Node.EventRangeInfo and Node.EventInfo
// give every column of Event. Those methods and gen.EventInfo do not exist
// in ergo 3.1, which ergomcp compiles against, so Table reaches them by name.
//
// ergo 3.1 and 3.2 have no table. The event tools rebuild one from
// gen.ProcessInfo (see Rebuild): a process's Events are the events it
// registered (so it is their Producer) and its MonitorsEvent and LinksEvent
// are its subscriptions. That yields Name, Producer and the number of local
// subscriber processes; Notify, Open, buffers, counters and timestamps are
// unavailable, subscribers on other nodes are invisible, and an event the
// node itself registered (Node.RegisterEvent, whose producer is not a
// process) shows only when a local process subscribes to it.
//
// # Utilization state
//
// Every event gets exactly one UtilizationState, decided by the first rule
// that matches. With the full table (publish counters and Notify known):
//
//	active          MessagesPublished > 0 and Subscribers > 0: the event does its job
//	on_demand       Notify: the producer asked to be told when subscribers come
//	                and go, so waiting for subscribers or publishing only while
//	                someone listens is the intended behaviour
//	no_subscribers  MessagesPublished > 0 and Subscribers = 0: publishing into the void
//	no_publishing   Subscribers > 0 and MessagesPublished = 0: subscribers wait for
//	                a producer that never published
//	idle            nothing published, no subscribers, no Notify: possibly forgotten
//
// "Published" means published at all since the event was registered
// (MessagesPublished), not recently: recency needs a window the table does
// not keep. SinceLastPublishSec in each record shows how stale a producer
// is, and sampling event_list over time shows rates.
//
// Without publish counters or Notify (ergo < 3.3) the publishing states
// cannot be told apart, so the states name only what is known:
//
//	has_subscribers       Subscribers > 0 (active, on_demand or no_publishing on ergo ≥ 3.3)
//	no_subscribers        Subscribers = 0 and no subscriber can hide on another node
//	                      (no connected peers); on ergo ≥ 3.3 this would be
//	                      no_subscribers, idle or on_demand
//	no_local_subscribers  Subscribers = 0, but the node has connected peers whose
//	                      subscribers ergo < 3.3 does not show
//
// A utilization_state filter accepts the states the running ergo can
// produce and refuses the others with the reason, rather than match nothing.
package events
