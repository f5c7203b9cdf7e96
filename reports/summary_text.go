package reports

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/mqherd/mqherd/internal/measure"
	"github.com/mqherd/mqherd/internal/rundir"
)

// WriteSummary prints the summary as a short human-readable table.
func WriteSummary(w io.Writer, s rundir.Summary, dir string) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "run\t%s (%s against %s, %.0fs)\n", s.RunID, s.Scenario, s.Target, s.DurationS)
	fmt.Fprintf(tw, "agents\t%d connected at peak of %d; %d connects, %d reconnects\n", s.AgentsConnectedPeak, s.Agents, s.Connects, s.Reconnects)
	fmt.Fprintf(tw, "jobs\t%d dispatched, %d completed, %d lost, %d late completions\n", s.JobsDispatched, s.JobsCompleted, s.Lost, s.LateCompletions)
	fmt.Fprintf(tw, "messages\t%d sent, %d received; %d out of order, %d duplicates, %d stale\n", s.MessagesSent, s.MessagesReceived, s.OutOfOrder, s.Duplicates, s.Stale)
	fmt.Fprintf(tw, "errors\t%d%s\n", s.Errors, errorList(s.ErrorsByKind))
	fmt.Fprintf(tw, "latency (ms)\tcount\tp50\tp90\tp99\tp99.9\tmax\n")
	for _, m := range measure.Metrics() {
		p := s.LatencyMs[m.String()]
		fmt.Fprintf(tw, "  %s\t%d\t%.2f\t%.2f\t%.2f\t%.2f\t%.2f\n", m, p.Count, p.P50, p.P90, p.P99, p.P999, p.Max)
	}
	writeWorkers(tw, s.Workers)
	if len(s.Endpoints) > 0 { // a table of its own: its columns are not the latency table's
		_ = tw.Flush()
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		writeEndpoints(tw, &s.Figures)
	}
	if dir != "" {
		fmt.Fprintf(tw, "run directory\t%s\n", dir)
	}
	_ = tw.Flush()
}

func errorList(byKind map[string]int64) string {
	if len(byKind) == 0 {
		return ""
	}
	keys := make([]string, 0, len(byKind))
	for k := range byKind {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := " ("
	for i, k := range keys {
		if i > 0 {
			out += ", "
		}
		out += fmt.Sprintf("%s %d", k, byKind[k])
	}
	return out + ")"
}

// writeWorkers prints one row per worker: state, agents, totals and the
// p99 of each latency metric in the order of measure.Metrics.
func writeWorkers(w io.Writer, workers []measure.WorkerRow) {
	if len(workers) == 0 {
		return
	}
	names := make([]string, 0, measure.NumMetrics)
	for _, m := range measure.Metrics() {
		names = append(names, m.String())
	}
	fmt.Fprintf(w, "workers\tstate\tagents\tpeak\tjobs\tdone\tlost\tsent\trecv\terrors\tp99 ms (%s)\n", strings.Join(names, "/"))
	for _, ws := range workers {
		p99 := make([]string, 0, len(names))
		for _, n := range names {
			p99 = append(p99, fmt.Sprintf("%.2f", ws.P99Ms[n]))
		}
		fmt.Fprintf(w, "  %s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%s\n", ws.Name, ws.State, ws.AgentsAssigned, ws.AgentsConnectedPeak,
			ws.JobsDispatched, ws.JobsCompleted, ws.Lost, ws.MessagesSent, ws.MessagesReceived, ws.Errors, strings.Join(p99, "/"))
	}
}
