package reports

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/mqherd/mqherd/internal/measure"
)

// started is 10:30:05 in a UTC+1 zone: 09:30:05 UTC.
var started = time.Date(2025, 3, 14, 10, 30, 5, 0, time.FixedZone("CET", 3600))

func testManifest(runID string) Manifest {
	return Manifest{
		Version: RunDirVersion, RunID: runID, Scenario: "office day",
		Target: Target{Name: "embedded", Address: "127.0.0.1:8883"}, Started: started,
		Mqherd: "devel", Go: "go1.26", Host: Host{Name: "h", OS: "linux", Arch: "amd64", CPUs: 8},
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func readManifest(t *testing.T, dir string) Manifest {
	t.Helper()
	var m Manifest
	if err := json.Unmarshal(readFile(t, filepath.Join(dir, ManifestFile)), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// readSeries reads timeseries.csv as it is on disk now.
func readSeries(t *testing.T, dir string) [][]string {
	t.Helper()
	rows, err := csv.NewReader(bytes.NewReader(readFile(t, filepath.Join(dir, TimeSeriesFile)))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) == 0 || !slices.Equal(rows[0], TimeSeriesHeader()) {
		t.Fatalf("timeseries.csv header %v, want %v", rows, TimeSeriesHeader())
	}
	return rows
}

// column returns one column of the time series by header name.
func column(t *testing.T, rows [][]string, name string) []string {
	t.Helper()
	i := slices.Index(rows[0], name)
	if i < 0 {
		t.Fatalf("no column %s", name)
	}
	var out []string
	for _, r := range rows[1:] {
		out = append(out, r[i])
	}
	return out
}

// readLines reads a JSON-lines file as it is on disk now.
func readLines(t *testing.T, path string) [][]byte {
	t.Helper()
	var out [][]byte
	sc := bufio.NewScanner(bytes.NewReader(readFile(t, path)))
	sc.Buffer(nil, measure.MaxSnapshotBytes)
	for sc.Scan() {
		out = append(out, slices.Clone(sc.Bytes()))
	}
	return out
}

func TestRunDirIsNamedByTimeAndScenarioAndNeverReused(t *testing.T) {
	root := t.TempDir()
	first, err := CreateRunDir(root, testManifest("first"), []byte("name: first\n"), 100)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close(&measure.Aggregate{Time: t0, Interval: measure.NewTotals(), Cumulative: measure.NewTotals()})
	if want := filepath.Join(root, "20250314T093005Z-office_day"); first.Path() != want {
		t.Fatalf("run directory %s, want %s (UTC start time, scenario made safe)", first.Path(), want)
	}
	// The manifest and the scenario are there before the first second.
	m := readManifest(t, first.Path())
	if m.RunID != "first" || m.ScenarioFile != ScenarioFile || !m.Started.Equal(started) || m.Target.Address != "127.0.0.1:8883" {
		t.Errorf("manifest.json %+v does not describe the run", m)
	}
	if got := readFile(t, filepath.Join(first.Path(), ScenarioFile)); string(got) != "name: first\n" {
		t.Errorf("scenario.yaml %q, want the scenario given", got)
	}

	second, err := CreateRunDir(root, testManifest("second"), []byte("name: second\n"), 100)
	if err != nil {
		t.Fatal(err)
	}
	if second.Path() != first.Path()+"-2" {
		t.Fatalf("second run in the same second went to %s, want %s-2", second.Path(), first.Path())
	}
	a := &measure.Aggregate{Second: 1, Time: t0, Phase: "run", Interval: measure.NewTotals(), Cumulative: measure.NewTotals()}
	second.Event(measure.Event{Time: t0, Kind: "phase", Detail: "run"})
	second.Interval(a)
	if err := second.Close(a); err != nil {
		t.Fatal(err)
	}

	if m := readManifest(t, first.Path()); m.RunID != "first" {
		t.Errorf("the first run's manifest now says run %s", m.RunID)
	}
	if got := readFile(t, filepath.Join(first.Path(), ScenarioFile)); string(got) != "name: first\n" {
		t.Errorf("the first run's scenario.yaml now says %q", got)
	}
	if rows := readSeries(t, first.Path()); len(rows) != 1 {
		t.Errorf("the second run wrote %d rows into the first run's time series", len(rows)-1)
	}
	if ev := readLines(t, filepath.Join(first.Path(), EventsFile)); len(ev) != 0 {
		t.Errorf("the second run wrote events into the first run's directory: %s", ev)
	}
	if _, err := os.Stat(filepath.Join(first.Path(), SummaryFile)); err == nil {
		t.Error("the second run wrote its summary into the first run's directory")
	}
}

// run records what a fake run of two workers records, second by second,
// and keeps the truth to compare the files with.
type run struct {
	t        *testing.T
	counters map[string]int64
	errors   map[string]int64
	samples  map[measure.Metric][]int64 // microseconds
	cum      *measure.Totals
}

func newRun(t *testing.T) *run {
	return &run{t: t, counters: map[string]int64{}, errors: map[string]int64{}, samples: map[measure.Metric][]int64{}, cum: measure.NewTotals()}
}

// second returns worker w's snapshot for second s.
func (r *run) second(w, s int) *measure.Snapshot {
	return swap(r.t, []string{"w0", "w1"}[w], t0.Add(time.Duration(s)*time.Second), func(rec *measure.Recorder) {
		count := func(c measure.Counter, n int64) { rec.Count(c, n); r.counters[c.String()] += n }
		fail := func(k measure.ErrorKind, code byte, n int) {
			for range n {
				rec.Error(k, code)
			}
			r.errors[measure.ErrorKey(k, code)] += int64(n)
		}
		latency := func(m measure.Metric, us int64) {
			rec.Latency(m, 0, time.Duration(us)*time.Microsecond)
			r.samples[m] = append(r.samples[m], us)
		}
		count(measure.JobsDispatched, int64(10+w))
		count(measure.JobsCompleted, int64(9+w))
		count(measure.MessagesSent, int64(19+2*w))
		count(measure.MessagesReceived, int64(18+2*w))
		count(measure.OutOfOrder, int64(w))
		count(measure.Duplicates, 2)
		count(measure.Lost, int64(1-w))
		fail(measure.ConnectRefused, 0x87, 1+w)
		fail(measure.ConnectionLost, 0, 2)
		for k := range int64(50) {
			latency(measure.JobDelivery, 1000*(k+1)+int64(37*s+500*w))
			latency(measure.StatusDelivery, 700*(k+1)+int64(11*s+300*w))
			latency(measure.JobEndToEnd, 2000*(k+1)+int64(53*s+900*w))
		}
	})
}

// aggregate merges one second's snapshots as the coordinator does.
func (r *run) aggregate(second int, phase string, connected int64, snaps ...*measure.Snapshot) *measure.Aggregate {
	in := totalsOf(r.t, map[string]int64{measure.AgentsConnected.String(): connected}, snaps...)
	r.cum.Merge(in)
	r.cum.Gauges = in.Gauges
	return &measure.Aggregate{Second: second, Time: t0.Add(time.Duration(second) * time.Second), Phase: phase, Interval: in, Cumulative: r.cum, AgentsConnectedPeak: 180}
}

// nearestRank is the exact percentile of samples (in ms): the smallest
// sample with at least q of all samples at or below it.
func nearestRank(samples []int64, q float64) float64 {
	s := slices.Sorted(slices.Values(samples))
	i := int(math.Ceil(q*float64(len(s)))) - 1
	return float64(s[max(i, 0)]) / 1000
}

func TestRunDirWritesAsTheRunGoesAndSummarizesAtClose(t *testing.T) {
	rd, err := CreateRunDir(t.TempDir(), testManifest("r1"), []byte("name: office\n"), 200)
	if err != nil {
		t.Fatal(err)
	}
	dir := rd.Path()
	for _, f := range []string{ManifestFile, ScenarioFile} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("%s missing before the first second: %v", f, err)
		}
	}
	if rows := readSeries(t, dir); len(rows) != 1 {
		t.Errorf("timeseries.csv has %d rows before the first second", len(rows)-1)
	}
	r := newRun(t)
	phases := []string{"ramp", "run", "run", "done"}
	var final *measure.Aggregate
	for i, phase := range phases {
		second := i + 1
		if i == 0 || phase != phases[i-1] {
			rd.Event(measure.Event{Time: t0.Add(time.Duration(i) * time.Second), Kind: "phase", Detail: phase})
			if ev := readLines(t, filepath.Join(dir, EventsFile)); len(ev) == 0 || !bytes.Contains(ev[len(ev)-1], []byte(`"detail":"`+phase+`"`)) {
				t.Errorf("second %d: events.jsonl on disk is %q, want the %s event", second, ev, phase)
			}
		}
		s0, s1 := r.second(0, second), r.second(1, second)
		rd.Snapshot(s0)
		rd.Snapshot(s1)
		a := r.aggregate(second, phase, int64(60*second), s0, s1)
		rd.Interval(a)
		if phase == "done" {
			// The coordinator hands its final aggregate to Interval, then to Close.
			final = a
			break
		}

		// On disk now, before Close: the row and both snapshots.
		rows := readSeries(t, dir)
		if len(rows) != 1+second {
			t.Fatalf("second %d: timeseries.csv has %d rows on disk, want %d", second, len(rows)-1, second)
		}
		row := func(name string) string { return column(t, rows, name)[second-1] }
		want := map[string]string{
			"second": strconv.Itoa(second), "phase": phase,
			"agents_connected": strconv.Itoa(60 * second), "jobs_dispatched": "21", "errors": "7",
			"errors_cumulative": strconv.Itoa(7 * second),
		}
		for col, v := range want {
			if got := row(col); got != v {
				t.Errorf("second %d: column %s = %s, want %s", second, col, got, v)
			}
		}
		lines := readLines(t, filepath.Join(dir, SnapshotsFile))
		if len(lines) != 2*second {
			t.Fatalf("second %d: snapshots.jsonl has %d lines on disk, want %d", second, len(lines), 2*second)
		}
		back, err := measure.DecodeSnapshot(lines[len(lines)-1])
		if err != nil {
			t.Fatalf("snapshots.jsonl line does not decode: %v", err)
		}
		if back.Worker != "w1" || !back.End.Equal(s1.End) || back.Counters["jobs_dispatched"] != 11 {
			t.Errorf("snapshot read back %+v, want w1's second %d", back, second)
		}
	}
	if err := rd.Close(final); err != nil {
		t.Fatal(err)
	}

	rows := readSeries(t, dir)
	if got := column(t, rows, "second"); !slices.Equal(got, []string{"1", "2", "3", "4"}) {
		t.Errorf("timeseries.csv seconds %v, want each of 1..4 once", got)
	}
	if got := len(readLines(t, filepath.Join(dir, SnapshotsFile))); got != 2*len(phases) {
		t.Errorf("snapshots.jsonl has %d lines after Close, want %d", got, 2*len(phases))
	}
	checkSummaryFile(t, filepath.Join(dir, SummaryFile), r)
	for _, m := range measure.Metrics() {
		if _, err := os.Stat(filepath.Join(dir, m.String()+".hgrm")); err != nil {
			t.Errorf("no %s.hgrm after Close: %v", m, err)
		}
	}
}

// checkSummaryFile reads summary.json by its field names and compares it
// with what the run recorded.
func checkSummaryFile(t *testing.T, path string, r *run) {
	t.Helper()
	var s map[string]json.RawMessage
	if err := json.Unmarshal(readFile(t, path), &s); err != nil {
		t.Fatal(err)
	}
	num := func(field string, want int64) {
		t.Helper()
		var got int64
		if err := json.Unmarshal(s[field], &got); err != nil || got != want {
			t.Errorf("summary %s = %s, want %d", field, s[field], want)
		}
	}
	num("agents", 200)
	num("agents_connected_peak", 180)
	for _, c := range []measure.Counter{measure.JobsDispatched, measure.JobsCompleted, measure.MessagesSent,
		measure.MessagesReceived, measure.OutOfOrder, measure.Duplicates, measure.Lost} {
		num(c.String(), r.counters[c.String()])
	}
	var errs int64
	for _, n := range r.errors {
		errs += n
	}
	num("errors_total", errs)
	var byKind map[string]int64
	if err := json.Unmarshal(s["errors_by_kind"], &byKind); err != nil || len(byKind) != len(r.errors) {
		t.Errorf("summary errors_by_kind = %s, want %v", s["errors_by_kind"], r.errors)
	}
	for k, n := range r.errors {
		if byKind[k] != n {
			t.Errorf("summary errors_by_kind[%s] = %d, want %d", k, byKind[k], n)
		}
	}

	var lat map[string]map[string]float64
	if err := json.Unmarshal(s["latency_ms"], &lat); err != nil {
		t.Fatalf("summary latency_ms = %s: %v", s["latency_ms"], err)
	}
	for _, m := range []measure.Metric{measure.JobDelivery, measure.StatusDelivery, measure.JobEndToEnd} {
		got, samples := lat[m.String()], r.samples[m]
		if got["count"] != float64(len(samples)) {
			t.Errorf("summary latency_ms.%s.count = %v, want %d", m, got["count"], len(samples))
		}
		for field, q := range map[string]float64{"p50": 0.5, "p90": 0.9, "p99": 0.99, "p999": 0.999, "max": 1} {
			v, ok := got[field]
			if want := nearestRank(samples, q); !ok || !within(v, want) {
				t.Errorf("summary latency_ms.%s.%s = %v, the samples say %.3f", m, field, v, want)
			}
		}
	}
}
