package dashboard

import (
	"fmt"
)

// errorsView: errors by kind (last second and total) and the cumulative
// error curve.
func (m Model) errorsView(w, h int) []string {
	f := m.frame
	lines := []string{"", m.st.label.Render("errors") +
		fmt.Sprintf("  %s in the last second, %d over the run", rate(f.ErrorsInterval), f.ErrorsTotal), ""}
	if len(f.Errors) == 0 {
		lines = append(lines, m.st.ok.Render("  no errors so far"))
	} else {
		lines = append(lines, m.st.label.Render(pad("  kind", 32))+padLeft("last 1s", 12)+padLeft("total", 12))
		maxRows := max(1, h/2-4)
		for i, e := range f.Errors {
			if i == maxRows {
				lines = append(lines, m.st.dim.Render(fmt.Sprintf("  … %d more kinds", len(f.Errors)-i)))
				break
			}
			row := pad("  "+e.Kind, 32) + padLeft(rate(e.Interval), 12) + padLeft(fmt.Sprint(e.Total), 12)
			if e.Interval > 0 {
				row = m.st.bad.Render(row)
			}
			lines = append(lines, row)
		}
	}
	return append(lines, m.errorCharts(w, h-len(lines))...)
}

// errorCharts: the cumulative error curve and, with room, errors per second.
func (m Model) errorCharts(w, h int) []string {
	count := func(v float64) string { return fmt.Sprintf("%.0f", v) }
	rows, perSecond := h-2, 0
	if rows >= 12 {
		perSecond = rows/2 - 2
		rows -= perSecond + 2
	}
	var lines []string
	if rows >= 2 {
		lines = append(lines, "", m.st.label.Render("errors over the run")+" (cumulative count, one column per second)")
		lines = append(lines, chart(m.history.errorsTotal, w, rows, m.st.chart, count)...)
	}
	if perSecond > 0 {
		lines = append(lines, "", m.st.label.Render("errors per second"))
		lines = append(lines, chart(m.history.errorsPerSec, w, perSecond, m.st.chart, count)...)
	}
	return lines
}
