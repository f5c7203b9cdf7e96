package rundir

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/mqherd/mqherd/internal/measure"
)

// A run written through the Writer, read back and replayed, rolls up as
// it did live: the same rows, figures and worker rows; and summary.json
// says what the replay says. The run has two workers, phases and the
// ramp's end, a snapshot that arrives after its second closed, and a
// worker declared lost.
func TestReplayEqualsLive(t *testing.T) {
	const agents = 200
	rd, err := Create(t.TempDir(), testManifest("replay"), []byte("name: replay\n"), agents)
	if err != nil {
		t.Fatal(err)
	}
	r := newRun(t)
	f := newFeed(t, rd)
	f.dropped = 2
	f.phase(1, measure.PhaseRamp)
	f.snapshot(r.second(0, 1))
	f.snapshot(r.second(1, 1))
	f.closeThrough(1)

	f.event(measure.Event{Time: at(1).Add(400 * time.Millisecond), Kind: measure.EventRampComplete})
	f.phase(2, measure.PhaseRun)
	f.snapshot(r.second(0, 2))
	late := r.second(1, 2)
	f.closeThrough(2)
	f.snapshot(late) // after second 2 closed: in the totals, in no row

	f.snapshot(r.second(1, 3))
	f.snapshot(r.second(0, 3))
	f.closeThrough(3)

	f.event(measure.Event{Time: at(3).Add(500 * time.Millisecond), Kind: measure.EventWorkerLost, Worker: "w1"})
	f.snapshot(r.second(0, 4))
	f.closeThrough(4)
	f.phase(5, measure.PhaseDrain)
	f.snapshot(r.second(0, 5))
	f.closeThrough(5)
	f.phase(6, measure.PhaseDone)
	live := f.roll
	f.finish(at(5).Add(300 * time.Millisecond)) // closes second 6, empty

	if live.Late() != 1 {
		t.Fatalf("live: %d snapshots late, want 1 (the test does not test what it says)", live.Late())
	}
	if n := len(live.Rows()); n != 6 {
		t.Fatalf("live: %d rows, want 6", n)
	}
	if got := live.Rows()[3].AgentsConnected; got != connected(0, 4) {
		t.Fatalf("live: second 4 has %d agents connected, want w0's %d only (w1 lost)", got, connected(0, 4))
	}

	run, err := Read(rd.Path())
	if err != nil {
		t.Fatal(err)
	}
	if !run.Complete() || run.Agents() != agents || len(run.Events) != 6 {
		t.Fatalf("read back: complete %v, %d agents, %d events; want complete, %d agents, 6 events",
			run.Complete(), run.Agents(), len(run.Events), agents)
	}
	replay, err := run.Replay(nil)
	if err != nil {
		t.Fatal(err)
	}
	same := func(what string, got, want any) {
		t.Helper()
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s replayed:\n%s\nlive:\n%s", what, asJSON(t, got), asJSON(t, want))
		}
	}
	same("rows", replay.Rows(), live.Rows())
	same("figures", replay.Figures(agents), live.Figures(agents))
	same("unexcluded figures", replay.Unexcluded(agents), live.Unexcluded(agents))
	same("workers", replay.Workers(true), live.Workers(true))
	same("late snapshots", replay.Late(), live.Late())
	same("rows handed to the writer", live.Rows(), f.rows)

	s := run.Summary
	same("summary.json figures", s.Figures, replay.Figures(agents))
	same("summary.json workers", s.Workers, replay.Workers(true))
	if s.SnapshotsLate != 1 || s.SnapshotsDropped != 2 {
		t.Errorf("summary.json: %d snapshots late, %d dropped; want 1 and 2", s.SnapshotsLate, s.SnapshotsDropped)
	}
	// And what the figures say is what was recorded, the late snapshot included.
	if fig := replay.Figures(agents); fig.JobsDispatched != r.counters[measure.JobsDispatched.String()] ||
		fig.LatencyMs[measure.JobDelivery.String()].Count != int64(len(r.samples[measure.JobDelivery])) {
		t.Errorf("replayed figures count %d jobs and %d job_delivery samples; the workers recorded %d and %d",
			fig.JobsDispatched, fig.LatencyMs[measure.JobDelivery.String()].Count,
			r.counters[measure.JobsDispatched.String()], len(r.samples[measure.JobDelivery]))
	}
}

// WritePartial writes a run directory Read accepts: its manifest says it
// is one worker's part, its run started at the earliest snapshot's start,
// and it replays to the worker's counts.
func TestWritePartialIsARunDirectory(t *testing.T) {
	out := t.TempDir()
	// The worker joined 300 ms into the run's first second.
	first := started.Add(300 * time.Millisecond)
	var sent [][]byte
	var jobs int64
	for second := 1; second <= 3; second++ {
		start := at(second - 1)
		if second == 1 {
			start = first
		}
		n := int64(10 * second)
		jobs += n
		sent = append(sent, encode(t, "w1", start, at(second), func(r *measure.Recorder) {
			r.Count(measure.JobsDispatched, n)
			r.Gauge(measure.AgentsConnected, 7)
			r.Latency(measure.JobDelivery, 0, time.Duration(second)*time.Millisecond)
		}))
	}
	dir, err := WritePartial(out, PartialRun{RunID: "20250314T093005Z-office-abc123", Worker: "w1", Why: "coordinator lost", Snapshots: sent})
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(out, "20250314T093005Z-office-abc123-w1-partial"); dir != want {
		t.Errorf("partial directory %s, want %s", dir, want)
	}
	run, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	m := run.Manifest
	if m.Version != Version || m.Partial == nil || m.Partial.Worker != "w1" || m.Partial.Reason != "coordinator lost" || m.Partial.Written.IsZero() {
		t.Errorf("partial manifest %+v (partial %+v), want version %d, worker w1, the reason, when written", m, m.Partial, Version)
	}
	if !m.Started.Equal(first) {
		t.Errorf("partial run started %v, want the earliest snapshot's start %v", m.Started, first)
	}
	if run.Complete() || len(run.Events) != 0 {
		t.Errorf("partial run: complete %v, %d events; want neither", run.Complete(), len(run.Events))
	}
	if got := readLines(t, filepath.Join(dir, SnapshotsFile)); !reflect.DeepEqual(got, sent) {
		t.Errorf("partial snapshots.jsonl:\n%s\nwant the bytes sent:\n%s", got, sent)
	}
	roll, err := run.Replay(nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := roll.All().Counter(measure.JobsDispatched); n != jobs {
		t.Errorf("replayed %d jobs dispatched, the worker sent %d", n, jobs)
	}
	if rows := roll.Rows(); len(rows) != 3 || rows[0].Counter(measure.JobsDispatched) != 10 || rows[2].Counter(measure.JobsDispatched) != 30 {
		t.Errorf("replayed rows %s, want seconds 1..3 with 10, 20, 30 jobs", asJSON(t, rows))
	}
	w := roll.Workers(run.Complete())
	if len(w) != 1 || w[0].Name != "w1" || w[0].JobsDispatched != jobs || w[0].State != measure.WorkerUnknown ||
		w[0].AgentsConnected != 7 {
		t.Errorf("replayed workers %+v, want w1 with %d jobs, 7 agents, state unknown", w, jobs)
	}
	if fig := roll.Figures(0); fig.LatencyMs[measure.JobDelivery.String()].Count != 3 {
		t.Errorf("replayed %d job_delivery samples, the worker sent 3", fig.LatencyMs[measure.JobDelivery.String()].Count)
	}
}

// writeDir writes a bare run directory: a manifest of the given version
// and snapshots.jsonl's lines.
func writeDir(t *testing.T, version int, lines [][]byte) string {
	t.Helper()
	dir := t.TempDir()
	m := testManifest("v")
	m.Version = version
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ManifestFile), b, 0o644); err != nil {
		t.Fatal(err)
	}
	var snaps []byte
	for _, l := range lines {
		snaps = append(append(snaps, l...), '\n')
	}
	if err := os.WriteFile(filepath.Join(dir, SnapshotsFile), snaps, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// Read refuses a directory of a version it does not know, naming its
// manifest, and reads version 1, which has no close marks: its seconds
// close by the lag rule (second n once a snapshot of n+Lag+1 arrives) and
// at the end.
func TestReadChecksTheVersion(t *testing.T) {
	for _, v := range []int{0, Version + 1} {
		dir := writeDir(t, v, nil)
		_, err := Read(dir)
		if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, ManifestFile)) || !strings.Contains(err.Error(), "version") {
			t.Errorf("version %d: Read says %v, want an error naming %s and its version", v, err, filepath.Join(dir, ManifestFile))
		}
	}

	jobs := func(worker string, second int, n int64) []byte {
		return encode(t, worker, at(second-1), at(second), func(r *measure.Recorder) { r.Count(measure.JobsDispatched, n) })
	}
	const lag = measure.DefaultLag
	var lines [][]byte
	for second := 1; second <= lag+1; second++ {
		lines = append(lines, jobs("w0", second, 1))
	}
	lines = append(lines, jobs("w1", 1, 100)) // lag seconds late: second 1 is still open
	lines = append(lines, jobs("w0", lag+2, 1), jobs("w0", lag+3, 1))
	lines = append(lines, jobs("w1", 2, 100)) // second 2 closed when second lag+3 arrived
	dir := writeDir(t, 1, lines)
	run, err := Read(dir)
	if err != nil {
		t.Fatalf("version 1: %v", err)
	}
	roll, err := run.Replay(nil)
	if err != nil {
		t.Fatal(err)
	}
	rows := roll.Rows()
	if len(rows) != lag+3 {
		t.Fatalf("version 1 replayed %d rows, want %d", len(rows), lag+3)
	}
	if got := rows[0].Counter(measure.JobsDispatched); got != 101 {
		t.Errorf("version 1 second 1 has %d jobs, want 101 (w1's snapshot arrived within the lag)", got)
	}
	if got := rows[1].Counter(measure.JobsDispatched); got != 1 {
		t.Errorf("version 1 second 2 has %d jobs, want 1 (w1's snapshot arrived after the lag)", got)
	}
	if roll.Late() != 1 || roll.All().Counter(measure.JobsDispatched) != lag+3+200 {
		t.Errorf("version 1: %d late, %d jobs in all; want 1 late, %d jobs", roll.Late(), roll.All().Counter(measure.JobsDispatched), lag+3+200)
	}
}

// A run cut short (the coordinator killed: no Close, no summary.json) is
// readable from what was flushed as its seconds closed, and replays to the
// rows it had closed.
func TestReadRunCutShort(t *testing.T) {
	rd, err := Create(t.TempDir(), testManifest("cut"), []byte("name: cut\n"), 2)
	if err != nil {
		t.Fatal(err)
	}
	r := newRun(t)
	f := newFeed(t, rd)
	f.phase(1, measure.PhaseRamp)
	f.phase(2, measure.PhaseRun)
	for second := 1; second <= 3; second++ {
		f.snapshot(r.second(0, second))
		f.snapshot(r.second(1, second))
		f.closeThrough(second)
	}
	live := asJSON(t, f.roll.Rows())
	f.snapshot(r.second(0, 4)) // not flushed: second 4 never closed
	defer f.finish(at(4))

	run, err := Read(rd.Path())
	if err != nil {
		t.Fatal(err)
	}
	if run.Complete() || string(run.Scenario) != "name: cut\n" || len(run.Events) != 2 {
		t.Errorf("cut short run read back: complete %v, scenario %q, %d events; want incomplete, the scenario, 2 events",
			run.Complete(), run.Scenario, len(run.Events))
	}
	roll, err := run.Replay(nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := asJSON(t, roll.Rows()); got != live {
		t.Errorf("cut short run replayed rows\n%s\nlive\n%s", got, live)
	}
	if w := roll.Workers(run.Complete()); len(w) != 2 || w[0].State != measure.WorkerUnknown {
		t.Errorf("cut short run's workers %+v, want w0 and w1, their end unknown", w)
	}
}

// A hostile or corrupt run directory (issue 13): a snapshot stamped far
// outside the run, or an endless line, is an error naming the file and the
// line, found quickly and without holding a row per second up to 2100.
func TestReplayRefusesSnapshotsFarOutsideTheRun(t *testing.T) {
	t.Parallel()
	for name, line := range map[string][]byte{
		"stamped in 2100": encode(t, "w0", time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2100, 1, 1, 0, 0, 1, 0, time.UTC),
			func(r *measure.Recorder) { r.Count(measure.JobsDispatched, 1) }),
		"an endless line": []byte(`{"v":2,"worker":"w0","pad":"` + strings.Repeat("x", maxLine) + `"}`),
	} {
		dir := t.TempDir()
		w, err := Create(dir, testManifest("far"), nil, 10)
		if err != nil {
			t.Fatal(err)
		}
		f := newFeed(t, w)
		f.snapshot(swap(t, "w0", at(1), func(r *measure.Recorder) { r.Count(measure.JobsDispatched, 1) }))
		f.closeThrough(1)
		_ = w.snaps.writeRaw(line)
		f.finish(at(2))
		run, err := Read(w.Path())
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		_, err = run.Replay(nil)
		if err == nil || !strings.Contains(err.Error(), SnapshotsFile+" line 3") {
			t.Errorf("%s: %v, want an error naming snapshots.jsonl line 3", name, err)
		}
		if took := time.Since(start); took > time.Second {
			t.Errorf("%s: took %s", name, took)
		}
	}
}
