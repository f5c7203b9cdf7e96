package reports

import (
	"bytes"
	"fmt"
	"html"
	"image/color"
	"math"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Chart sizes, in points: the units of the SVG's viewBox. The HTML page
// scales each chart to the width of its column.
const (
	wideChartW   = 780
	wideChartH   = 270
	narrowChartW = 390
	narrowChartH = 270
)

// noSamples is the note a chart shows instead of an empty plot.
const noSamples = "no samples"

// Curve is one named series of a percentile distribution chart, such as
// one run's Latency.Distribution.
type Curve struct {
	Name   string // legend entry; a chart whose series are all unnamed has no legend
	Points []Quantile
}

// Bars is one named series of a histogram chart, such as one run's
// Latency.Histogram. Several are overlaid, translucent.
type Bars struct {
	Name string // legend entry; a chart whose series are all unnamed has no legend
	Bins []Bin
}

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

// HistogramChart draws latency histograms: bars over log-spaced bins, x
// in ms on a log scale, y the number of samples in each bin. Several
// series are overlaid, translucent. It returns inline SVG markup; without
// samples, a "no samples" note.
func HistogramChart(title string, series ...Bars) (svg string, err error) {
	defer recoverChart(title, &err)
	p := newPlot("latency (ms, log scale)", "samples")
	var items []legendItem
	var xs []float64
	ymax := 0.0
	for i, s := range series {
		b := newLogBars(s.Bins, seriesStyle(i).Color, len(series) > 1)
		if b == nil {
			continue
		}
		p.Add(b)
		items = append(items, legendItem{s.Name, b})
		x0, x1, _, y1 := b.DataRange()
		xs, ymax = append(xs, x0, x1), max(ymax, y1)
	}
	if len(xs) == 0 {
		return emptyChart(title, noSamples, narrowChartW, narrowChartH)
	}
	logAxis(&p.X, xs)
	linearAxis(&p.Y, ymax)
	return render(p, title, named(items), narrowChartW, narrowChartH)
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

// recoverChart turns a panic of the plotting library (it panics on
// ranges it cannot draw) into an error naming the chart.
func recoverChart(title string, err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("chart %q: %v", title, r)
	}
}

func slicesMax(vs []float64) float64 {
	m := math.Inf(-1)
	for _, v := range vs {
		m = max(m, v)
	}
	return m
}

// sans is the charts' typeface: Liberation Sans, whose metrics lay the
// text out; the page falls back to the metric-compatible Arial.
func sans(size vg.Length) text.Style {
	return text.Style{Color: color.Black, Handler: plot.DefaultTextHandler,
		Font: font.From(font.Font{Typeface: "Liberation", Variant: "Sans"}, size)}
}

// newPlot is an empty plot with the charts' fonts, axes and grid.
func newPlot(xLabel, yLabel string) *plot.Plot {
	p := plot.New()
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = sans(11).Font
		a.Tick.Label.Font = sans(10).Font
		a.Tick.Label.Color = color.Gray{Y: 0x33}
		a.Tick.Length = 4
		a.Padding = 2
		a.Color, a.Tick.Color = color.Gray{Y: 0x66}, color.Gray{Y: 0x66}
	}
	p.X.Label.Text, p.Y.Label.Text = xLabel, yLabel
	p.X.Label.Padding, p.Y.Label.Padding = 2, 4
	grid := plotter.NewGrid()
	grid.Vertical.Color, grid.Horizontal.Color = color.Gray{Y: 0xe4}, color.Gray{Y: 0xe4}
	p.Add(grid)
	return p
}

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

// seriesStyle is the line style of series i: ten distinct colours, then
// the same colours dashed, dotted and dash-dotted.
func seriesStyle(i int) draw.LineStyle {
	palette := [...]color.RGBA{
		{0x1f, 0x77, 0xb4, 0xff}, {0xff, 0x7f, 0x0e, 0xff}, {0x2c, 0xa0, 0x2c, 0xff}, {0xd6, 0x27, 0x28, 0xff},
		{0x94, 0x67, 0xbd, 0xff}, {0x8c, 0x56, 0x4b, 0xff}, {0xe3, 0x77, 0xc2, 0xff}, {0x7f, 0x7f, 0x7f, 0xff},
		{0xbc, 0xbd, 0x22, 0xff}, {0x17, 0xbe, 0xcf, 0xff},
	}
	dashes := [][]vg.Length{nil, {6, 3}, {1.5, 2.5}, {6, 2.5, 1.5, 2.5}}
	return draw.LineStyle{Color: palette[i%len(palette)], Width: 1.6,
		Dashes: dashes[(i/len(palette))%len(dashes)]}
}

// gappedLine is a line that breaks where its y is not finite (or not
// positive, on a log axis); an isolated point is drawn as a dot.
type gappedLine struct {
	xs, ys []float64
	style  draw.LineStyle
	logY   bool
}

var (
	_ plot.Plotter     = (*gappedLine)(nil)
	_ plot.DataRanger  = (*gappedLine)(nil)
	_ plot.Thumbnailer = (*gappedLine)(nil)
)

func newGappedLine(xs, ys []float64, style draw.LineStyle, logY bool) *gappedLine {
	n := min(len(xs), len(ys))
	return &gappedLine{xs: xs[:n], ys: ys[:n], style: style, logY: logY}
}

func (l *gappedLine) ok(i int) bool {
	x, y := l.xs[i], l.ys[i]
	finite := !math.IsNaN(x) && !math.IsInf(x, 0) && !math.IsNaN(y) && !math.IsInf(y, 0)
	return finite && (!l.logY || y > 0)
}

// Plot draws the line's unbroken stretches.
func (l *gappedLine) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	var run []vg.Point
	flush := func() {
		switch len(run) {
		case 0:
		case 1:
			if c.Contains(run[0]) {
				c.DrawGlyph(draw.GlyphStyle{Color: l.style.Color, Radius: 1.8, Shape: draw.CircleGlyph{}}, run[0])
			}
		default:
			c.StrokeLines(l.style, c.ClipLinesXY(run)...)
		}
		run = run[:0]
	}
	for i := range l.xs {
		if !l.ok(i) {
			flush()
			continue
		}
		run = append(run, vg.Point{X: trX(l.xs[i]), Y: trY(l.ys[i])})
	}
	flush()
}

// DataRange is the range of the points drawn.
func (l *gappedLine) DataRange() (xmin, xmax, ymin, ymax float64) {
	xmin, xmax, ymin, ymax = math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for i := range l.xs {
		if l.ok(i) {
			xmin, xmax = min(xmin, l.xs[i]), max(xmax, l.xs[i])
			ymin, ymax = min(ymin, l.ys[i]), max(ymax, l.ys[i])
		}
	}
	return xmin, xmax, ymin, ymax
}

func (l *gappedLine) finiteY() []float64 {
	var out []float64
	for i := range l.xs {
		if l.ok(i) {
			out = append(out, l.ys[i])
		}
	}
	return out
}

// maxX is the largest x, with a point or not: a time chart spans the
// whole run even where its last seconds have no data.
func (l *gappedLine) maxX() float64 {
	m := 0.0
	for _, x := range l.xs {
		if !math.IsInf(x, 0) {
			m = max(m, x)
		}
	}
	return m
}

// Thumbnail draws the legend's sample of the line.
func (l *gappedLine) Thumbnail(c *draw.Canvas) {
	y := c.Center().Y
	c.StrokeLine2(l.style, c.Min.X, y, c.Max.X, y)
}

// logBars draws histogram bins as bars on a log x axis.
type logBars struct {
	bins        []Bin // non-empty, positive bounds
	fill, edge  color.Color
	translucent bool
}

func newLogBars(bins []Bin, c color.Color, translucent bool) *logBars {
	b := &logBars{edge: c, translucent: translucent}
	r, g, bl, _ := c.RGBA()
	alpha := uint8(0xbf)
	if translucent {
		alpha = 0x59
	}
	b.fill = color.NRGBA{uint8(r >> 8), uint8(g >> 8), uint8(bl >> 8), alpha}
	for _, bin := range bins {
		if bin.Count > 0 && bin.LowMs > 0 && bin.HighMs > bin.LowMs {
			b.bins = append(b.bins, bin)
		}
	}
	if len(b.bins) == 0 {
		return nil
	}
	return b
}

// Plot draws the bars.
func (b *logBars) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	edge := draw.LineStyle{Color: b.edge, Width: 0.6}
	for _, bin := range b.bins {
		r := vg.Rectangle{Min: vg.Point{X: trX(bin.LowMs), Y: trY(0)},
			Max: vg.Point{X: trX(bin.HighMs), Y: trY(float64(bin.Count))}}
		pts := []vg.Point{r.Min, {X: r.Min.X, Y: r.Max.Y}, r.Max, {X: r.Max.X, Y: r.Min.Y}}
		c.FillPolygon(b.fill, c.ClipPolygonXY(pts))
		c.StrokeLines(edge, c.ClipLinesXY(append(pts, r.Min))...)
	}
}

// DataRange spans the bars.
func (b *logBars) DataRange() (xmin, xmax, ymin, ymax float64) {
	xmin, xmax = b.bins[0].LowMs, b.bins[len(b.bins)-1].HighMs
	for _, bin := range b.bins {
		ymax = max(ymax, float64(bin.Count))
	}
	return xmin, xmax, 0, ymax
}

// Thumbnail draws the legend's sample of the bars.
func (b *logBars) Thumbnail(c *draw.Canvas) {
	r := c.Rectangle
	c.FillPolygon(b.fill, []vg.Point{r.Min, {X: r.Min.X, Y: r.Max.Y}, r.Max, {X: r.Max.X, Y: r.Min.Y}})
}

// bands shades the marked windows behind a time chart's lines.
type bands []Window

// windowKinds are the kinds of windows, in legend order.
func windowKinds() []string { return []string{"worker_lost", "disconnect_burst", "excluded"} }

// bandStyle is how a window of kind is shaded and named in the legend.
func bandStyle(kind string) (fill color.Color, hatch bool, name string) {
	switch kind {
	case "worker_lost":
		return color.NRGBA{0xd6, 0x27, 0x28, 0x26}, false, "worker lost"
	case "disconnect_burst":
		return color.NRGBA{0x94, 0x67, 0xbd, 0x4c}, false, "disconnect burst"
	case "excluded":
		return color.NRGBA{0x80, 0x80, 0x80, 0x40}, true, "excluded"
	}
	return color.NRGBA{0x17, 0xbe, 0xcf, 0x33}, false, strings.ReplaceAll(kind, "_", " ")
}

// Plot fills each window over the height of the plot, at least 2 pt wide.
func (b bands) Plot(c draw.Canvas, p *plot.Plot) {
	trX, _ := p.Transforms(&c)
	for _, w := range b {
		x0, x1 := trX(w.FromS), trX(w.ToS)
		if x1-x0 < 2 {
			x0, x1 = (x0+x1)/2-1, (x0+x1)/2+1
		}
		x0, x1 = max(x0, c.Min.X), min(x1, c.Max.X)
		if x1 > x0 {
			shade(c, vg.Rectangle{Min: vg.Point{X: x0, Y: c.Min.Y}, Max: vg.Point{X: x1, Y: c.Max.Y}}, w.Kind)
		}
	}
}

// shade fills r as a window of kind is shaded: a translucent fill,
// hatched for excluded windows.
func shade(c draw.Canvas, r vg.Rectangle, kind string) {
	fill, hatch, _ := bandStyle(kind)
	c.FillPolygon(fill, []vg.Point{r.Min, {X: r.Min.X, Y: r.Max.Y}, r.Max, {X: r.Max.X, Y: r.Min.Y}})
	if !hatch {
		return
	}
	in := draw.Canvas{Canvas: c.Canvas, Rectangle: r}
	sty := draw.LineStyle{Color: color.Gray{Y: 0x80}, Width: 0.7}
	h := r.Max.Y - r.Min.Y
	for x := r.Min.X - h; x < r.Max.X; x += 6 {
		line := []vg.Point{{X: x, Y: r.Min.Y}, {X: x + h, Y: r.Max.Y}}
		in.StrokeLines(sty, in.ClipLinesXY(line)...)
	}
}

// bandThumb is the legend's sample of a kind of window.
type bandThumb string

// Thumbnail shades the legend's sample.
func (k bandThumb) Thumbnail(c *draw.Canvas) { shade(*c, c.Rectangle, string(k)) }

// bandLegend names each kind of window present, in windowKinds order.
func bandLegend(ws []Window) []legendItem {
	var items []legendItem
	seen := map[string]bool{}
	for _, w := range ws {
		seen[w.Kind] = true
	}
	kinds := windowKinds()
	for _, w := range ws {
		if !slices.Contains(kinds, w.Kind) {
			kinds = append(kinds, w.Kind)
		}
	}
	for _, k := range kinds {
		if seen[k] {
			_, _, name := bandStyle(k)
			items = append(items, legendItem{name, bandThumb(k)})
			seen[k] = false
		}
	}
	return items
}

// legendItem is one entry of a chart's legend.
type legendItem struct {
	name  string
	thumb plot.Thumbnailer
}

// named drops the legend when no series has a name.
func named(items []legendItem) []legendItem {
	for _, it := range items {
		if it.name != "" {
			return items
		}
	}
	return nil
}

// render draws title, legend and plot on a w x h canvas and returns it
// as inline SVG.
func render(p *plot.Plot, title string, legend []legendItem, w, h vg.Length) (string, error) {
	c := vgsvg.New(w, h)
	dc := draw.New(c)
	dc.SetColor(color.White)
	dc.Fill(dc.Path())
	dc = drawTitle(dc, title)
	dc = drawLegend(dc, legend, p.Y.Label.Text != "")
	drawPlot(p, dc)
	return inlineSVG(c, title)
}

// drawPlot draws p and its axis labels on c. It draws the labels itself:
// gonum places a label's glyph box at the data midpoint, which on a log
// axis is near one end, and shrinks the plot to make room for it.
func drawPlot(p *plot.Plot, c draw.Canvas) {
	xl, yl := p.X.Label.Text, p.Y.Label.Text
	p.X.Label.Text, p.Y.Label.Text = "", ""
	sty := sans(11)
	left, bottom := vg.Length(4), vg.Length(4)
	if yl != "" {
		left += sty.Height(yl) + 4
	}
	if xl != "" {
		bottom += sty.Height(xl) + 2
	}
	area := draw.Crop(c, left, -10, bottom, 0)
	p.Draw(area)
	data := p.DataCanvas(area)
	if xl != "" {
		sty.XAlign, sty.YAlign = draw.XCenter, draw.YBottom
		c.FillText(sty, vg.Point{X: data.Center().X, Y: c.Min.Y + 4}, xl)
	}
	if yl != "" {
		sty.XAlign, sty.YAlign, sty.Rotation = draw.XCenter, draw.YTop, math.Pi/2
		c.FillText(sty, vg.Point{X: c.Min.X + 4, Y: data.Center().Y}, yl)
	}
}

// drawTitle writes title at the top of c and returns the rest of c.
func drawTitle(c draw.Canvas, title string) draw.Canvas {
	if title == "" {
		return draw.Crop(c, 0, 0, 0, -6)
	}
	sty := sans(12.5)
	sty.XAlign, sty.YAlign = draw.XCenter, draw.YTop
	c.FillText(sty, vg.Point{X: c.Center().X, Y: c.Max.Y - 6}, title)
	return draw.Crop(c, 0, 0, 0, -(6 + sty.Height(title) + 4))
}

// drawLegend lays the legend out in rows under the title (wrapping as
// needed, so any number of series fits) and returns the rest of c.
func drawLegend(c draw.Canvas, items []legendItem, yLabel bool) draw.Canvas {
	if len(items) == 0 {
		return c
	}
	sty := sans(10)
	sty.YAlign = draw.YCenter
	const thumbW, gap, sep = 18, 4, 16
	left := c.Min.X + 12
	if yLabel {
		left += 20
	}
	rowH := sty.Height("Xg") + 5
	x, y := left, c.Max.Y-rowH
	for _, it := range items {
		w := thumbW + gap + sty.Width(it.name)
		if x+w > c.Max.X-10 && x > left {
			x, y = left, y-rowH
		}
		thumb := draw.Canvas{Canvas: c.Canvas, Rectangle: vg.Rectangle{
			Min: vg.Point{X: x, Y: y + 2}, Max: vg.Point{X: x + thumbW, Y: y + rowH - 3}}}
		it.thumb.Thumbnail(&thumb)
		c.FillText(sty, vg.Point{X: x + thumbW + gap, Y: y + rowH/2 - 0.5}, it.name)
		x += w + sep
	}
	return draw.Crop(c, 0, 0, 0, -(c.Max.Y - y + 4))
}

// emptyChart is a chart with nothing to plot: its title and a note.
func emptyChart(title, note string, w, h vg.Length) (string, error) {
	c := vgsvg.New(w, h)
	dc := draw.New(c)
	dc.SetColor(color.White)
	dc.Fill(dc.Path())
	dc = drawTitle(dc, title)
	frame := draw.Crop(dc, 12, -12, 12, 0)
	dc.StrokeLines(draw.LineStyle{Color: color.Gray{Y: 0xcc}, Width: 0.8, Dashes: []vg.Length{4, 3}},
		[]vg.Point{frame.Min, {X: frame.Min.X, Y: frame.Max.Y}, frame.Max, {X: frame.Max.X, Y: frame.Min.Y}, frame.Min})
	sty := sans(12)
	sty.Color = color.Gray{Y: 0x66}
	sty.XAlign, sty.YAlign = draw.XCenter, draw.YCenter
	dc.FillText(sty, frame.Center(), note)
	return inlineSVG(c, title)
}

// fontStack follows the font the text was laid out with by the
// metric-compatible fonts a browser is likely to have.
const fontStack = "font-family:Liberation Sans,Arial,Helvetica,sans-serif;"

// inlineSVG writes c as SVG for inlining in HTML5: no XML prolog, no
// comment, no namespace declarations (so no "http://" in the page), a
// root element with only a viewBox (the page sets the size), and a font
// stack instead of the bare font name.
func inlineSVG(c *vgsvg.Canvas, title string) (string, error) {
	var b bytes.Buffer
	if _, err := c.WriteTo(&b); err != nil {
		return "", fmt.Errorf("chart %q: %w", title, err)
	}
	s := b.String()
	start := strings.Index(s, "<svg")
	if start < 0 {
		return "", fmt.Errorf("chart %q: the SVG writer wrote no <svg> element", title)
	}
	s = s[start:]
	end := strings.IndexByte(s, '>')
	w, h := c.Size()
	root := fmt.Sprintf(`<svg class="chart" viewBox="0 0 %s %s" role="img" aria-label="%s"`,
		strconv.FormatFloat(w.Points(), 'g', -1, 64), strconv.FormatFloat(h.Points(), 'g', -1, 64), html.EscapeString(title))
	s = removeXMLNS(root + s[end:])
	return strings.ReplaceAll(s, "font-family:Liberation Sans;", fontStack), nil
}

// removeXMLNS drops every xmlns and xmlns:prefix attribute from the
// tags of s.
func removeXMLNS(s string) string {
	var b strings.Builder
	for {
		lt := strings.IndexByte(s, '<')
		gt := strings.IndexByte(s[max(lt, 0):], '>')
		if lt < 0 || gt < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:lt])
		b.WriteString(dropXMLNS(s[lt : lt+gt+1]))
		s = s[lt+gt+1:]
	}
}

// dropXMLNS drops the xmlns attributes of one tag.
func dropXMLNS(tag string) string {
	for {
		i := strings.Index(tag, "xmlns")
		if i <= 0 || !strings.ContainsRune(" \t\n\r", rune(tag[i-1])) {
			return tag
		}
		eq := strings.Index(tag[i:], `="`)
		if eq < 0 {
			return tag
		}
		q := strings.IndexByte(tag[i+eq+2:], '"')
		if q < 0 {
			return tag
		}
		tag = tag[:i-1] + tag[i+eq+2+q+1:]
	}
}
