package reports

import (
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

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
