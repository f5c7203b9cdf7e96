package reports

import (
	"fmt"
	"strconv"

	"github.com/mqherd/mqherd/internal/measure"
)

// The tables of the report's sections, shown as they are by WriteMarkdown
// and WriteHTML.

// summaryTable is each figure's value; with windows excluded, also its
// value over the whole run.
func (r *Report) summaryTable() *table {
	rows := summaryRows(&r.Figures)
	if r.Unexcluded == nil {
		t := &table{Head: []string{"figure", "value"}, Num: true}
		for _, row := range rows {
			t.add(row[0], row[1])
		}
		return t
	}
	all := summaryRows(r.Unexcluded)
	t := &table{Head: []string{"figure", "reported (windows excluded)", "whole run"}, Num: true}
	for i, row := range rows {
		t.add(row[0], row[1], all[i][1])
	}
	return t
}

// summaryRows are the summary table's rows: label and value of f.
func summaryRows(f *measure.Figures) [][2]string {
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

// exclusionTable is what each excluded window removed; nil: none excluded.
func (r *Report) exclusionTable() *table {
	if len(r.Exclusions) == 0 {
		return nil
	}
	t := &table{Head: []string{"window (s after start)", "why", "seconds removed", "messages sent",
		"jobs completed", "errors", "latency samples"}}
	for _, e := range r.Exclusions {
		t.add(fmt.Sprintf("%s-%s", fmtF(e.FromS, 0), fmtF(e.ToS, 0)), e.Why, strconv.Itoa(e.Seconds),
			itoa(e.Counters[measure.MessagesSent.String()]), itoa(e.Counters[measure.JobsCompleted.String()]),
			itoa(sum(e.Errors)), itoa(sum(e.Samples)))
	}
	return t
}

func sum(m map[string]int64) int64 {
	var n int64
	for _, v := range m {
		n += v
	}
	return n
}

// latencyTable is each metric's samples and main percentiles.
func (r *Report) latencyTable() *table {
	t := &table{Head: []string{"metric", "samples", "p50", "p90", "p99", "p99.9", "max"}, Num: true}
	for _, l := range r.Latency {
		p := l.Percentiles
		t.add(l.Metric, itoa(p.Count), fmtMs(p.P50), fmtMs(p.P90), fmtMs(p.P99), fmtMs(p.P999), fmtMs(p.Max))
	}
	return t
}

// percentileTable is each metric's distribution at tablePercentiles.
func (r *Report) percentileTable() *table {
	t := &table{Head: percentileHead("metric"), Num: true}
	for _, l := range r.Latency {
		t.add(percentileCells(l.Levels, l.Metric)...)
	}
	return t
}

// tablePercentiles are the percentiles of the distribution tables.
func tablePercentiles() []float64 { return []float64{50, 75, 90, 99, 99.9, 99.99, 100} }

// percentileHead is a distribution table's header: first, then one
// column per tablePercentiles.
func percentileHead(first ...string) []string {
	for _, p := range tablePercentiles() {
		first = append(first, strconv.FormatFloat(p, 'f', -1, 64)+"%")
	}
	return first
}

// percentileCells are first, then the value of each level (tablePercentiles).
func percentileCells(levels []Level, first ...string) []string {
	if len(levels) == 0 {
		for range tablePercentiles() {
			first = append(first, "-")
		}
		return first
	}
	for _, l := range levels {
		first = append(first, fmtMs(l.ValueMs))
	}
	return first
}

// errorTable is each error kind's count and when it happened; nil: no errors.
func (r *Report) errorTable() *table {
	if len(r.ErrorKeys) == 0 {
		return nil
	}
	t := &table{Head: []string{"error", "count (reported)", "first second", "last second", "peak in one second"}, Num: true}
	for _, k := range r.ErrorKeys {
		first, last, peak := errorSpan(r.Series, k)
		t.add(k, itoa(r.Figures.ErrorsByKind[k]), strconv.Itoa(first), strconv.Itoa(last), itoa(peak))
	}
	return t
}

// errorSpan is the first and last second with error k, and its most in one second.
func errorSpan(rows []measure.Second, k string) (first, last int, peak int64) {
	for _, row := range rows {
		if v := row.Errors[k]; v > 0 {
			if first == 0 {
				first = row.Second
			}
			last, peak = row.Second, max(peak, v)
		}
	}
	return first, last, peak
}

// phaseTable sums the seconds that count by phase.
func (r *Report) phaseTable() *table {
	t := &table{Head: []string{"phase", "seconds", "agents connected (min-max)", "messages sent per s (mean)",
		"errors", "worst 1-s job_delivery p99 (ms)"}, Num: true}
	for _, p := range phaseStats(r.Series) {
		t.add(string(p.phase), strconv.Itoa(p.seconds), fmt.Sprintf("%d-%d", p.minConnected, p.maxConnected),
			fmtF(float64(p.sent)/float64(p.seconds), 1), itoa(p.errors), fmtMs(p.worstP99))
	}
	return t
}

type phaseStat struct {
	phase                      measure.Phase
	seconds                    int
	minConnected, maxConnected int64
	sent, errors               int64
	worstP99                   float64
}

// phaseStats groups the rows that count by phase, in order of appearance.
func phaseStats(rows []measure.Second) []phaseStat {
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

// workerTable is each worker's share and figures, with its p99 per metric.
func (r *Report) workerTable() *table {
	t := &table{Head: []string{"worker", "state", "agents", "peak connected", "jobs", "completed", "lost",
		"sent", "received", "errors"}, Num: true}
	for _, m := range measure.Metrics() {
		t.Head = append(t.Head, m.String()+" p99 ms")
	}
	for _, wr := range r.Workers {
		cells := []string{wr.Name, string(wr.State), itoa(wr.AgentsAssigned), itoa(wr.AgentsConnectedPeak), itoa(wr.JobsDispatched),
			itoa(wr.JobsCompleted), itoa(wr.Lost), itoa(wr.MessagesSent), itoa(wr.MessagesReceived), itoa(wr.Errors)}
		for _, m := range measure.Metrics() {
			cells = append(cells, fmtMs(wr.P99Ms[m.String()]))
		}
		t.add(cells...)
	}
	return t
}

// eventTable is the run's events in order.
func (r *Report) eventTable() *table {
	t := &table{Head: []string{"at (s)", "event", "worker", "detail"}}
	for _, e := range r.Events {
		t.add(fmtF(e.AtS, 1), string(e.Kind), e.Worker, e.Detail)
	}
	return t
}
