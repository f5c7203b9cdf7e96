package reports

import (
	"image/color"
	"slices"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

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
