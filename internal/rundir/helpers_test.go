package rundir

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/mqherd/mqherd/internal/measure"
)

// started is 10:30:05 in a UTC+1 zone: 09:30:05 UTC, a whole second, so
// it is also t=0 of the rollup's clock.
var started = time.Date(2025, 3, 14, 10, 30, 5, 0, time.FixedZone("CET", 3600))

// at is the end of second n of a run that started at started: where a
// snapshot of second n ends.
func at(n int) time.Time { return started.Add(time.Duration(n) * time.Second) }

// testManifest describes a run; its Version is left for Create to set.
func testManifest(runID string) Manifest {
	return Manifest{
		RunID: runID, Scenario: "office day",
		Target: Target{Name: "embedded", Address: "127.0.0.1:8883"}, Started: started,
		Mqherd: "devel", Go: "go1.26", Host: Host{Name: "h", OS: "linux", Arch: "amd64", CPUs: 8},
	}
}

// swap turns what record records into one snapshot of worker over the
// second before end, passed through the wire encoding as it is between
// worker and coordinator (so its Raw holds the bytes sent).
func swap(t *testing.T, worker string, end time.Time, record func(r *measure.Recorder)) *measure.Snapshot {
	t.Helper()
	return decode(t, encode(t, worker, end.Add(-time.Second), end, record))
}

// encode is what a worker sends for the interval [start, end].
func encode(t *testing.T, worker string, start, end time.Time, record func(r *measure.Recorder)) []byte {
	t.Helper()
	r := measure.NewRecorder(worker, start)
	if record != nil {
		record(r)
	}
	s, err := r.Swap(end)
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func decode(t *testing.T, b []byte) *measure.Snapshot {
	t.Helper()
	s, err := measure.DecodeSnapshot(b)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// within reports whether a value read back from a histogram (in ms) agrees
// with the exact value: 3 significant digits (0.1%) plus the 1 us unit.
func within(got, want float64) bool {
	return math.Abs(got-want) <= want*0.001+0.001
}

// nearestRank is the exact percentile of samples (in ms): the smallest
// sample with at least q of all samples at or below it.
func nearestRank(samples []int64, q float64) float64 {
	s := slices.Sorted(slices.Values(samples))
	i := int(math.Ceil(q*float64(len(s)))) - 1
	return float64(s[max(i, 0)]) / 1000
}

// feed drives a Writer the way the coordinator's aggregator does: each
// snapshot goes to the writer, then into the rollup; each second the
// rollup closes becomes an Aggregate handed to Interval; the end of the
// run is Finish, then Close with the final aggregate.
type feed struct {
	t       *testing.T
	w       *Writer
	roll    *measure.Rollup
	peak    int64
	dropped int64                // what Aggregate.Dropped says
	handed  []*measure.Aggregate // every aggregate handed to Interval
	rows    []measure.Second     // copies of their rows
}

func newFeed(t *testing.T, w *Writer) *feed {
	f := &feed{t: t, w: w}
	f.roll = measure.NewRollup(measure.RollupConfig{Started: w.manifest.Started, WorkerIntervals: true, OnClose: f.closed})
	return f
}

// closed is the coordinator's aggregator.closed.
func (f *feed) closed(c measure.Closed) {
	f.peak = max(f.peak, c.Row.AgentsConnected)
	a := f.aggregate(c.Row, c.Interval, f.roll.Origin().Add(time.Duration(c.Row.Second)*time.Second))
	f.w.Interval(a)
	f.handed = append(f.handed, a)
	f.rows = append(f.rows, *c.Row)
}

func (f *feed) aggregate(row *measure.Second, interval *measure.Totals, at time.Time) *measure.Aggregate {
	return &measure.Aggregate{Row: row, Time: at, Interval: interval, Cumulative: f.roll.All(),
		Workers: f.roll.Views(), AgentsConnectedPeak: f.peak, Dropped: f.dropped, Rollup: f.roll}
}

// snapshot is the coordinator's aggregator.take: decode the histograms
// (a bad snapshot is left out whole), hand it to the writer, then roll it up.
func (f *feed) snapshot(s *measure.Snapshot) {
	f.t.Helper()
	d, err := measure.DecodeHistograms(s)
	if err != nil {
		f.t.Fatal(err)
	}
	f.w.Snapshot(s)
	f.roll.Add(d)
}

func (f *feed) event(e measure.Event) {
	f.roll.Event(e)
	f.w.Event(e)
}

// phase announces phase p during second n.
func (f *feed) phase(n int, p measure.Phase) {
	f.event(measure.Event{Time: at(n - 1).Add(time.Millisecond), Kind: measure.EventPhase, Detail: string(p)})
}

// closeThrough is the coordinator's tick after second n.
func (f *feed) closeThrough(n int) { f.roll.CloseThrough(n) }

// finish is the coordinator's aggregator.finish then the sink's Close.
func (f *feed) finish(ended time.Time) *measure.Aggregate {
	f.t.Helper()
	f.roll.Finish(ended)
	last := &measure.Second{Phase: measure.PhaseDone}
	if rows := f.roll.Rows(); len(rows) > 0 {
		last = &rows[len(rows)-1]
	}
	interval := measure.NewTotals()
	interval.Gauges = f.roll.All().Gauges
	final := f.aggregate(last, interval, ended)
	if err := f.w.Close(final); err != nil {
		f.t.Fatal(err)
	}
	return final
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
	if err := sc.Err(); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return out
}

// asJSON encodes v for comparing and printing.
func asJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
