package reports

import (
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

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
