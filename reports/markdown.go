package reports

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/mqherd/mqherd/internal/measure"
)

// mdTable writes a Markdown table.
type mdTable struct {
	w    io.Writer
	cols int
}

func newMDTable(w io.Writer, header ...string) *mdTable {
	t := &mdTable{w: w, cols: len(header)}
	t.row(header...)
	fmt.Fprintf(w, "|%s\n", strings.Repeat("---|", len(header)))
	return t
}

func (t *mdTable) row(cells ...string) {
	for i := range cells {
		cells[i] = strings.ReplaceAll(cells[i], "|", `\|`)
	}
	fmt.Fprintf(t.w, "| %s |\n", strings.Join(cells, " | "))
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

func fmtMs(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) }

func fmtF(v float64, prec int) string { return strconv.FormatFloat(v, 'f', prec, 64) }

// WriteMarkdown writes the report as Markdown: summary, exclusions,
// latency, errors, phases, workers, events and cost.
func (r *Report) WriteMarkdown(out io.Writer) error {
	w := bufio.NewWriter(out)
	r.mdHeader(w)
	r.mdSummary(w)
	r.mdExclusions(w)
	r.mdLatency(w)
	r.mdErrors(w)
	r.mdPhases(w)
	r.mdWorkers(w)
	r.mdEvents(w)
	if r.Cost != nil {
		fmt.Fprintln(w)
		if err := r.Cost.writeMarkdown(w); err != nil {
			return err
		}
	}
	return w.Flush()
}

func (r *Report) mdHeader(w io.Writer) {
	ri := r.Run
	fmt.Fprintf(w, "# mqherd report: %s against %s\n\n", ri.Scenario, ri.Target)
	fmt.Fprintf(w, "- run: `%s`\n", ri.RunID)
	fmt.Fprintf(w, "- target: %s at %s\n", ri.Target, ri.TargetAddress)
	fmt.Fprintf(w, "- started %s, ended %s (%s)\n", ri.Started.UTC().Format(time.RFC3339), ri.Ended.UTC().Format(time.RFC3339),
		ri.Ended.Sub(ri.Started).Round(time.Second))
	fmt.Fprintf(w, "- %d workers; coordinator host %s (%s/%s, %d CPUs); mqherd %s\n",
		ri.Workers, ri.Host.Name, ri.Host.OS, ri.Host.Arch, ri.Host.CPUs, ri.Mqherd)
	for _, n := range r.Notes {
		fmt.Fprintf(w, "\n> **Note:** %s\n", n)
	}
}

// summaryRows are the summary table's rows: label and value of f.
func summaryRows(f *Figures) [][2]string {
	return [][2]string{
		{"duration", fmtF(f.DurationS, 1) + " s"},
		{"agents (connected at peak / fleet)", fmt.Sprintf("%d / %d", f.AgentsConnectedPeak, f.Agents)},
		{"connected agent-seconds (run phase)", fmtF(f.ConnectedAgentSecondsPct, 3) + " %"},
		{"connect rate achieved (ramp mean / peak second)", fmt.Sprintf("%s / %s per s", fmtF(f.ConnectRateMean, 1), fmtF(f.ConnectRatePeak, 0))},
		{"connects / reconnects", fmt.Sprintf("%d / %d", f.Connects, f.Reconnects)},
		{"jobs dispatched / completed", fmt.Sprintf("%d / %d", f.JobsDispatched, f.JobsCompleted)},
		{"messages sent / received", fmt.Sprintf("%d / %d", f.MessagesSent, f.MessagesReceived)},
		{"errors", itoa(f.Errors)},
		{"error % (per publish or connect)", fmtF(f.ErrorPct, 3) + " %"},
		{"out of order", itoa(f.OutOfOrder)},
		{"duplicates", itoa(f.Duplicates)},
		{"lost jobs", fmt.Sprintf("%d (%s %%)", f.Lost, fmtF(f.LostPct, 3))},
	}
}

func (r *Report) mdSummary(w io.Writer) {
	fmt.Fprintf(w, "\n## Summary\n\n")
	rows := summaryRows(&r.Figures)
	if r.Unexcluded == nil {
		t := newMDTable(w, "figure", "value")
		for _, row := range rows {
			t.row(row[0], row[1])
		}
		return
	}
	all := summaryRows(r.Unexcluded)
	t := newMDTable(w, "figure", "reported (windows excluded)", "whole run")
	for i, row := range rows {
		t.row(row[0], row[1], all[i][1])
	}
}

func (r *Report) mdExclusions(w io.Writer) {
	if len(r.Exclusions) == 0 {
		return
	}
	fmt.Fprintf(w, "\n## Excluded windows\n\nThese windows are left out of every figure above except the \"whole run\" column, and shaded on the charts.\n\n")
	t := newMDTable(w, "window (s after start)", "why", "seconds removed", "messages sent", "jobs completed", "errors", "latency samples")
	for _, e := range r.Exclusions {
		var errs, samples int64
		for _, v := range e.Errors {
			errs += v
		}
		for _, v := range e.Samples {
			samples += v
		}
		t.row(fmt.Sprintf("%s-%s", fmtF(e.FromS, 0), fmtF(e.ToS, 0)), e.Why, strconv.Itoa(e.Seconds),
			itoa(e.Counters[measure.MessagesSent.String()]), itoa(e.Counters[measure.JobsCompleted.String()]),
			itoa(errs), itoa(samples))
	}
}

// mdPercentiles are the percentiles of the distribution table.
func mdPercentiles() []float64 { return []float64{50, 75, 90, 99, 99.9, 99.99, 100} }

func (r *Report) mdLatency(w io.Writer) {
	fmt.Fprintf(w, "\n## Latency (ms)\n\n")
	t := newMDTable(w, "metric", "samples", "p50", "p90", "p99", "p99.9", "max")
	for _, l := range r.Latency {
		p := l.Percentiles
		t.row(l.Metric, itoa(p.Count), fmtMs(p.P50), fmtMs(p.P90), fmtMs(p.P99), fmtMs(p.P999), fmtMs(p.Max))
	}
	fmt.Fprintf(w, "\nPercentile distribution (value in ms at or below which the given share of samples fall):\n\n")
	header := []string{"metric"}
	for _, p := range mdPercentiles() {
		header = append(header, strconv.FormatFloat(p, 'f', -1, 64)+"%")
	}
	t = newMDTable(w, header...)
	for _, l := range r.Latency {
		cells := []string{l.Metric}
		for _, p := range mdPercentiles() {
			cells = append(cells, valueAt(l.Distribution, p))
		}
		t.row(cells...)
	}
}

// valueAt reads the distribution at percentile p: the value of the first
// point at or above it.
func valueAt(d []Quantile, p float64) string {
	for _, q := range d {
		if q.Percentile >= p {
			return fmtMs(q.ValueMs)
		}
	}
	if len(d) > 0 {
		return fmtMs(d[len(d)-1].ValueMs)
	}
	return "-"
}

func (r *Report) mdErrors(w io.Writer) {
	fmt.Fprintf(w, "\n## Errors by kind\n\n")
	if len(r.ErrorKeys) == 0 {
		fmt.Fprintf(w, "No errors.\n")
		return
	}
	t := newMDTable(w, "error", "count (reported)", "first second", "last second", "peak in one second")
	for _, k := range r.ErrorKeys {
		first, last, peak := 0, 0, int64(0)
		for _, row := range r.Series {
			if v := row.Errors[k]; v > 0 {
				if first == 0 {
					first = row.Second
				}
				last, peak = row.Second, max(peak, v)
			}
		}
		t.row(k, itoa(r.Figures.ErrorsByKind[k]), strconv.Itoa(first), strconv.Itoa(last), itoa(peak))
	}
}

func (r *Report) mdPhases(w io.Writer) {
	fmt.Fprintf(w, "\n## Over time, by phase\n\nPer-second figures are in the JSON report and timeseries.csv; the HTML report charts them.\n\n")
	t := newMDTable(w, "phase", "seconds", "agents connected (min-max)", "messages sent per s (mean)", "errors", "worst 1-s job_delivery p99 (ms)")
	for _, p := range phaseStats(r.Series) {
		t.row(p.phase, strconv.Itoa(p.seconds), fmt.Sprintf("%d-%d", p.minConnected, p.maxConnected),
			fmtF(float64(p.sent)/float64(p.seconds), 1), itoa(p.errors), fmtMs(p.worstP99))
	}
}

type phaseStat struct {
	phase                      string
	seconds                    int
	minConnected, maxConnected int64
	sent, errors               int64
	worstP99                   float64
}

// phaseStats groups the rows that count by phase, in order of appearance.
func phaseStats(rows []SecondRow) []phaseStat {
	var out []phaseStat
	for _, row := range rows {
		if row.Excluded {
			continue
		}
		if n := len(out); n == 0 || out[n-1].phase != row.Phase {
			out = append(out, phaseStat{phase: row.Phase, minConnected: row.AgentsConnected})
		}
		p := &out[len(out)-1]
		p.seconds++
		p.minConnected, p.maxConnected = min(p.minConnected, row.AgentsConnected), max(p.maxConnected, row.AgentsConnected)
		p.sent += row.Counter(measure.MessagesSent)
		for _, v := range row.Errors {
			p.errors += v
		}
		p.worstP99 = max(p.worstP99, row.Latency[measure.JobDelivery.String()].P99)
	}
	return out
}

func (r *Report) mdWorkers(w io.Writer) {
	fmt.Fprintf(w, "\n## Workers\n\n")
	header := []string{"worker", "state", "agents", "peak connected", "jobs", "completed", "lost", "sent", "received", "errors"}
	for _, m := range measure.Metrics() {
		header = append(header, m.String()+" p99 ms")
	}
	t := newMDTable(w, header...)
	for _, wr := range r.Workers {
		cells := []string{wr.Name, wr.State, itoa(wr.AgentsAssigned), itoa(wr.AgentsConnectedPeak), itoa(wr.JobsDispatched),
			itoa(wr.JobsCompleted), itoa(wr.Lost), itoa(wr.MessagesSent), itoa(wr.MessagesReceived), itoa(wr.Errors)}
		for _, m := range measure.Metrics() {
			cells = append(cells, fmtMs(wr.P99Ms[m.String()]))
		}
		t.row(cells...)
	}
}

func (r *Report) mdEvents(w io.Writer) {
	fmt.Fprintf(w, "\n## Events\n\n")
	t := newMDTable(w, "at (s)", "event", "worker", "detail")
	for _, e := range r.Events {
		t.row(fmtF(e.AtS, 1), e.Kind, e.Worker, e.Detail)
	}
	if len(r.Windows) == 0 {
		return
	}
	fmt.Fprintf(w, "\nMarked windows (shaded on the HTML charts):\n\n")
	for _, win := range r.Windows {
		fmt.Fprintf(w, "- %s-%s s: %s\n", fmtF(win.FromS, 1), fmtF(win.ToS, 1), win.Label)
	}
}
