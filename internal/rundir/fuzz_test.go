package rundir

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mqherd/mqherd/internal/hostileinput"
	"github.com/mqherd/mqherd/internal/measure"
)

// A run directory's files as the seeds write them: the run started at
// 09:30:05 UTC on 14 March 2025.
const (
	fuzzManifest = `{"version":2,"run_id":"fuzz","scenario":"office","started":"2025-03-14T09:30:05Z","plan":[]}`
	fuzzEvents   = `{"time":"2025-03-14T09:30:05.5Z","kind":"phase","detail":"run"}` + "\n"
)

// fuzzSnapshot is a snapshot line of worker w for second n of the run,
// with jobs dispatched.
func fuzzSnapshot(w string, n int, jobs int64) string {
	end := time.Date(2025, 3, 14, 9, 30, 5+n, 0, time.UTC)
	return fmt.Sprintf(`{"v":2,"worker":%q,"seq":%d,"start":%q,"end":%q,"counters":{"jobs_dispatched":%d}}`+"\n",
		w, n, end.Add(-time.Second).Format(time.RFC3339Nano), end.Format(time.RFC3339Nano), jobs)
}

// FuzzReplay reads a run directory whose manifest, events, snapshots and
// summary come from the fuzzer, and replays it. Whatever the files hold,
// a refusal names a file of the directory; a replay keeps one row per
// second from 1 on, no more rows than an hour past what the file's lines
// can describe, counts that never wrap below zero, and figures that
// encode as JSON (summary.json).
func FuzzReplay(f *testing.F) {
	snaps := fuzzSnapshot("w0", 1, 3) + `{"close":1}` + "\n" + fuzzSnapshot("w0", 2, 4) + fuzzSnapshot("w1", 2, 1) + `{"close":2}` + "\n"
	f.Add([]byte(fuzzManifest), []byte(fuzzEvents), []byte(snaps), []byte(nil))
	f.Add([]byte(fuzzManifest), []byte(nil), []byte(snaps), []byte(`{"run_id":"fuzz","ended":"2025-03-14T09:30:08Z","agents":10}`))
	f.Add([]byte(`{"version":1,"started":"2025-03-14T09:30:05Z"}`), []byte(fuzzEvents+`{"time":"2025-03-14T09:30:06Z","kind":"worker_lost","worker":"w0"}`),
		[]byte(snaps+fuzzSnapshot("w0", 40, 1)), []byte(nil))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, manifest, events, snapshots, summary []byte) {
		writeRunDir(t, dir, manifest, events, snapshots, summary)
		run, err := Read(dir)
		if err != nil {
			if !strings.Contains(err.Error(), dir) {
				t.Fatalf("Read: %v, want an error naming the file", err)
			}
			return
		}
		roll, err := run.Replay(nil)
		if err != nil && !strings.Contains(err.Error(), dir) {
			t.Fatalf("Replay: %v, want an error naming the file", err)
		}
		checkReplay(t, roll, bytes.Count(snapshots, []byte("\n"))+1, run.Agents())
	})
}

// writeRunDir writes the files of a run directory into dir; an empty one
// is left out (no summary.json: a run cut short).
func writeRunDir(t *testing.T, dir string, manifest, events, snapshots, summary []byte) {
	t.Helper()
	for name, data := range map[string][]byte{ManifestFile: manifest, EventsFile: events, SnapshotsFile: snapshots, SummaryFile: summary} {
		path := filepath.Join(dir, name)
		if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		if len(data) == 0 {
			continue
		}
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// checkReplay fails unless roll's rows are seconds 1, 2, ... and no more
// than an hour past lines, its counts are not negative, and its figures
// encode as JSON.
func checkReplay(t *testing.T, roll *measure.Rollup, lines, agents int) {
	t.Helper()
	rows := roll.Rows()
	if limit := lines + int(maxJump/time.Second); len(rows) > limit {
		t.Fatalf("%d rows from %d lines, want at most %d", len(rows), lines, limit)
	}
	for i, r := range rows {
		if r.Second != i+1 {
			t.Fatalf("row %d is second %d", i, r.Second)
		}
		for k, v := range r.Counters {
			if v < 0 {
				t.Fatalf("second %d: counter %s = %d", r.Second, k, v)
			}
		}
	}
	fig := roll.Figures(agents)
	for name, v := range map[string]int64{"jobs_dispatched": fig.JobsDispatched, "jobs_completed": fig.JobsCompleted,
		"messages_sent": fig.MessagesSent, "errors": fig.Errors, "lost": fig.Lost, "connects": fig.Connects} {
		if v < 0 {
			t.Fatalf("figure %s = %d", name, v)
		}
	}
	if _, err := json.Marshal(fig); err != nil {
		t.Fatalf("figures do not encode: %v (%+v)", err, fig)
	}
}

// The hostile run directories of issue 13, each a seed of FuzzReplay:
// refused naming the file and the line within a second and 100 MB, where
// they took all memory or wrapped counts before.
func TestHostileRunDirectoriesAreRefused(t *testing.T) { // not parallel: it measures allocation
	near := fmt.Sprintf(`{"v":2,"worker":"w0","seq":2,"start":"2025-03-14T09:30:06Z","end":"2025-03-14T09:30:07Z","counters":{"jobs_dispatched":%d}}`+"\n", int64(1)<<62)
	for _, c := range []struct {
		seed           string
		events, snaps  string
		summary        string
		file, at, want string
	}{
		{"snapshot-in-2100", fuzzEvents, fuzzSnapshot("w0", 1, 1) + `{"close":1}` + "\n" +
			`{"v":2,"worker":"w0","seq":2,"start":"2099-12-31T23:59:59Z","end":"2100-01-01T00:00:00Z"}` + "\n",
			"", SnapshotsFile, " line 3", "more than 1h0m0s after the run's latest"},
		{"counters-near-maxint64", fuzzEvents, fuzzSnapshot("w0", 1, 1) + near + near, "",
			SnapshotsFile, " line 2", `snapshot counter "jobs_dispatched"=4611686018427387904 not allowed`},
		// Found by FuzzReplay: each held a row per second up to there.
		{"close-mark-far", fuzzEvents, fuzzSnapshot("w0", 1, 1) + `{"close":999999999}` + "\n", "",
			SnapshotsFile, " line 2", "second 999999999 of the run is more than 1h0m0s past the 2 lines read so far"},
		{"hour-hops", fuzzEvents, fuzzSnapshot("w0", 1, 1) + fuzzSnapshot("w0", 3600, 1) + fuzzSnapshot("w0", 7200, 1), "",
			SnapshotsFile, " line 3", "second 7200 of the run is more than 1h0m0s past the 3 lines read so far"},
		{"event-in-2100", fuzzEvents + `{"time":"2100-01-01T00:00:00Z","kind":"phase","detail":"drain"}` + "\n", fuzzSnapshot("w0", 1, 1), "",
			EventsFile, ": the latest event, 2100-01-01T00:00:00Z, is more than 1h0m0s past the 1 lines of snapshots.jsonl", ""},
		{"summary-ended-2100", fuzzEvents, fuzzSnapshot("w0", 1, 1), `{"run_id":"fuzz","ended":"2100-01-01T00:00:00Z"}`,
			SummaryFile, ": ended, 2100-01-01T00:00:00Z, is more than 1h0m0s past the 1 lines of snapshots.jsonl", ""},
	} {
		hostileinput.KeepSeed(t, "FuzzReplay", c.seed, []byte(fuzzManifest), []byte(c.events), []byte(c.snaps), []byte(c.summary))
		dir := t.TempDir()
		writeRunDir(t, dir, []byte(fuzzManifest), []byte(c.events), []byte(c.snaps), []byte(c.summary))
		var err error
		took, allocated := hostileinput.Cost(func() {
			var run *Run
			if run, err = Read(dir); err == nil {
				_, err = run.Replay(nil)
			}
		})
		where := filepath.Join(dir, c.file) + c.at
		if err == nil || !strings.Contains(err.Error(), where) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q and %q", c.seed, err, where, c.want)
		}
		if took > time.Second || allocated > 100<<20 {
			t.Errorf("%s: refused after %s, %d MB allocated; want under 1 s and 100 MB", c.seed, took, allocated>>20)
		}
	}
}

// A manifest without a start (the zero time, FuzzReplay found it) replays
// without closing a second per second since year 1: the latest time read
// was kept in Unix nanoseconds, which year 1 does not fit.
func TestReplayOfAManifestWithoutStartIsBounded(t *testing.T) {
	dir := t.TempDir()
	writeRunDir(t, dir, []byte(`{"version":2}`), []byte(fuzzEvents), []byte(fuzzSnapshot("w0", 1, 1)), nil)
	var err error
	took, allocated := hostileinput.Cost(func() {
		var run *Run
		if run, err = Read(dir); err == nil {
			_, err = run.Replay(nil)
		}
	})
	if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, SnapshotsFile)+" line 1: snapshot ends at 2025-03-14T09:30:06Z, more than 1h0m0s after") {
		t.Errorf("%v, want the snapshot refused, naming the file and line", err)
	}
	if took > time.Second || allocated > 100<<20 {
		t.Errorf("refused after %s, %d MB allocated", took, allocated>>20)
	}
}
