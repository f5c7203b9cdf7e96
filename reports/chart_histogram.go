package reports

import (
	"image/color"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Bars is one named series of a histogram chart, such as one run's
// Latency.Histogram. Several are overlaid, translucent.
type Bars struct {
	Name string // legend entry; a chart whose series are all unnamed has no legend
	Bins []Bin
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
