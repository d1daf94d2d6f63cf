// Package rank is the list engine of the tools that answer ranked lists
// (processes, peers, events): a sort_by table of named keys, the bounded
// top-N that keeps the best rows of a scan in O(limit) memory, and the
// declared limit every such list takes. It knows nothing of what a row is:
// each list names its keys over its own row type, so it builds and is
// tested without Ergo.
package rank
