package result

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/ergomcp/ergomcp/internal/catalog"
	"github.com/ergomcp/ergomcp/internal/record"
)

func items(n int) []json.RawMessage {
	out := make([]json.RawMessage, n)
	for i := range out {
		out[i] = json.RawMessage(fmt.Sprintf(`{"PID":"<ABC.0.%d>","Name":"w%d"}`, 1000+i, i))
	}
	return out
}

type envelope struct {
	Total       int                          `json:"total"`
	Returned    int                          `json:"returned"`
	Truncated   bool                         `json:"truncated"`
	TruncatedBy string                       `json:"truncated_by"`
	Unavailable map[string]string            `json:"unavailable"`
	Items       []map[string]json.RawMessage `json:"processes"`
}

func decode(t *testing.T, s string) envelope {
	t.Helper()
	if !json.Valid([]byte(s)) {
		t.Fatalf("invalid JSON: %s", s)
	}
	var e envelope
	expanded, err := Expand([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(expanded, &e); err != nil {
		t.Fatal(err)
	}
	if e.Returned != len(e.Items) {
		t.Fatalf("returned %d, %d items", e.Returned, len(e.Items))
	}
	return e
}

func TestFits(t *testing.T) {
	l := List{Total: 3, Items: items(3), ItemsKey: "processes", Records: true}
	s, err := l.Encode(0)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"total":3,"returned":3,"truncated":false,"processes":[` + string(l.Items[0]) + "," + string(l.Items[1]) + "," + string(l.Items[2]) + "]}"
	if s != want {
		t.Fatalf("got  %s\nwant %s", s, want)
	}
}

func TestKeyOrder(t *testing.T) {
	l := List{
		Total: 10, Items: items(2), Truncated: true,
		Unavailable: map[string]string{"Wakeups": "needs ergo ≥ 3.3", "InitTime": "needs ergo ≥ 3.3"},
		Extra:       []record.Field{{Name: "node", Value: "n1@host"}, {Name: "note", Value: math.NaN()}},
	}
	s, err := l.Encode(DefaultBudget)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"total":10,"returned":2,"truncated":true,"truncated_by":"limit",` +
		`"unavailable":{"InitTime":"needs ergo ≥ 3.3","Wakeups":"needs ergo ≥ 3.3"},"node":"n1@host","note":null,"columns":["PID","Name"],"items":[`
	if !strings.HasPrefix(s, want) || !json.Valid([]byte(s)) {
		t.Fatalf("got %s", s)
	}
}

func TestEmptyList(t *testing.T) {
	s, err := (&List{}).Encode(0)
	if err != nil || s != `{"total":0,"returned":0,"truncated":false,"columns":[],"items":[]}` {
		t.Fatalf("got %s, %v", s, err)
	}
}

func TestBudgetCuts(t *testing.T) {
	l := List{Total: 50, Items: items(50), ItemsKey: "processes", Truncated: true}
	full, err := l.Encode(0)
	if err != nil {
		t.Fatal(err)
	}
	// Every budget from the empty envelope up to the whole list: the result
	// fits, is valid, and keeps the longest prefix that fits.
	for budget := 60; budget <= len(full)+5; budget++ {
		s, err := l.Encode(budget)
		if err != nil {
			if !strings.Contains(err.Error(), "raise Options.ResponseBudget") {
				t.Fatalf("budget %d: %v", budget, err)
			}
			continue
		}
		if len(s) > budget {
			t.Fatalf("budget %d: %d bytes", budget, len(s))
		}
		e := decode(t, s)
		for i, it := range e.Items {
			if got, _ := json.Marshal(it); !json.Valid(got) || string(it["Name"]) != fmt.Sprintf(`"w%d"`, i) {
				t.Fatalf("budget %d: item %d is %s", budget, i, got)
			}
		}
		if e.Returned < 50 {
			if e.TruncatedBy != ByBudget || !e.Truncated {
				t.Fatalf("budget %d: cut without saying so: %s", budget, s)
			}
			// One more item would not have fitted: encode it under "limit"
			// and correct for the longer "response_budget".
			more := List{Total: 50, Items: l.Items[:e.Returned+1], ItemsKey: "processes", Truncated: true}
			if m, _ := more.Encode(MaxBudget); len(m)+len(`,"truncated_by":"response_budget"`)-len(`,"truncated_by":"limit"`) <= budget {
				t.Fatalf("budget %d: %d returned, but %d would fit", budget, e.Returned, e.Returned+1)
			}
		} else if e.TruncatedBy != ByLimit {
			t.Fatalf("budget %d: whole list, truncated_by %q", budget, e.TruncatedBy)
		}
	}
}

func TestExactBoundary(t *testing.T) {
	l := List{Total: 5, Items: items(5), ItemsKey: "processes", Records: true}
	full, _ := l.Encode(0)
	if s, err := l.Encode(len(full)); err != nil || s != full {
		t.Fatalf("exact budget: %s, %v", s, err)
	}
	s, err := l.Encode(len(full) - 1)
	if err != nil {
		t.Fatal(err)
	}
	if e := decode(t, s); e.Returned != 4 || e.TruncatedBy != ByBudget || e.Total != 5 {
		t.Fatalf("one byte short: %s", s)
	}
}

func TestTinyBudget(t *testing.T) {
	l := List{Total: 5, Items: items(5), Extra: []record.Field{{Name: "node", Value: "n"}}}
	_, err := l.Encode(20)
	var ce *catalog.Error
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "budget of 20 bytes cannot hold even an empty result") {
		t.Fatalf("got %v", err)
	}
}

func TestFirstItemTooBig(t *testing.T) {
	l := List{Total: 2, Items: []json.RawMessage{json.RawMessage(`"` + strings.Repeat("x", 500) + `"`), json.RawMessage(`1`)}}
	s, err := l.Encode(200)
	if err != nil {
		t.Fatal(err)
	}
	if s != `{"total":2,"returned":0,"truncated":true,"truncated_by":"response_budget","items":[]}` {
		t.Fatalf("got %s", s)
	}
}

func TestExtraError(t *testing.T) {
	l := List{Extra: []record.Field{{Name: "bad", Value: badJSON{}}}}
	if _, err := l.Encode(0); err == nil {
		t.Fatal("no error from a failing extra field")
	}
}

type badJSON struct{}

func (badJSON) MarshalJSON() ([]byte, error) { return nil, errors.New("nope") }

func TestObject(t *testing.T) {
	v := map[string]any{"b": 1, "a": []int{1, 2}}
	s, err := Object(v, 0)
	if err != nil || s != `{"a":[1,2],"b":1}` {
		t.Fatalf("got %s, %v", s, err)
	}
	if s, err := Object(v, len(s)); err != nil || s == "" {
		t.Fatalf("exact budget: %v", err)
	}
	_, err = Object(v, 10)
	var ce *catalog.Error
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "over the response budget of 10 bytes") {
		t.Fatalf("got %v", err)
	}
	if _, err := Object(badJSON{}, 0); err == nil {
		t.Fatal("no error from a failing value")
	}
}
