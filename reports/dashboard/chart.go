package dashboard

import (
	"strings"

	"github.com/NimbleMarkets/ntcharts/sparkline"
	"github.com/charmbracelet/lipgloss"
)

// labelWidth is the room left of a chart for its scale.
const labelWidth = 9

// spark draws the last width values as a one-line sparkline.
func spark(vals []float64, width int, style lipgloss.Style) string {
	return strings.Join(columns(vals, width, 1, style), "")
}

// chart draws the last values as columns height rows high in width cells:
// the scale's top (formatted by label) on the first row, 0 on the last.
func chart(vals []float64, width, height int, style lipgloss.Style, label func(float64) string) []string {
	if height < 1 || width <= labelWidth+1 {
		return nil
	}
	top := 0.0
	for _, v := range tail(vals, width-labelWidth) {
		top = max(top, v)
	}
	rows := columns(vals, width-labelWidth, height, style)
	out := make([]string, len(rows))
	for i, r := range rows {
		lbl := ""
		switch {
		case i == 0:
			lbl = label(top)
		case i == len(rows)-1 && height > 1:
			lbl = "0"
		}
		out[i] = padLeft(lbl, labelWidth-1) + " " + r
	}
	return out
}

// columns renders vals (newest right) as ntcharts sparkline rows.
func columns(vals []float64, width, height int, style lipgloss.Style) []string {
	if width < 1 || height < 1 {
		return nil
	}
	sl := sparkline.New(width, height, sparkline.WithStyle(style))
	sl.PushAll(tail(vals, width))
	sl.Draw()
	rows := strings.Split(sl.View(), "\n")
	for i := range rows {
		rows[i] = pad(rows[i], width)
	}
	return rows
}

func tail(vals []float64, n int) []float64 {
	if len(vals) > n {
		return vals[len(vals)-n:]
	}
	return vals
}
