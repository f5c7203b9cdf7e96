package dashboard

import (
	"fmt"
	"strings"
	"time"

	"github.com/mqherd/mqherd/internal/measure"
)

// Column widths of the workers table (80 cells in all).
var workerCols = []int{14, 9, 8, 10, 9, 10, 8, 10}

// workersView: one row per worker, lost ones marked, then the events that
// concern workers (joined, suspect, lost, re-assigned, takeovers).
func (m Model) workersView(h int) []string {
	lines := []string{"", m.workersBrief(), "", m.st.label.Render(row(
		"worker", "state", "agents", "connected", "msg/s", "p99 deliv", "errors", "last snap"))}
	rows := m.frame.Workers
	room := h - len(lines) - 4 // keep room for a few events
	for i, r := range rows {
		if i >= room-1 && len(rows)-i > 1 {
			lines = append(lines, m.st.dim.Render(fmt.Sprintf("… %d more workers", len(rows)-i)))
			break
		}
		lines = append(lines, m.workerRow(r))
	}
	if rest := h - len(lines) - 2; rest > 0 {
		lines = append(lines, "", m.st.label.Render("worker events"))
		lines = append(lines, m.eventLines(rest, func(e measure.Event) bool { return e.Worker != "" })...)
	}
	return lines
}

func (m Model) workerRow(r WorkerRow) string {
	p99 := "-"
	if r.P99Count > 0 {
		p99 = ms(r.P99)
	}
	age := "-"
	if r.SnapshotAge >= 0 {
		age = dur(r.SnapshotAge.Truncate(time.Second)) + " ago"
	}
	state := string(r.State)
	if r.Lost() {
		state = "✗ lost"
	}
	s := row(r.Name, state, fmt.Sprint(r.Assigned), fmt.Sprint(r.Connected), rate(r.MsgPerSec), p99, fmt.Sprint(r.Errors), age)
	if r.Lost() {
		return m.st.bad.Render(s)
	}
	return s
}

// row lays cells out in workerCols: the first two left-aligned, the rest right.
func row(cells ...string) string {
	var b strings.Builder
	for i, c := range cells {
		if i < 2 {
			b.WriteString(pad(c, workerCols[i]))
		} else {
			b.WriteString(padLeft(c, workerCols[i]))
		}
	}
	return b.String()
}
