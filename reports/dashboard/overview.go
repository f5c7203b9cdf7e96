package dashboard

import (
	"fmt"
	"strings"

	"github.com/mqherd/mqherd/internal/measure"
)

// overview: message rates with sparklines, latency in brief, errors,
// workers in one line, and the event log in the rest.
func (m Model) overview(w, h int) []string {
	f := m.frame
	sw := w - 16
	lines := []string{
		"",
		m.st.label.Render("messages") + fmt.Sprintf("  sent %s  received %s  │  jobs %d, done %d, open %d",
			rate(f.Sent), rate(f.Received), f.JobsDispatched, f.JobsCompleted, f.Outstanding),
		fmt.Sprintf("  sent %8s ", rate(f.Sent)) + spark(m.history.sent, sw, m.st.chart),
		fmt.Sprintf("  recv %8s ", rate(f.Received)) + spark(m.history.received, sw, m.st.chart),
		"",
	}
	lines = append(lines, m.latencyBrief()...)
	lines = append(lines, "", m.errorsBrief(), m.workersBrief(), "")
	if room := h - len(lines) - 1; room > 0 {
		lines = append(lines, m.st.label.Render("events"))
		lines = append(lines, m.eventLines(min(room, maxEvents), nil)...)
	}
	if rows := h - len(lines) - 2; rows >= 3 { // a tall terminal: the p99 chart too
		lines = append(lines, "", m.st.label.Render("p99 over time")+" job_delivery (ms, one column per second)")
		lines = append(lines, chart(m.history.p99[measure.JobDelivery], w, rows, m.st.chart, ms)...)
	}
	return lines
}

// latencyBrief is a table of the last second's p50/p99/max and the run's p99/max.
func (m Model) latencyBrief() []string {
	lines := []string{m.st.label.Render(pad("latency", 17)) +
		padLeft("p50 1s", 10) + padLeft("p99 1s", 10) + padLeft("max 1s", 10) + padLeft("p99 run", 10) + padLeft("max run", 10)}
	for _, mt := range measure.Metrics() {
		l := m.frame.Latency[mt]
		lines = append(lines, pad("  "+mt.String(), 17)+padLeft(ms(l.Interval.P50), 10)+padLeft(ms(l.Interval.P99), 10)+
			padLeft(ms(l.Interval.Max), 10)+padLeft(ms(l.Run.P99), 10)+padLeft(ms(l.Run.Max), 10))
	}
	return lines
}

// errorsBrief is one line: errors this second and in total, by kind.
func (m Model) errorsBrief() string {
	f := m.frame
	head := m.st.label.Render("errors") + fmt.Sprintf("  %s, %d total", rate(f.ErrorsInterval), f.ErrorsTotal)
	if f.ErrorsTotal == 0 {
		return head + m.st.ok.Render("  none")
	}
	kinds := make([]string, 0, len(f.Errors))
	for _, e := range f.Errors {
		kinds = append(kinds, fmt.Sprintf("%s %d", e.Kind, e.Total))
	}
	return head + ": " + m.st.bad.Render(strings.Join(kinds, ", "))
}

// workersBrief is one line: how many workers are in each state, lost ones named.
func (m Model) workersBrief() string {
	var running, done int
	var lost []string
	for _, w := range m.frame.Workers {
		switch {
		case w.Lost():
			lost = append(lost, w.Name)
		case w.State == measure.WorkerDone:
			done++
		default:
			running++
		}
	}
	s := m.st.label.Render("workers") + fmt.Sprintf(" %d running", running)
	if done > 0 {
		s += fmt.Sprintf(", %d done", done)
	}
	if len(lost) > 0 {
		s += ", " + m.st.bad.Render(fmt.Sprintf("%d lost: %s", len(lost), strings.Join(lost, " ")))
	}
	return s
}

// eventLines are the newest n events (those keep accepts, all if nil), oldest first.
func (m Model) eventLines(n int, keep func(measure.Event) bool) []string {
	var out []string
	for i := len(m.events) - 1; i >= 0 && len(out) < n; i-- {
		e := m.events[i]
		if keep != nil && !keep(e) {
			continue
		}
		line := e.Time.Format("15:04:05") + " " + string(e.Kind)
		if e.Worker != "" {
			line += " " + e.Worker
		}
		if e.Detail != "" {
			line += " " + e.Detail
		}
		out = append(out, m.eventStyle(e.Kind)(line))
	}
	if len(out) == 0 {
		return []string{m.st.dim.Render("  (none yet)")}
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

func (m Model) eventStyle(kind measure.EventKind) func(...string) string {
	switch kind {
	case measure.EventWorkerLost, measure.EventDisconnectBurst, measure.EventAborted, measure.EventRampIncomplete,
		measure.EventDrainLost, measure.EventWorkerError, measure.EventReassignFailed, measure.EventBadSnapshot,
		measure.EventBadMessage:
		return m.st.bad.Render
	case measure.EventWorkerSuspect, measure.EventReassigned, measure.EventWorkerReturned, measure.EventWorkerReplaced, measure.EventLog:
		return m.st.warn.Render
	}
	return func(s ...string) string { return strings.Join(s, " ") }
}
