package catalog

import (
	"strings"
	"testing"
)

var testRule = DeclareRule("test_rows", "min=2,max=50,default=5")

func TestNamedRule(t *testing.T) {
	if *testRule.Min != 2 || *testRule.Max != 50 || testRule.DefaultInt() != 5 || testRule.Range != "between 2 and 50 (default 5)" {
		t.Fatalf("rule %+v", testRule)
	}
	type args struct {
		Common
		// A named rule combines with the argument's own keys.
		N int `json:"n,omitempty" arg:"rule=test_rows,required"`
	}
	tool := Define[args](Tool{Name: "t"})
	for _, r := range tool.Rules() {
		if r.Name == "n" && (!r.Required || r.Range != testRule.Range) {
			t.Fatalf("n's rule %+v", r)
		}
	}
	if _, err := tool.Decode([]byte(`{"n":51}`)); err == nil || err.Error() != "n must be between 2 and 50 (default 5), got 51" {
		t.Fatalf("Decode: %v", err)
	}
	// Check says what the decoder says.
	for _, v := range []float64{1, 51} {
		want := strings.Replace(testRule.Check("n", v).Error(), "n ", "", 1)
		if _, err := tool.Decode([]byte(`{"n":` + num(v) + `}`)); err == nil || !strings.HasSuffix(err.Error(), want) {
			t.Errorf("Check(%v) %q, decoder %v", v, want, err)
		}
	}
	if testRule.Check("n", 2) != nil || testRule.Check("n", 50) != nil {
		t.Error("bounds are inclusive")
	}
	if (ArgRule{}).DefaultInt() != 0 {
		t.Error("a rule without a default")
	}
}

func TestNamedRuleErrors(t *testing.T) {
	for _, c := range []struct {
		name string
		fn   func()
		want string
	}{
		{"twice", func() { DeclareRule("test_rows", "min=1") }, "declared twice"},
		{"bad tag", func() { DeclareRule("test_bad", "min=x") }, "not a number"},
		{"unknown", func() {
			type args struct {
				Common
				N int `json:"n" arg:"rule=no_such_rule"`
			}
			Define[args](Tool{Name: "t"})
		}, `no rule named "no_such_rule"`},
	} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(r.(string), c.want) {
					t.Errorf("%s: panic %v, want %q", c.name, r, c.want)
				}
			}()
			c.fn()
		}()
	}
}
