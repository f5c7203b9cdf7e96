package reports

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/mqherd/mqherd/internal/measure"
	"github.com/mqherd/mqherd/internal/rundir"
)

func testSummary() rundir.Summary {
	return rundir.Summary{
		RunID: "20250314T093005Z-office-a1b2c3", Scenario: "office", Target: "embedded",
		Started: t0, Ended: t0.Add(125e9), Figures: testFigures(), Workers: testWorkers(),
	}
}

func testFigures() measure.Figures {
	return measure.Figures{
		DurationS: 125, Agents: 2000, AgentsConnectedPeak: 1987, Connects: 2011, Reconnects: 24,
		JobsDispatched: 5400, JobsCompleted: 5390, Lost: 10, LateCompletions: 1,
		MessagesSent: 10800, MessagesReceived: 10790, OutOfOrder: 3, Duplicates: 2, Stale: 1,
		Errors: 13,
		ErrorsByKind: map[string]int64{
			"publish_timeout": 4, "connect_refused/0x87": 2, "connection_lost": 6, "connect_refused/0x8a": 1,
		},
		LatencyMs: map[string]measure.Percentiles{
			"job_delivery":    {Count: 5400, P50: 3.1, P90: 7.25, P99: 18.5, P999: 40.125, Max: 61},
			"status_delivery": {Count: 5390, P50: 2.5, P90: 6, P99: 15, P999: 33, Max: 50},
			"job_end_to_end":  {Count: 5390, P50: 9.75, P90: 20, P99: 45, P999: 90, Max: 120.5},
			"connect":         {Count: 2011, P50: 45, P90: 80, P99: 150, P999: 400, Max: 512},
		},
	}
}

func testWorkers() []measure.WorkerRow {
	return []measure.WorkerRow{
		{Name: "w0", State: "done", AgentsAssigned: 1000, AgentsConnectedPeak: 1000,
			JobsDispatched: 2700, JobsCompleted: 2700, MessagesSent: 5400, MessagesReceived: 5400, Errors: 4,
			P99Ms: map[string]float64{"job_delivery": 17.5, "status_delivery": 14, "job_end_to_end": 44.25, "connect": 140}},
		{Name: "worker-b-long-name", State: "lost", AgentsAssigned: 1000, AgentsConnected: 987, AgentsConnectedPeak: 987,
			JobsDispatched: 2700, JobsCompleted: 2690, MessagesSent: 5400, MessagesReceived: 5390, Errors: 9, Lost: 10,
			P99Ms: map[string]float64{"job_delivery": 19.5, "status_delivery": 16, "job_end_to_end": 46, "connect": 160}},
	}
}

// The text summary has one row per latency metric with its count and
// percentiles, and lists the errors by kind in sorted order.
func TestWriteSummary(t *testing.T) {
	var out bytes.Buffer
	WriteSummary(&out, testSummary(), "runs/20250314T093005Z-office")
	text := out.String()

	for _, m := range measure.Metrics() {
		p := testSummary().LatencyMs[m.String()]
		row := regexp.MustCompile(`(?m)^\s+` + m.String() + `\s+(\d+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)$`).FindStringSubmatch(text)
		if row == nil {
			t.Errorf("no latency row for %s in:\n%s", m, text)
			continue
		}
		want := []string{fmt.Sprint(p.Count)}
		for _, v := range []float64{p.P50, p.P90, p.P99, p.P999, p.Max} {
			want = append(want, fmt.Sprintf("%.2f", v))
		}
		for i, w := range want {
			if row[i+1] != w {
				t.Errorf("%s row %q: column %d is %s, want %s", m, row[0], i+1, row[i+1], w)
			}
		}
	}
	for _, w := range testSummary().Workers {
		row := regexp.MustCompile(`(?m)^\s+` + w.Name + `\s+.*$`).FindString(text)
		p99 := make([]string, 0, measure.NumMetrics)
		for _, m := range measure.Metrics() {
			p99 = append(p99, fmt.Sprintf("%.2f", w.P99Ms[m.String()]))
		}
		want := fmt.Sprintf("%s %s %d %d %d %d %d %d %d %d %s", w.Name, w.State, w.AgentsAssigned, w.AgentsConnectedPeak,
			w.JobsDispatched, w.JobsCompleted, w.Lost, w.MessagesSent, w.MessagesReceived, w.Errors, strings.Join(p99, "/"))
		if got := strings.Join(strings.Fields(row), " "); got != want {
			t.Errorf("worker row %q, want %q", got, want)
		}
	}
	const errs = "errors 13 (connect_refused/0x87 2, connect_refused/0x8a 1, connection_lost 6, publish_timeout 4)"
	if !strings.Contains(strings.Join(strings.Fields(text), " "), errs) {
		t.Errorf("errors line not %q in:\n%s", errs, text)
	}
	if !strings.Contains(text, "runs/20250314T093005Z-office") {
		t.Errorf("run directory not named in:\n%s", text)
	}
	golden(t, "summary.golden", out.Bytes())
}

// A run without errors says so without an empty list; a summary without
// workers (one rebuilt from an older run) prints no workers table.
func TestWriteSummaryWithoutErrors(t *testing.T) {
	s := testSummary()
	s.Errors, s.ErrorsByKind, s.Workers = 0, map[string]int64{}, nil
	var out bytes.Buffer
	WriteSummary(&out, s, "")
	if !regexp.MustCompile(`(?m)^errors\s+0$`).MatchString(out.String()) {
		t.Errorf("errors line is not just 0 in:\n%s", out.String())
	}
	if strings.Contains(out.String(), "workers") {
		t.Errorf("prints a workers table though the summary has no workers:\n%s", out.String())
	}
	if strings.Contains(out.String(), "run directory") {
		t.Errorf("names a run directory though none was given:\n%s", out.String())
	}
}
