package reports

import (
	"math"
	"strconv"

	"gonum.org/v1/plot"
)

// logLatency reports whether latencies vs go on a log axis: when they
// span more than two decades (tails dwarf the median otherwise).
func logLatency(vs []float64) bool {
	lo, hi := positiveRange(vs)
	return lo > 0 && hi/lo > 100
}

// latencyAxis sets a latency axis over values vs: log (see logLatency),
// else linear from 0.
func latencyAxis(a *plot.Axis, vs []float64) {
	if logLatency(vs) {
		logAxis(a, vs)
		a.Label.Text = "latency (ms, log scale)"
		return
	}
	_, hi := positiveRange(vs)
	linearAxis(a, hi)
}

// positiveRange is the smallest and largest value > 0 of vs (0, 0 if none).
func positiveRange(vs []float64) (lo, hi float64) {
	lo = math.Inf(1)
	for _, v := range vs {
		if v > 0 && !math.IsInf(v, 0) {
			lo, hi = min(lo, v), max(hi, v)
		}
	}
	if hi == 0 {
		return 0, 0
	}
	return lo, hi
}

// logAxis sets a log axis over the positive values of vs, widened to the
// nearest 1, 2 or 5 x 10^k at both ends.
func logAxis(a *plot.Axis, vs []float64) {
	lo, hi := positiveRange(vs)
	if hi == 0 {
		lo, hi = 1, 10
	}
	a.Scale = plot.LogScale{}
	a.Min, a.Max = niceLogFloor(lo), niceLogCeil(hi)
	a.Tick.Marker = plot.TickerFunc(logTicks)
}

// logSteps are the labelled mantissas of a log axis: powers of ten only
// when it spans two decades or more, else 1, 2 and 5.
func logSteps(lo, hi float64) []float64 {
	if hi/lo >= 100 {
		return []float64{1}
	}
	return []float64{1, 2, 5}
}

// niceLogFloor is the largest 1, 2 or 5 x 10^k at or below lo.
func niceLogFloor(lo float64) float64 {
	e := math.Pow10(int(math.Floor(math.Log10(lo))))
	for _, m := range []float64{5, 2, 1} {
		if m*e <= lo*(1+1e-9) {
			return m * e
		}
	}
	return e
}

// niceLogCeil is the smallest 1, 2 or 5 x 10^k at or above hi.
func niceLogCeil(hi float64) float64 {
	e := math.Pow10(int(math.Floor(math.Log10(hi))))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*e >= hi*(1-1e-9) {
			return m * e
		}
	}
	return 10 * e
}

// logTicks labels a log axis: see logSteps; the other mantissas get
// unlabelled minor ticks.
func logTicks(lo, hi float64) []plot.Tick {
	if !(lo > 0) || math.IsInf(hi, 0) || math.IsNaN(hi) {
		return nil // not a log range: no ticks rather than no end
	}
	steps := logSteps(lo, hi)
	var ticks []plot.Tick
	for e := math.Pow10(int(math.Floor(math.Log10(lo)))); e <= hi*(1+1e-9); e *= 10 {
		for m := 1; m < 10; m++ {
			v := float64(m) * e
			if v < lo*(1-1e-9) || v > hi*(1+1e-9) {
				continue
			}
			t := plot.Tick{Value: v}
			for _, s := range steps {
				if float64(m) == s {
					t.Label = tickLabel(v)
				}
			}
			ticks = append(ticks, t)
		}
	}
	return ticks
}

// linearAxis sets a linear axis from 0 to the labelled tick at or above
// hi, with about five labelled ticks.
func linearAxis(a *plot.Axis, hi float64) {
	if !(hi > 0) || math.IsInf(hi, 0) {
		hi = 1
	}
	step := niceStep(hi/5, []float64{1, 2, 2.5, 5})
	a.Min, a.Max = 0, math.Ceil(hi/step-1e-9)*step
	mantissa := step / math.Pow10(int(math.Floor(math.Log10(step))))
	minors := 5
	if mantissa == 2 {
		minors = 4
	}
	a.Tick.Marker = stepTicks(step, minors)
}

// niceStep is the smallest m x 10^k, m in mantissas (ascending), at or
// above raw.
func niceStep(raw float64, mantissas []float64) float64 {
	e := math.Pow10(int(math.Floor(math.Log10(raw))))
	for _, m := range mantissas {
		if m*e >= raw*(1-1e-9) {
			return m * e
		}
	}
	return 10 * e
}

// timeTicks labels a time axis of span seconds about every tenth of it,
// at steps a reader counts in (5 s, 15 s, 1 min, 5 min ...).
func timeTicks(span float64) plot.Ticker {
	raw := max(span, 1) / 10
	steps := []struct{ step, minors float64 }{{1, 1}, {2, 2}, {5, 5}, {10, 5}, {15, 3}, {30, 3}, {60, 4},
		{120, 4}, {300, 5}, {600, 5}, {900, 3}, {1800, 3}, {3600, 4}}
	for _, s := range steps {
		if s.step >= raw {
			return stepTicks(s.step, int(s.minors))
		}
	}
	return stepTicks(niceStep(raw/3600, []float64{1, 2, 5})*3600, 4)
}

// stepTicks labels every multiple of step, with minors-1 minor ticks
// between labels.
func stepTicks(step float64, minors int) plot.Ticker {
	return plot.TickerFunc(func(lo, hi float64) []plot.Tick {
		var ticks []plot.Tick
		first := math.Ceil(lo/step-1e-9) * step
		for i := 0; ; i++ {
			v := first + float64(i)*step
			if v > hi+step*1e-9 || i > 1000 {
				return ticks
			}
			ticks = append(ticks, plot.Tick{Value: v, Label: tickLabel(v)})
			for j := 1; j < minors; j++ {
				if m := v + float64(j)*step/float64(minors); m <= hi {
					ticks = append(ticks, plot.Tick{Value: m})
				}
			}
		}
	})
}

// tickLabel formats an axis value: 0.05, 250, 12k, 1.5M.
func tickLabel(v float64) string {
	a := math.Abs(v)
	switch {
	case a >= 1e6:
		return strconv.FormatFloat(v/1e6, 'f', -1, 64) + "M"
	case a >= 1e4:
		return strconv.FormatFloat(v/1e3, 'f', -1, 64) + "k"
	}
	return strconv.FormatFloat(round6(v), 'f', -1, 64)
}
