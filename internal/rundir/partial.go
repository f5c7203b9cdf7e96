package rundir

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/mqherd/mqherd/internal/measure"
)

// PartialRun is what a worker kept of a run whose coordinator it lost.
type PartialRun struct {
	RunID  string
	Worker string
	Why    string
	// Snapshots are the encoded snapshots the coordinator did not confirm,
	// oldest first.
	Snapshots [][]byte
}

// WritePartial writes OUT/<run>-<worker>-partial/: a run directory holding
// a manifest that says so and the worker's snapshots, so `mqherd report`
// rebuilds what that worker measured. It returns the directory.
func WritePartial(out string, p PartialRun) (string, error) {
	dir := filepath.Join(out, p.RunID+"-"+p.Worker+"-partial")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	m := Manifest{Version: Version, RunID: p.RunID, Scenario: p.RunID,
		Partial: &Partial{Worker: p.Worker, Reason: p.Why, Written: time.Now().UTC()}}
	snaps, err := createLines(filepath.Join(dir, SnapshotsFile))
	if err != nil {
		return "", err
	}
	for _, b := range p.Snapshots {
		s, err := measure.DecodeSnapshot(b)
		if err != nil {
			return "", errors.Join(fmt.Errorf("partial run directory: %w", err), snaps.close())
		}
		if m.Started.IsZero() || s.Start.Before(m.Started) {
			m.Started = s.Start
		}
		if err := snaps.writeRaw(b); err != nil {
			return "", errors.Join(err, snaps.close())
		}
	}
	if err := snaps.close(); err != nil {
		return "", err
	}
	return dir, writeJSON(filepath.Join(dir, ManifestFile), m)
}
