package rundir

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/mqherd/mqherd/internal/measure"
)

func TestWriterDirIsNamedByTimeAndScenarioAndNeverReused(t *testing.T) {
	root := t.TempDir()
	first, err := Create(root, testManifest("first"), []byte("name: first\n"), 100)
	if err != nil {
		t.Fatal(err)
	}
	defer newFeed(t, first).finish(started)
	if want := filepath.Join(root, "20250314T093005Z-office_day"); first.Path() != want {
		t.Fatalf("run directory %s, want %s (UTC start time, scenario made safe)", first.Path(), want)
	}
	// The manifest and the scenario are there before the first second.
	m := readManifest(t, first.Path())
	if m.RunID != "first" || m.ScenarioFile != ScenarioFile || !m.Started.Equal(started) || m.Target.Address != "127.0.0.1:8883" {
		t.Errorf("manifest.json %+v does not describe the run", m)
	}
	if m.Version != Version {
		t.Errorf("manifest.json version %d, want %d (Create sets it)", m.Version, Version)
	}
	if got := readFile(t, filepath.Join(first.Path(), ScenarioFile)); string(got) != "name: first\n" {
		t.Errorf("scenario.yaml %q, want the scenario given", got)
	}

	second, err := Create(root, testManifest("second"), []byte("name: second\n"), 100)
	if err != nil {
		t.Fatal(err)
	}
	if second.Path() != first.Path()+"-2" {
		t.Fatalf("second run in the same second went to %s, want %s-2", second.Path(), first.Path())
	}
	f := newFeed(t, second)
	f.phase(1, measure.PhaseRun)
	f.snapshot(swap(t, "w0", at(1), func(r *measure.Recorder) { r.Count(measure.JobsDispatched, 1) }))
	f.closeThrough(1)
	f.finish(at(1))

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
	if snaps := readLines(t, filepath.Join(first.Path(), SnapshotsFile)); len(snaps) != 0 {
		t.Errorf("the second run wrote snapshots into the first run's directory: %s", snaps)
	}
	if _, err := os.Stat(filepath.Join(first.Path(), SummaryFile)); err == nil {
		t.Error("the second run wrote its summary into the first run's directory")
	}
	if rows := readSeries(t, second.Path()); len(rows) != 2 {
		t.Errorf("the second run's time series has %d rows, want 1", len(rows)-1)
	}
}

// run records what a fake run of two workers records, second by second,
// and keeps the truth to compare the files with.
type run struct {
	t        *testing.T
	counters map[string]int64
	errors   map[string]int64
	samples  map[measure.Metric][]int64 // microseconds
}

func newRun(t *testing.T) *run {
	return &run{t: t, counters: map[string]int64{}, errors: map[string]int64{}, samples: map[measure.Metric][]int64{}}
}

// connected is worker w's agents_connected reading at the end of second s:
// the two workers sum to 40s+5.
func connected(w, s int) int64 { return int64(20*s + 5*w) }

// second returns worker w's snapshot for second s.
func (r *run) second(w, s int) *measure.Snapshot {
	return swap(r.t, []string{"w0", "w1"}[w], at(s), func(rec *measure.Recorder) {
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
		rec.Gauge(measure.AgentsConnected, connected(w, s))
		rec.Gauge(measure.AgentsAssigned, 100)
		count(measure.JobsDispatched, int64(10+w))
		count(measure.JobsCompleted, int64(9+w))
		count(measure.MessagesSent, int64(19+2*w))
		count(measure.MessagesReceived, int64(18+2*w))
		count(measure.OutOfOrder, int64(w))
		count(measure.Duplicates, 2)
		count(measure.Lost, int64(1-w))
		count(measure.Connects, int64(3+w))
		fail(measure.ConnectRefused, 0x87, 1+w)
		fail(measure.ConnectionLost, 0, 2)
		for k := range int64(50) {
			latency(measure.JobDelivery, 1000*(k+1)+int64(37*s+500*w))
			latency(measure.StatusDelivery, 700*(k+1)+int64(11*s+300*w))
			latency(measure.JobEndToEnd, 2000*(k+1)+int64(53*s+900*w))
		}
	})
}

func TestWriterWritesAsTheRunGoesAndSummarizesAtClose(t *testing.T) {
	rd, err := Create(t.TempDir(), testManifest("r1"), []byte("name: office\n"), 200)
	if err != nil {
		t.Fatal(err)
	}
	dir := rd.Path()
	for _, f := range []string{ManifestFile, ScenarioFile, SnapshotsFile, EventsFile} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("%s missing before the first second: %v", f, err)
		}
	}
	if rows := readSeries(t, dir); len(rows) != 1 {
		t.Errorf("timeseries.csv has %d rows before the first second", len(rows)-1)
	}
	r := newRun(t)
	f := newFeed(t, rd)
	f.dropped = 3
	phases := []measure.Phase{measure.PhaseRamp, measure.PhaseRun, measure.PhaseRun, measure.PhaseDrain}
	for i, phase := range phases {
		second := i + 1
		if i == 0 || phase != phases[i-1] {
			f.phase(second, phase)
			if ev := readLines(t, filepath.Join(dir, EventsFile)); len(ev) == 0 || !bytes.Contains(ev[len(ev)-1], []byte(`"detail":"`+string(phase)+`"`)) {
				t.Errorf("second %d: events.jsonl on disk is %q, want the %s event", second, ev, phase)
			}
		}
		s0, s1 := r.second(0, second), r.second(1, second)
		f.snapshot(s0)
		f.snapshot(s1)
		f.closeThrough(second)

		// On disk now, before Close: the row, both snapshots and the close.
		rows := readSeries(t, dir)
		if len(rows) != 1+second {
			t.Fatalf("second %d: timeseries.csv has %d rows on disk, want %d", second, len(rows)-1, second)
		}
		row := func(name string) string { return column(t, rows, name)[second-1] }
		want := map[string]string{
			"second": strconv.Itoa(second), "time": at(second).UTC().Format(time.RFC3339Nano), "phase": string(phase),
			"agents_connected": strconv.FormatInt(connected(0, second)+connected(1, second), 10),
			"jobs_dispatched":  "21", "connects": "7", "errors": "7", "errors_cumulative": strconv.Itoa(7 * second),
		}
		for col, v := range want {
			if got := row(col); got != v {
				t.Errorf("second %d: column %s = %s, want %s", second, col, got, v)
			}
		}
		lines := readLines(t, filepath.Join(dir, SnapshotsFile))
		if len(lines) != 3*second {
			t.Fatalf("second %d: snapshots.jsonl has %d lines on disk, want %d", second, len(lines), 3*second)
		}
		if got, want := string(lines[len(lines)-1]), `{"close":`+strconv.Itoa(second)+`}`; got != want {
			t.Errorf("second %d: last line of snapshots.jsonl %s, want %s", second, got, want)
		}
		back, err := measure.DecodeSnapshot(lines[len(lines)-2])
		if err != nil {
			t.Fatalf("snapshots.jsonl line does not decode: %v", err)
		}
		if back.Worker != "w1" || !back.End.Equal(s1.End) || back.Counters["jobs_dispatched"] != 11 {
			t.Errorf("snapshot read back %+v, want w1's second %d", back, second)
		}
	}
	f.finish(at(len(phases)))

	rows := readSeries(t, dir)
	if got := column(t, rows, "second"); !slices.Equal(got, []string{"1", "2", "3", "4"}) {
		t.Errorf("timeseries.csv seconds %v, want each of 1..4 once", got)
	}
	if got := len(readLines(t, filepath.Join(dir, SnapshotsFile))); got != 3*len(phases) {
		t.Errorf("snapshots.jsonl has %d lines after Close, want %d", got, 3*len(phases))
	}
	s := checkSummaryFile(t, filepath.Join(dir, SummaryFile), r, 200)
	num := func(field string, want int64) {
		t.Helper()
		var got int64
		if err := json.Unmarshal(s[field], &got); err != nil || got != want {
			t.Errorf("summary %s = %s, want %d", field, s[field], want)
		}
	}
	// The peak is the rows' agents_connected: second 4's.
	num("agents_connected_peak", connected(0, 4)+connected(1, 4))
	num("snapshots_dropped", 3)
	num("snapshots_late", 0)
	var str struct {
		RunID    string    `json:"run_id"`
		Scenario string    `json:"scenario"`
		Target   string    `json:"target"`
		Started  time.Time `json:"started"`
		Ended    time.Time `json:"ended"`
		Duration float64   `json:"duration_s"`
		Workers  []struct {
			Name  string `json:"name"`
			State string `json:"state"`
		} `json:"workers"`
	}
	if err := json.Unmarshal(readFile(t, filepath.Join(dir, SummaryFile)), &str); err != nil {
		t.Fatal(err)
	}
	if str.RunID != "r1" || str.Scenario != "office day" || str.Target != "embedded" ||
		!str.Started.Equal(started) || !str.Ended.Equal(at(4)) || str.Duration != 4 {
		t.Errorf("summary describes run %q of %q on %q, %v to %v (%gs); want r1 of office day on embedded, %v to %v (4s)",
			str.RunID, str.Scenario, str.Target, str.Started, str.Ended, str.Duration, started, at(4))
	}
	if len(str.Workers) != 2 || str.Workers[0].Name != "w0" || str.Workers[1].Name != "w1" ||
		str.Workers[0].State != "done" || str.Workers[1].State != "done" {
		t.Errorf("summary workers %+v, want w0 and w1, done", str.Workers)
	}
	for _, m := range measure.Metrics() {
		if _, err := os.Stat(filepath.Join(dir, m.String()+HgrmExt)); err != nil {
			t.Errorf("no %s%s after Close: %v", m, HgrmExt, err)
		}
	}
}

// checkSummaryFile reads summary.json by its field names and compares it
// with what the run recorded; it returns the fields.
func checkSummaryFile(t *testing.T, path string, r *run, agents int64) map[string]json.RawMessage {
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
	num("agents", agents)
	for _, c := range []measure.Counter{measure.JobsDispatched, measure.JobsCompleted, measure.MessagesSent,
		measure.MessagesReceived, measure.OutOfOrder, measure.Duplicates, measure.Lost, measure.Connects} {
		num(c.String(), r.counters[c.String()])
	}
	var errs int64
	for _, n := range r.errors {
		errs += n
	}
	num("errors", errs)
	if _, ok := s["errors_total"]; ok {
		t.Errorf("summary still has errors_total (now errors): %s", s["errors_total"])
	}
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
	return s
}

// snapshots.jsonl holds each snapshot as the bytes the worker sent (not
// re-encoded: here with a leading space and a field this build does not
// know), a snapshot made here as its JSON encoding, and after each
// second's snapshots the line {"close":N} saying the second closed there;
// a snapshot that arrives after its second closed comes after that line.
func TestSnapshotsHoldTheBytesSentAndTheCloses(t *testing.T) {
	rd, err := Create(t.TempDir(), testManifest("raw"), nil, 2)
	if err != nil {
		t.Fatal(err)
	}
	f := newFeed(t, rd)
	sent := func(worker string, second int, jobs int64) []byte {
		b := encode(t, worker, at(second-1), at(second), func(r *measure.Recorder) {
			r.Count(measure.JobsDispatched, jobs)
			r.Latency(measure.JobDelivery, 0, time.Duration(jobs)*time.Millisecond)
		})
		return append(append([]byte(" "), b[:len(b)-1]...), `, "from": "a newer worker" }`...)
	}
	b1, b2, late := sent("w0", 1, 5), sent("w0", 2, 6), sent("w1", 1, 7)
	made := &measure.Snapshot{Version: measure.SnapshotVersion, Worker: "w1", Seq: 1, Start: at(0), End: at(1),
		Counters: map[string]int64{measure.JobsDispatched.String(): 8}}
	madeJSON, err := json.Marshal(made)
	if err != nil {
		t.Fatal(err)
	}

	f.snapshot(decode(t, b1))
	f.snapshot(made)
	f.closeThrough(1)
	f.snapshot(decode(t, b2))
	f.closeThrough(2)
	f.snapshot(decode(t, late)) // second 1 closed already
	final := f.finish(at(3))

	want := [][]byte{b1, madeJSON, []byte(`{"close":1}`), b2, []byte(`{"close":2}`), late, []byte(`{"close":3}`)}
	got := readLines(t, filepath.Join(rd.Path(), SnapshotsFile))
	if len(got) != len(want) {
		t.Fatalf("snapshots.jsonl has %d lines, want %d:\n%s", len(got), len(want), bytes.Join(got, []byte("\n")))
	}
	for i := range want {
		if !bytes.Equal(got[i], want[i]) {
			t.Errorf("snapshots.jsonl line %d:\n %s\nwant\n %s", i+1, got[i], want[i])
		}
	}
	if n := final.Rollup.Late(); n != 1 {
		t.Errorf("%d snapshots late, want w1's second 1", n)
	}
	var s Summary
	if err := json.Unmarshal(readFile(t, filepath.Join(rd.Path(), SummaryFile)), &s); err != nil {
		t.Fatal(err)
	}
	if s.SnapshotsLate != 1 || s.JobsDispatched != 5+6+7+8 {
		t.Errorf("summary: %d late, %d jobs dispatched; want 1 late, %d jobs (the late one counted in the totals)",
			s.SnapshotsLate, s.JobsDispatched, 5+6+7+8)
	}
}

// A snapshot is JSON from the network: DecodeSnapshot accepts any valid
// encoding of one, and the Writer keeps the bytes as sent. Whatever those
// bytes, the run directory must replay to what the coordinator counted.
//
// This test fails: Writer.Snapshot (writer.go) writes s.Raw verbatim as a
// line of snapshots.jsonl. An encoding with a newline in it (valid JSON)
// splits into two lines, and Replay stops with "decode snapshot:
// unexpected end of JSON input"; an encoding whose first key is "close"
// (unknown fields are ignored) is taken by parseCloseMark (reader.go) for
// a close mark, so Replay closes seconds and drops the snapshot.
func TestAnyEncodingSentKeepsTheRunReplayable(t *testing.T) {
	for name, rewrite := range map[string]func(b []byte) []byte{
		"newline": func(b []byte) []byte { return append([]byte("{\n"), b[1:]...) },
		"close key first": func(b []byte) []byte {
			return append([]byte(`{"close":3,`), b[1:]...)
		},
	} {
		t.Run(name, func(t *testing.T) {
			rd, err := Create(t.TempDir(), testManifest("odd"), nil, 1)
			if err != nil {
				t.Fatal(err)
			}
			f := newFeed(t, rd)
			b := rewrite(encode(t, "w0", at(0), at(1), func(r *measure.Recorder) { r.Count(measure.JobsDispatched, 4) }))
			f.snapshot(decode(t, b))
			f.snapshot(swap(t, "w0", at(2), func(r *measure.Recorder) { r.Count(measure.JobsDispatched, 5) }))
			f.closeThrough(2)
			f.finish(at(2))

			run, err := Read(rd.Path())
			if err != nil {
				t.Fatal(err)
			}
			roll, err := run.Replay(nil)
			if err != nil {
				t.Fatalf("replay: %v", err)
			}
			if got, want := asJSON(t, roll.Rows()), asJSON(t, f.roll.Rows()); got != want {
				t.Errorf("replayed rows\n%s\nlive\n%s", got, want)
			}
			if n := roll.All().Counter(measure.JobsDispatched); n != 9 {
				t.Errorf("replay counts %d jobs dispatched, the worker sent 4+5", n)
			}
		})
	}
}

// errors_cumulative is the errors of the run through each row. Seconds
// that close together (at the end of a run, or by the lag rule) each get
// their own running sum, not the total of everything taken by then.
//
// This test fails: timeseries.go (csvFile.row) writes
// a.Cumulative.ErrorsTotal(), and the Aggregate's Cumulative is
// Rollup.All(): every snapshot taken so far, later seconds' included.
func TestErrorsCumulativeIsThroughEachRow(t *testing.T) {
	rd, err := Create(t.TempDir(), testManifest("cumulative"), nil, 1)
	if err != nil {
		t.Fatal(err)
	}
	f := newFeed(t, rd)
	for second := 1; second <= 3; second++ {
		f.snapshot(swap(t, "w0", at(second), func(r *measure.Recorder) {
			for range second {
				r.Error(measure.ConnectionLost, 0)
			}
		}))
	}
	f.finish(at(3)) // the last seconds close together at the end of the run
	rows := readSeries(t, rd.Path())
	if got, want := column(t, rows, "errors"), []string{"1", "2", "3"}; !slices.Equal(got, want) {
		t.Fatalf("errors %v, want %v", got, want)
	}
	if got, want := column(t, rows, "errors_cumulative"), []string{"1", "3", "6"}; !slices.Equal(got, want) {
		t.Errorf("errors_cumulative %v, want %v", got, want)
	}
}
