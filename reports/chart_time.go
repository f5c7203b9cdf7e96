package reports

import (
	"math"

	"gonum.org/v1/plot/vg"
)

// Line is one named line of a time chart: Y[i] at X[i] seconds of the
// run. A NaN (or infinite) Y breaks the line: a second without data, or
// one excluded from the figures.
type Line struct {
	Name   string
	X, Y   []float64
	Dashed bool // dashed, so a later line that often equals an earlier one (max over p99) shows both
}

// TimeChart is a chart over the seconds of a run: lines drawn over the
// marked windows (Report.Windows), which are shaded by kind. Lines are
// drawn in order, the last on top.
type TimeChart struct {
	Title   string
	YLabel  string
	Lines   []Line
	Windows []Window
	LogY    bool // log y axis (latencies); values <= 0 then break the line
}

// TimeSeriesChart draws c: its lines over the seconds of the run, with
// its windows shaded behind them and listed in the legend by kind
// ("worker lost", "disconnect burst", "excluded", hatched grey). It
// returns inline SVG markup; without any data point, a "no samples" note.
func TimeSeriesChart(c TimeChart) (svg string, err error) {
	defer recoverChart(c.Title, &err)
	p := newPlot("seconds since start", c.YLabel)
	p.Add(bands(c.Windows))
	var items []legendItem
	var ys []float64
	xmax := 0.0
	for i, ln := range c.Lines {
		style := seriesStyle(i)
		if ln.Dashed {
			style.Dashes = []vg.Length{5, 2.5}
		}
		l := newGappedLine(ln.X, ln.Y, style, c.LogY)
		p.Add(l)
		items = append(items, legendItem{ln.Name, l})
		ys = append(ys, l.finiteY()...)
		xmax = max(xmax, l.maxX())
	}
	if len(ys) == 0 {
		return emptyChart(c.Title, noSamples, wideChartW, wideChartH)
	}
	for _, w := range c.Windows {
		xmax = max(xmax, w.ToS)
	}
	p.X.Min, p.X.Max = 0, xmax
	p.X.Tick.Marker = timeTicks(xmax)
	if c.LogY {
		logAxis(&p.Y, ys)
	} else {
		linearAxis(&p.Y, slicesMax(ys))
	}
	return render(p, c.Title, append(named(items), bandLegend(c.Windows)...), wideChartW, wideChartH)
}

func slicesMax(vs []float64) float64 {
	m := math.Inf(-1)
	for _, v := range vs {
		m = max(m, v)
	}
	return m
}
