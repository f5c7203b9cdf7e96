package reports

import (
	"math"
	"strconv"

	"gonum.org/v1/plot"
)

// Curve is one named series of a percentile distribution chart, such as
// one run's Latency.Distribution.
type Curve struct {
	Name   string // legend entry; a chart whose series are all unnamed has no legend
	Points []Quantile
}

// PercentileChart draws latency against percentile as HdrHistogram plots
// it: x is 1/(1-p) on a log scale labelled "0%", "90%", "99%", "99.9%"...;
// y is latency in ms (log scale when it spans more than two decades).
// Each curve is one series (for example one run), in its own colour and
// dash. It returns inline SVG markup; without samples, a "no samples" note.
func PercentileChart(title string, curves ...Curve) (svg string, err error) {
	defer recoverChart(title, &err)
	xs, ys := make([][]float64, len(curves)), make([][]float64, len(curves))
	var all []float64
	xmax := 1.0
	for i, cv := range curves {
		xs[i], ys[i] = percentileXY(cv.Points)
		all = append(all, ys[i]...)
		if n := len(xs[i]); n > 0 {
			xmax = max(xmax, xs[i][n-1])
		}
	}
	if len(all) == 0 {
		return emptyChart(title, noSamples, narrowChartW, narrowChartH)
	}
	p := newPlot("percentile", "latency (ms)")
	var items []legendItem
	for i, cv := range curves {
		if len(xs[i]) > 0 {
			l := newGappedLine(xs[i], ys[i], seriesStyle(i), logLatency(all))
			p.Add(l)
			items = append(items, legendItem{cv.Name, l})
		}
	}
	latencyAxis(&p.Y, all) // after Add, which widens the axes to the data
	p.X.Scale = plot.LogScale{}
	p.X.Min, p.X.Max = 1, percentileAxisMax(xmax)
	p.X.Tick.Marker = plot.ConstantTicks(percentileTicks(p.X.Max))
	return render(p, title, named(items), narrowChartW, narrowChartH)
}

// percentileXY places a distribution on the percentile chart's x axis.
// The last point (100 %) has an infinite 1/(1-p): it is drawn just past
// the last finite point, at twice its x.
func percentileXY(points []Quantile) (xs, ys []float64) {
	for _, q := range points {
		x := 1 / (1 - q.Percentile/100)
		if q.Percentile >= 100 || math.IsInf(x, 0) || x <= 0 {
			last := 1.0
			if len(xs) > 0 {
				last = xs[len(xs)-1]
			}
			x = 2 * last
		}
		xs, ys = append(xs, x), append(ys, q.ValueMs)
	}
	return xs, ys
}

// percentileAxisMax ends the percentile axis at the decade (a labelled
// tick) past xmax when that is near, else just past xmax.
func percentileAxisMax(xmax float64) float64 {
	xmax = max(xmax, 50) // show 99% at least
	decade := math.Pow10(int(math.Ceil(math.Log10(xmax) - 1e-9)))
	if decade <= 2*xmax {
		return decade
	}
	return 1.1 * xmax
}

// percentileTicks labels the decades of 1/(1-p) up to xmax as percentiles.
func percentileTicks(xmax float64) []plot.Tick {
	var ticks []plot.Tick
	for k := 0; math.Pow10(k) <= xmax; k++ {
		label := "0%"
		if k > 0 {
			label = strconv.FormatFloat(round6(100-100/math.Pow10(k)), 'f', -1, 64) + "%"
		}
		ticks = append(ticks, plot.Tick{Value: math.Pow10(k), Label: label})
		for m := 2; m < 10 && float64(m)*math.Pow10(k) < xmax; m++ {
			ticks = append(ticks, plot.Tick{Value: float64(m) * math.Pow10(k)})
		}
	}
	return ticks
}
