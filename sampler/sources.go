package sampler

// maxSources bounds the per-source drop counters; the sources after the
// first maxSources are counted together as otherSource.
const (
	maxSources  = 256
	otherSource = "(other sources)"
)

// sourceDrops counts, per source, the samples the ring evicted. The ring
// evicts oldest first, so a FIFO of the sources of the samples it holds,
// popped up to its oldest sequence after each put, names every evicted one.
type sourceDrops struct {
	names   []string
	index   map[string]int
	dropped []uint64
	fifo    []sourceMark
	head    int
}

type sourceMark struct {
	seq uint64
	id  int
}

func (d *sourceDrops) tracking() bool { return d.index != nil }

// put notes that sample seq came from source (possibly "": no source) and
// counts the samples older than oldest, the ring's oldest held, as
// dropped.
func (d *sourceDrops) put(seq uint64, source string, oldest uint64) {
	if d.index == nil {
		d.index = map[string]int{}
	}
	id, ok := d.index[source]
	if !ok {
		if len(d.names) >= maxSources {
			source = otherSource
		}
		if id, ok = d.index[source]; !ok {
			id = len(d.names)
			d.index[source] = id
			d.names = append(d.names, source)
			d.dropped = append(d.dropped, 0)
		}
	}
	d.fifo = append(d.fifo, sourceMark{seq, id})
	for d.head < len(d.fifo) && d.fifo[d.head].seq < oldest {
		d.dropped[d.fifo[d.head].id]++
		d.head++
	}
	if d.head > len(d.fifo)/2 && d.head > 64 {
		d.fifo = append(d.fifo[:0], d.fifo[d.head:]...)
		d.head = 0
	}
}

// counts returns the sources with drops, source → dropped samples.
func (d *sourceDrops) counts() map[string]uint64 {
	out := map[string]uint64{}
	for id, n := range d.dropped {
		if n > 0 && d.names[id] != "" {
			out[d.names[id]] = n
		}
	}
	return out
}
