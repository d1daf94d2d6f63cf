package record

import (
	"encoding/json"
	"math"
	"testing"
)

// TestFloatsLikeEncodingJSON: floats are written as encoding/json writes
// them, across the magnitudes where it switches between plain and
// exponent notation (1e-6 and 1e21), for float64 and float32, each just
// below, at and just above.
func TestFloatsLikeEncodingJSON(t *testing.T) {
	var f64 []float64
	for _, edge := range []float64{1e-6, 1e21, 1e-7, 123456789e-15} {
		f64 = append(f64, math.Nextafter(edge, 0), edge, math.Nextafter(edge, math.Inf(1)))
	}
	f64 = append(f64, 0, 1, 0.1, 1.5e300, 5e-324, 1e20, 123456789)
	for _, f := range f64 {
		for _, v := range []float64{f, -f} {
			check(t, v)
		}
	}
	var f32 []float32
	for _, edge := range []float32{1e-6, 1e21, 1e-7} {
		f32 = append(f32, math.Nextafter32(edge, 0), edge, math.Nextafter32(edge, float32(math.Inf(1))))
	}
	f32 = append(f32, 0.1, 3.4e38, 1e-45, 16777216)
	for _, f := range f32 {
		for _, v := range []float32{f, -f} {
			check(t, v)
		}
	}
	for _, v := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		if b, err := AppendValue(nil, v); err != nil || string(b) != "null" {
			t.Errorf("%g: %s %v, want null (JSON has no such number)", v, b, err)
		}
	}
}

func check[F float32 | float64](t *testing.T, v F) {
	t.Helper()
	want, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	got, err := AppendValue(nil, v)
	if err != nil || string(got) != string(want) {
		t.Errorf("%T %g: got %s (%v), encoding/json writes %s", v, v, got, err, want)
	}
}

// TestComplexFullPrecision: complex numbers (JSON has none) are written as
// strings with every digit that tells them apart.
func TestComplexFullPrecision(t *testing.T) {
	for _, c := range []struct {
		v    any
		want string
	}{
		{complex(1.25, -2.5), `"(1.25-2.5i)"`},
		{complex(0.1, 1e-9), `"(0.1+1e-09i)"`},
		{complex64(complex(1.1, 3)), `"(1.1+3i)"`},
	} {
		if b, err := AppendValue(nil, c.v); err != nil || string(b) != c.want {
			t.Errorf("%v: %s %v, want %s", c.v, b, err, c.want)
		}
	}
}

// TestBytesAtTheASCIIEdge: 0x7f is ASCII (escaped as a control), 0x80 alone
// is not UTF-8 and becomes U+FFFD, as encoding/json writes them.
func TestBytesAtTheASCIIEdge(t *testing.T) {
	for _, s := range []string{"\x7f", "\x80", "a\x80b", "\xc2\x80", "\x7f\x80\x81"} {
		want, _ := json.Marshal(s)
		if got := AppendString(nil, s); string(got) != string(want) {
			t.Errorf("%q: got %s, encoding/json writes %s", s, got, want)
		}
	}
}
