package reports

import (
	"fmt"
	"image/color"
	"math"

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

// recoverChart turns a panic of the plotting library (it panics on
// ranges it cannot draw) into an error naming the chart.
func recoverChart(title string, err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("chart %q: %v", title, r)
	}
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
