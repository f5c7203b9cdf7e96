package main

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"

	"github.com/mqherd/mqherd/internal/measure"
	"github.com/mqherd/mqherd/internal/rundir"
	"github.com/mqherd/mqherd/reports"
)

// checkLiveMatchesReport asserts that what the coordinator wrote live
// (summary.json, timeseries.csv) and the report rebuilt offline from the
// same run directory agree figure for figure: the same seconds with the
// same counts and percentiles, the same run figures and worker rows.
func checkLiveMatchesReport(t *testing.T, run string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(run, rundir.SummaryFile))
	if err != nil {
		t.Fatal(err)
	}
	var live rundir.Summary
	if err := json.Unmarshal(b, &live); err != nil {
		t.Fatal(err)
	}
	rep, err := reports.BuildFromDir(run, reports.BuildRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(live.Figures, rep.Figures) {
		t.Errorf("summary.json figures differ from the report's:\nlive   %+v\nreport %+v", live.Figures, rep.Figures)
	}
	if !reflect.DeepEqual(live.Workers, rep.Workers) {
		t.Errorf("summary.json workers differ from the report's:\nlive   %+v\nreport %+v", live.Workers, rep.Workers)
	}
	rows := readTimeSeries(t, run)
	if len(rows) != len(rep.Series) || len(rows) < 5 {
		t.Fatalf("timeseries.csv has %d seconds, the report %d (want the same, at least 5)", len(rows), len(rep.Series))
	}
	for i, row := range rows {
		if want := seriesCells(rep.Series[i]); !reflect.DeepEqual(pick(row, want), want) {
			t.Errorf("second %d: timeseries.csv %v, report %v", i+1, pick(row, want), want)
		}
	}
}

// readTimeSeries reads timeseries.csv as one map of column to cell per row.
func readTimeSeries(t *testing.T, run string) []map[string]string {
	t.Helper()
	f, err := os.Open(filepath.Join(run, rundir.TimeSeriesFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil || len(recs) == 0 {
		t.Fatalf("timeseries.csv: %v", err)
	}
	var out []map[string]string
	for _, r := range recs[1:] {
		m := map[string]string{}
		for i, h := range recs[0] {
			m[h] = r[i]
		}
		out = append(out, m)
	}
	return out
}

// seriesCells is a report row written as timeseries.csv writes it.
func seriesCells(r measure.Second) map[string]string {
	n := func(v int64) string { return strconv.FormatInt(v, 10) }
	ms := func(v float64) string { return strconv.FormatFloat(v, 'f', 3, 64) }
	cells := map[string]string{"second": strconv.Itoa(r.Second), "phase": string(r.Phase),
		"agents_connected": n(r.AgentsConnected), "connects_in_flight": n(r.ConnectsInFlight),
		"jobs_outstanding": n(r.JobsOutstanding), "errors": n(r.ErrorsTotal())}
	for _, c := range []measure.Counter{measure.JobsDispatched, measure.JobsCompleted, measure.MessagesSent,
		measure.MessagesReceived, measure.Lost, measure.Connects, measure.Reconnects} {
		cells[c.String()] = n(r.Counter(c))
	}
	for _, m := range measure.Metrics() {
		l := r.Latency[m.String()]
		cells[m.String()+"_p50_ms"], cells[m.String()+"_p99_ms"], cells[m.String()+"_max_ms"] = ms(l.P50), ms(l.P99), ms(l.Max)
	}
	return cells
}

// pick is the cells of row named in like.
func pick(row, like map[string]string) map[string]string {
	out := map[string]string{}
	for k := range like {
		out[k] = row[k]
	}
	return out
}
