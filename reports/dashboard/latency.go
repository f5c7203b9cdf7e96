package dashboard

import (
	"fmt"

	"github.com/mqherd/mqherd/internal/measure"
)

// latencyView: the last second and the whole run per metric, and charts of
// p99 over time (as many metrics as the height allows).
func (m Model) latencyView(w, h int) []string {
	lines := []string{""}
	lines = append(lines, m.latencyTable("last second", func(l Latency) measure.Percentiles { return l.Interval })...)
	lines = append(lines, "")
	lines = append(lines, m.latencyTable("whole run", func(l Latency) measure.Percentiles { return l.Run })...)
	room := h - len(lines)
	charts := min(int(measure.NumMetrics), room/5) // a chart is a blank, a title and at least three rows
	if charts == 0 {
		return lines
	}
	rows := room/charts - 2
	for _, mt := range measure.Metrics()[:charts] {
		lines = append(lines, "", m.st.label.Render("p99 over time")+fmt.Sprintf(" %s (ms, one column per second)", mt))
		lines = append(lines, chart(m.history.p99[mt], w, rows, m.st.chart, ms)...)
	}
	return lines
}

func (m Model) latencyTable(title string, pick func(Latency) measure.Percentiles) []string {
	lines := []string{m.st.label.Render(pad("latency, "+title, 22)) + padLeft("count", 8) +
		padLeft("p50", 10) + padLeft("p99", 10) + padLeft("p99.9", 10) + padLeft("max", 10)}
	for _, mt := range measure.Metrics() {
		p := pick(m.frame.Latency[mt])
		lines = append(lines, pad("  "+mt.String(), 22)+padLeft(fmt.Sprint(p.Count), 8)+
			padLeft(ms(p.P50), 10)+padLeft(ms(p.P99), 10)+padLeft(ms(p.P999), 10)+padLeft(ms(p.Max), 10))
	}
	return lines
}
