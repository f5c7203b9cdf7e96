package reports

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/mqherd/mqherd/internal/measure"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (go test -update rewrites it)\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

// t0 is a fixed instant, in UTC so times print the same everywhere.
var t0 = time.Date(2025, 3, 14, 9, 30, 0, 0, time.UTC)

// swap turns what record records into one snapshot of worker, passed
// through the wire encoding as it is between worker and coordinator.
func swap(t *testing.T, worker string, end time.Time, record func(r *measure.Recorder)) *measure.Snapshot {
	t.Helper()
	r := measure.NewRecorder(worker, end.Add(-time.Second))
	record(r)
	s, err := r.Swap(end)
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.Encode()
	if err != nil {
		t.Fatal(err)
	}
	back, err := measure.DecodeSnapshot(b)
	if err != nil {
		t.Fatal(err)
	}
	return back
}

// totalsOf merges snapshots as the coordinator does.
func totalsOf(t *testing.T, gauges map[string]int64, snaps ...*measure.Snapshot) *measure.Totals {
	t.Helper()
	tot := measure.NewTotals()
	for _, s := range snaps {
		if err := tot.Add(s); err != nil {
			t.Fatal(err)
		}
	}
	for k, v := range gauges {
		tot.Gauges[k] = v
	}
	return tot
}
