package rank

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/ergomcp/ergomcp/internal/catalog"
)

type rec struct {
	Name   string
	Count  uint64
	Signed int64
	Small  int32
	Nested struct{ X uint64 }
}

var table = Keys[rec, int]{
	Field[rec]("count", "Count", 1),
	Field[rec]("signed", "Signed", 2),
	FieldAscending[rec]("count_asc", "Count", 0),
	FieldAscending[rec]("signed_asc", "Signed", 0),
	Derived("double", 3, func(r *rec) uint64 { return r.Count * 2 }),
	Tie[rec]("name", 0),
}

func key(t *testing.T, name string) *Key[rec, int] {
	t.Helper()
	k, err := table.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestFieldKeysOrder(t *testing.T) {
	ints := []int64{math.MinInt64, -5, -1, 0, 1, 7, math.MaxInt64}
	uints := []uint64{0, 1, 2, 1 << 62, 1 << 63, math.MaxUint64}
	larger := func(k *Key[rec, int], a, b rec) bool { return k.Of(&a) > k.Of(&b) }
	for i := 1; i < len(ints); i++ {
		lo, hi := rec{Signed: ints[i-1]}, rec{Signed: ints[i]}
		if !larger(key(t, "signed"), hi, lo) || !larger(key(t, "signed_asc"), lo, hi) {
			t.Errorf("signed %d vs %d out of order", ints[i-1], ints[i])
		}
	}
	for i := 1; i < len(uints); i++ {
		lo, hi := rec{Count: uints[i-1]}, rec{Count: uints[i]}
		if !larger(key(t, "count"), hi, lo) || !larger(key(t, "count_asc"), lo, hi) {
			t.Errorf("count %d vs %d out of order", uints[i-1], uints[i])
		}
	}
	if k := key(t, "double"); k.Of(&rec{Count: 21}) != 42 || k.Needs != 3 {
		t.Errorf("derived key %d, needs %d", k.Of(&rec{Count: 21}), k.Needs)
	}
	if k := key(t, "name"); k.Of(&rec{Count: 9, Name: "z"}) != k.Of(&rec{Name: "a"}) {
		t.Error("a tie key ranks rows apart")
	}
	if key(t, "count").Needs != 1 || key(t, "signed").Needs != 2 {
		t.Error("needs lost")
	}
}

func TestFloatAndSigned(t *testing.T) {
	floats := []float64{math.Inf(-1), -math.MaxFloat64, -1, -math.SmallestNonzeroFloat64, 0, math.SmallestNonzeroFloat64, 0.5, 1, math.MaxFloat64, math.Inf(1)}
	if Float(0, false) >= Float(floats[0], true) {
		t.Error("a missing value does not rank below -Inf")
	}
	for i := 1; i < len(floats); i++ {
		if Float(floats[i-1], true) >= Float(floats[i], true) {
			t.Errorf("Float(%g) >= Float(%g)", floats[i-1], floats[i])
		}
	}
	for _, p := range [][2]int64{{math.MinInt64, -1}, {-1, 0}, {0, 1}, {1, math.MaxInt64}} {
		if Signed(p[0]) >= Signed(p[1]) {
			t.Errorf("Signed(%d) >= Signed(%d)", p[0], p[1])
		}
	}
}

func TestLookup(t *testing.T) {
	if got := table.Names(); len(got) != len(table) || got[0] != "count" || got[len(got)-1] != "name" {
		t.Fatalf("Names = %v", got)
	}
	_, err := table.Lookup("Count") // exact: callers normalise
	var ce *catalog.Error
	if !errors.As(err, &ce) || err.Error() != `sort_by "Count" is not valid; use one of: count, signed, count_asc, signed_asc, double, name` {
		t.Fatalf("Lookup(Count) = %v", err)
	}
}

// A field that is not a 64-bit integer of the row itself is refused when
// the table is built, not misread at scan time.
func TestFieldRefusesOtherFields(t *testing.T) {
	for _, field := range []string{"Small", "Name", "Missing", "X"} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(r.(string), field) {
					t.Errorf("Field(%s) did not panic naming it: %v", field, r)
				}
			}()
			Field[rec]("k", field, 0)
		}()
	}
}

func TestCheckLimit(t *testing.T) {
	for _, c := range []struct {
		in, out int
		err     string
	}{
		{0, DefaultLimit, ""},
		{1, 1, ""},
		{MaxLimit, MaxLimit, ""},
		{MaxLimit + 1, MaxLimit + 1, "limit must be between 1 and 10000 (default 20), got 10001"},
		{-1, -1, "limit must be between 1 and 10000 (default 20), got -1"},
	} {
		v := c.in
		err := CheckLimit(&v)
		if v != c.out || (err == nil) != (c.err == "") || err != nil && err.Error() != c.err {
			t.Errorf("CheckLimit(%d) = %d, %v; want %d, %q", c.in, v, err, c.out, c.err)
		}
	}
	if DefaultLimit != 20 || MaxLimit != 10000 {
		t.Errorf("limits %d, %d", DefaultLimit, MaxLimit)
	}
}

// The rule reaches tools through the tag: schema, decoder and rules alike.
func TestLimitRuleThroughTag(t *testing.T) {
	type args struct {
		catalog.Common
		Limit int `json:"limit,omitempty" arg:"rule=list_limit"`
	}
	tool := catalog.Define[args](catalog.Tool{Name: "t"})
	p := tool.InputSchema().Properties["limit"]
	if p.Minimum == nil || *p.Minimum != 1 || *p.Maximum != float64(MaxLimit) || string(p.Default) != "20" {
		t.Fatalf("schema %+v", p)
	}
	v, err := tool.Decode(nil)
	if err != nil || v.(*args).Limit != DefaultLimit {
		t.Fatalf("Decode() = %v, %v", v, err)
	}
	if _, err := tool.Decode([]byte(`{"limit":10001}`)); err == nil || err.Error() != "limit must be between 1 and 10000 (default 20), got 10001" {
		t.Fatalf("Decode over the ceiling: %v", err)
	}
}
