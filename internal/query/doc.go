// Package query compiles process_list's arguments into a filter and sort
// plan over the list engine (internal/rank: its sort-key table and bounded
// top-N keep the best N processes in O(N) memory). It sees processes
// only through Proc, which the Ergo side fills from gen.ProcessShortInfo, so
// it builds and is tested without Ergo.
package query
