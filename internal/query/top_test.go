package query

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

var sortNames = []string{"", "mailbox", "mailbox_latency", "running_time", "init_time", "wakeups", "uptime",
	"messages_in", "messages_out", "drain", "utilization", "pid"}

// refValue computes sort values independently of Plan.key.
func refValue(key string, x *Proc) (float64, bool) {
	switch key {
	case "mailbox":
		return float64(x.Mailbox), true
	case "mailbox_latency":
		return float64(x.MailboxLatency), true
	case "running_time":
		return float64(x.RunningTime), true
	case "init_time":
		return float64(x.InitTime), true
	case "wakeups":
		return float64(x.Wakeups), true
	case "uptime":
		return float64(x.Uptime), true
	case "messages_in":
		return float64(x.MessagesIn), true
	case "messages_out":
		return float64(x.MessagesOut), true
	case "drain":
		if x.Wakeups == 0 {
			return 0, false
		}
		return float64(x.MessagesIn) / float64(x.Wakeups), true
	case "utilization":
		if x.Uptime == 0 {
			return 0, false
		}
		return float64(x.RunningTime) / float64(x.Uptime) / 1e9, true
	}
	return -float64(x.ID), true
}

// refTop is the brute-force answer: sort everything, take a prefix.
func refTop(key string, procs []Proc, match func(*Proc) bool, limit int) (ids []uint64, matched int) {
	var all []Proc
	for i := range procs {
		if match(&procs[i]) {
			all = append(all, procs[i])
		}
	}
	slices.SortFunc(all, func(a, b Proc) int {
		va, oka := refValue(key, &a)
		vb, okb := refValue(key, &b)
		switch {
		case oka != okb:
			if oka {
				return -1
			}
			return 1
		case va != vb:
			return cmp.Compare(vb, va)
		}
		return cmp.Compare(a.ID, b.ID)
	})
	for _, p := range all[:min(limit, len(all))] {
		ids = append(ids, p.ID)
	}
	return ids, len(all)
}

// randomProcs draws values from small ranges so that ties are common.
func randomProcs(r *rand.Rand, n int) []Proc {
	ids := r.Perm(n * 3)
	procs := make([]Proc, n)
	for i := range procs {
		procs[i] = Proc{
			ID: uint64(ids[i]), Mailbox: r.Uint64N(4), MessagesIn: r.Uint64N(6), MessagesOut: r.Uint64N(4),
			RunningTime: r.Uint64N(4) * 1e9, Uptime: r.Int64N(4), MailboxLatency: r.Int64N(5) - 1,
			Wakeups: r.Uint64N(4), InitTime: r.Uint64N(3), State: []string{"sleep", "running"}[r.IntN(2)],
		}
	}
	return procs
}

func TestTopAgainstBruteForce(t *testing.T) {
	for seed := range uint64(60) {
		r := rand.New(rand.NewPCG(seed, 1))
		procs := randomProcs(r, r.IntN(40))
		args := ProcessArgs{}
		if seed%3 == 1 {
			args.MinMailbox = 1
		}
		if seed%4 == 2 {
			args.State = "running"
		}
		for _, key := range sortNames {
			for limit := 1; limit <= len(procs)+5; limit++ {
				args.SortBy, args.Limit = key, limit
				p := mustPlan(t, args, allCaps)
				top := NewTop[Proc](p)
				for i := range procs {
					top.Offer(&procs[i], func() Proc { return procs[i] })
				}
				var got []uint64
				for _, x := range top.Result() {
					got = append(got, x.ID)
				}
				want, matched := refTop(key, procs, p.Match, limit)
				if !slices.Equal(got, want) || top.Matched() != matched {
					t.Fatalf("seed %d sort %q limit %d: got %v (matched %d), want %v (matched %d)",
						seed, key, limit, got, top.Matched(), want, matched)
				}
			}
		}
	}
}

func TestTopResultTwice(t *testing.T) {
	top := NewTop[uint64](mustPlan(t, ProcessArgs{Limit: 2, SortBy: "mailbox"}, allCaps))
	calls := 0
	for i, mb := range []uint64{5, 9, 1, 7, 2, 8} {
		top.Offer(&Proc{ID: uint64(i), Mailbox: mb}, func() uint64 { calls++; return mb })
	}
	if calls != 4 { // 5, 9, 7 (evicts 5), 8 (evicts 7); 1 and 2 are rejected
		t.Fatalf("item called %d times, want 4", calls)
	}
	for range 2 {
		if got := top.Result(); !slices.Equal(got, []uint64{9, 8}) {
			t.Fatalf("Result = %v", got)
		}
	}
	if top.Matched() != 6 {
		t.Fatalf("Matched = %d", top.Matched())
	}
	if got := NewTop[int](mustPlan(t, ProcessArgs{}, allCaps)).Result(); len(got) != 0 {
		t.Fatalf("empty Result = %v", got)
	}
}

// rawInfo stands in for gen.ProcessShortInfo in benchmarks: the Ergo side
// fills a Proc from it per process.
type rawInfo struct {
	PID struct {
		Node     string
		ID       uint64
		Creation int64
	}
	Name, Application                                     string
	Behavior                                              string
	MessagesIn, MessagesOut, MessagesMailbox, RunningTime uint64
	Uptime                                                int64
	State                                                 int32
	LogLevel                                              int
	MailboxLatency                                        int64
	Wakeups, InitTime                                     uint64
}

var stateName = [...]string{"init", "sleep", "running", "wait response", "terminated", "zombee"}

func fill(p *Proc, r *rawInfo) {
	*p = Proc{
		ID: r.PID.ID, Name: r.Name, Application: r.Application, Behavior: r.Behavior, State: stateName[r.State],
		MessagesIn: r.MessagesIn, MessagesOut: r.MessagesOut, Mailbox: r.MessagesMailbox, RunningTime: r.RunningTime,
		Uptime: r.Uptime, MailboxLatency: r.MailboxLatency, Wakeups: r.Wakeups, InitTime: r.InitTime,
	}
}

func benchRecords() []rawInfo {
	r := rand.New(rand.NewPCG(1, 2))
	apps := []string{"store", "web", "queue", "auth"}
	recs := make([]rawInfo, 100_000)
	for i := range recs {
		rec := &recs[i]
		rec.PID.ID = uint64(1000 + i)
		rec.Name = fmt.Sprintf("worker_%d", i%500)
		rec.Application = apps[r.IntN(len(apps))]
		rec.Behavior = "*main.Worker"
		rec.State = int32(r.IntN(len(stateName)))
		rec.MessagesIn, rec.MessagesOut = r.Uint64N(1e6), r.Uint64N(1e6)
		if r.IntN(20) == 0 { // most mailboxes are empty
			rec.MessagesMailbox = r.Uint64N(1000)
		}
		rec.RunningTime, rec.Uptime = r.Uint64N(1e12), r.Int64N(1e5)
		rec.MailboxLatency, rec.Wakeups, rec.InitTime = r.Int64N(1e9), r.Uint64N(1e6), r.Uint64N(1e7)
	}
	return recs
}

var scanSink Proc // a global, so that the floor's stores are not optimised away

// BenchmarkScanOnly is the floor: filling a Proc per record and nothing else.
func BenchmarkScanOnly(b *testing.B) {
	recs := benchRecords()
	for b.Loop() {
		for i := range recs {
			fill(&scanSink, &recs[i])
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(recs)), "ns/proc")
}

func benchTop(b *testing.B, args ProcessArgs) {
	recs := benchRecords()
	plan, err := args.Plan(allCaps)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		top := NewTop[rawInfo](plan)
		var p Proc
		for i := range recs {
			fill(&p, &recs[i])
			top.Offer(&p, func() rawInfo { return recs[i] })
		}
		if len(top.Result()) == 0 {
			b.Fatal("empty result")
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(recs)), "ns/proc")
}

// BenchmarkTopOffer: the common "who is backed up" query, limit 10.
func BenchmarkTopOffer(b *testing.B) { benchTop(b, ProcessArgs{Limit: 10, SortBy: "mailbox"}) }

// BenchmarkTopOfferFiltered adds string and derived-metric filters.
func BenchmarkTopOfferFiltered(b *testing.B) {
	benchTop(b, ProcessArgs{Limit: 10, SortBy: "utilization", Application: "store", Name: "worker_1", MinDrain: 0.5})
}

// BenchmarkOfferInCache measures Offer alone on pre-filled Procs that fit in
// cache, separating its CPU cost from the memory traffic of a real scan.
func BenchmarkOfferInCache(b *testing.B) {
	recs := benchRecords()[:1000]
	procs := make([]Proc, len(recs))
	for i := range recs {
		fill(&procs[i], &recs[i])
	}
	plan, err := (&ProcessArgs{Limit: 10, SortBy: "mailbox"}).Plan(allCaps)
	if err != nil {
		b.Fatal(err)
	}
	top := NewTop[uint64](plan)
	for b.Loop() {
		for i := range procs {
			top.Offer(&procs[i], func() uint64 { return procs[i].ID })
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(procs)), "ns/proc")
}

// TestOfferKey ranks by a key the caller computed, as process_top does with
// rates: largest first, ties by ascending ID, every offer matched, and an
// item built only for what is kept.
func TestOfferKey(t *testing.T) {
	a := ProcessArgs{Limit: 3}
	if err := a.Validate(); err != nil {
		t.Fatal(err)
	}
	p, err := a.Plan(Caps{})
	if err != nil {
		t.Fatal(err)
	}
	top := NewTop[string](p)
	built := 0
	offers := []struct {
		id uint64
		f  float64
	}{{10, -1}, {11, 0.5}, {12, math.Inf(1)}, {13, 0.5}, {14, 0}, {9, 0.5}, {15, -math.MaxFloat64}}
	for _, o := range offers {
		top.OfferKey(o.id, FloatKey(o.f), func() string { built++; return fmt.Sprint(o.id) })
	}
	if got := fmt.Sprint(top.Result()); got != "[12 9 11]" {
		t.Errorf("kept %s, want [12 9 11] (infinity first, then the 0.5s by ID)", got)
	}
	if top.Matched() != len(offers) {
		t.Errorf("matched %d, want %d", top.Matched(), len(offers))
	}
	// 10, 11, 12 fill the heap; 13 beats 10; 9 beats 13 (same key, lower
	// ID); 14 and 15 rank below what is kept.
	if built != 5 {
		t.Errorf("built %d items, want 5: a rejected offer must not build one", built)
	}
}
