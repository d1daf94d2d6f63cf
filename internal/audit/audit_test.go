package audit

import (
	"fmt"
	"sync"
	"testing"

	"github.com/ergomcp/ergomcp/internal/catalog"
)

func TestRing(t *testing.T) {
	l := New(3)
	if got, total := l.Recent(10); len(got) != 0 || total != 0 {
		t.Fatalf("empty: %v %d", got, total)
	}
	for i := range 5 {
		l.Add(catalog.AuditRecord{Tool: fmt.Sprint(i)})
	}
	got, total := l.Recent(10)
	if total != 5 || len(got) != 3 || got[0].Tool != "4" || got[1].Tool != "3" || got[2].Tool != "2" {
		t.Fatalf("wrapped: %v %d", got, total)
	}
	if got, _ := l.Recent(1); len(got) != 1 || got[0].Tool != "4" {
		t.Fatalf("limit 1: %v", got)
	}
	if got, _ := l.Recent(-1); len(got) != 0 {
		t.Fatalf("negative limit: %v", got)
	}
	if New(0).ring == nil || len(New(0).ring) != DefaultSize {
		t.Fatal("default size")
	}
}

func TestConcurrent(t *testing.T) {
	l := New(100)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 500 {
				l.Add(catalog.AuditRecord{Tool: fmt.Sprint(g, i)})
				l.Recent(5)
			}
		}()
	}
	wg.Wait()
	if _, total := l.Recent(0); total != 4000 {
		t.Fatalf("total %d", total)
	}
}
