package history

import (
	"fmt"
	"math"
	"strconv"
	"time"
)

// Direction of a trend.
const (
	Rising  = "rising"
	Flat    = "flat"
	Falling = "falling"
	Unknown = "unknown" // fewer than three readings
)

// Trend summarizes one series over a window, in the series' shown unit.
type Trend struct {
	Dir string
	// PerSec and PerHour are the least-squares slope since Since.
	PerSec, PerHour float64
	// Since is when the current direction began: the last low before a
	// rise, the last high before a fall, or the window's first reading.
	// SinceWindowStart says the direction began at or before the window.
	Since            time.Time
	SinceWindowStart bool
	First, Last      float64
	Mean             float64
	Readings         int
}

// minRise is the share of the mean a change must reach to be a trend, and
// minFit the least r² of the fit: noise around a level stays flat.
const (
	minRise = 0.05
	minFit  = 0.3
)

// Fit computes the trend of readings ys at times ts (unix seconds, rising,
// NaN readings skipped) against floor, the smallest change that counts.
func Fit(ts, ys []float64, floor float64) Trend {
	t, y := make([]float64, 0, len(ts)), make([]float64, 0, len(ys))
	for i := range ts {
		if !math.IsNaN(ys[i]) && !math.IsInf(ys[i], 0) {
			t, y = append(t, ts[i]), append(y, ys[i])
		}
	}
	tr := Trend{Dir: Unknown, Readings: len(y)}
	if len(y) == 0 {
		return tr
	}
	tr.First, tr.Last = y[0], y[len(y)-1]
	tr.Mean = mean(y)
	tr.Since, tr.SinceWindowStart = unixSeconds(t[0]), true
	if len(y) < 3 {
		return tr
	}
	slope, _ := regress(t, y)
	// The direction began at the last extreme against it.
	k := 0
	for i := range y {
		if (slope >= 0 && y[i] <= y[k]) || (slope < 0 && y[i] >= y[k]) {
			k = i
		}
	}
	if len(y)-k < 3 {
		k = 0
	}
	slope, r2 := regress(t[k:], y[k:])
	tr.PerSec, tr.PerHour = slope, slope*3600
	tr.Since, tr.SinceWindowStart = unixSeconds(t[k]), k == 0
	change := math.Abs(slope * (t[len(t)-1] - t[k]))
	switch {
	case change < floor || change < minRise*math.Abs(tr.Mean) || r2 < minFit:
		tr.Dir = Flat
	case slope > 0:
		tr.Dir = Rising
	default:
		tr.Dir = Falling
	}
	return tr
}

// regress is the least-squares line through (t, y): slope and r².
func regress(t, y []float64) (slope, r2 float64) {
	mt, my := mean(t), mean(y)
	var stt, sty, syy float64
	for i := range t {
		dt, dy := t[i]-mt, y[i]-my
		stt += dt * dt
		sty += dt * dy
		syy += dy * dy
	}
	if stt == 0 {
		return 0, 0
	}
	slope = sty / stt
	if syy == 0 {
		return slope, 1 // a constant fits perfectly (and is flat)
	}
	return slope, sty * sty / (stt * syy)
}

func mean(v []float64) float64 {
	var s float64
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

func unixSeconds(s float64) time.Time {
	sec, frac := math.Modf(s)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC()
}

// Line is the trend in one line, for the answer and diagnose's evidence:
// "rising 120→181 count, +1.02/s (+3672/h) since 21:30:10".
func (tr Trend) Line(unit string) string {
	if tr.Dir == Unknown {
		return fmt.Sprintf("unknown: %d reading(s), need 3", tr.Readings)
	}
	since := tr.Since.Format("15:04:05")
	if tr.SinceWindowStart {
		since = "the window's start " + since
	}
	if tr.Dir == Flat {
		return fmt.Sprintf("flat %s→%s %s, mean %s", Num(tr.First), Num(tr.Last), unit, Num(tr.Mean))
	}
	return fmt.Sprintf("%s %s→%s %s, %s/s (%s/h) since %s", tr.Dir, Num(tr.First), Num(tr.Last), unit,
		signed(tr.PerSec), signed(tr.PerHour), since)
}

func signed(v float64) string {
	if v >= 0 {
		return "+" + Num(v).String()
	}
	return Num(v).String()
}

// Num is a reading in an answer: NaN is null, integers print whole and
// other values with about three significant digits, which is what a trend
// or a sparkline needs and keeps an hour of series compact.
type Num float64

func (n Num) String() string { return string(n.append(nil)) }

// MarshalJSON writes n as described on Num.
func (n Num) MarshalJSON() ([]byte, error) { return n.append(nil), nil }

func (n Num) append(b []byte) []byte {
	v := float64(n)
	a := math.Abs(v)
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return append(b, "null"...)
	case v == math.Trunc(v) && a < 1e15:
		return strconv.AppendInt(b, int64(v), 10)
	case a >= 100:
		return strconv.AppendFloat(b, v, 'f', 0, 64)
	case a >= 10:
		return strconv.AppendFloat(b, v, 'f', 1, 64)
	case a >= 1:
		return strconv.AppendFloat(b, v, 'f', 2, 64)
	}
	return strconv.AppendFloat(b, v, 'g', 3, 64)
}
