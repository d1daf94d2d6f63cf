// Package query compiles process_list's arguments into a filter and sort
// plan and keeps the best N processes in bounded memory. It sees processes
// only through Proc, which the Ergo side fills from gen.ProcessShortInfo, so
// it builds and is tested without Ergo.
package query
