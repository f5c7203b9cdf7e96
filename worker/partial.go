package worker

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/mqherd/mqherd/internal/measure"
	"github.com/mqherd/mqherd/internal/wire"
)

// writePartial keeps what a worker measured when its coordinator is gone at
// the end of the run: OUT/<run>-<worker>-partial/ with manifest.json and
// snapshots.jsonl (the same records as a full run directory's, so a report
// can be rebuilt from them).
func writePartial(out, runID, worker, why string, msgs [][]byte) (string, error) {
	dir := filepath.Join(out, runID+"-"+worker+"-partial")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	manifest := map[string]any{"run_id": runID, "worker": worker, "partial": true, "reason": why, "written": time.Now().UTC()}
	b, _ := json.MarshalIndent(manifest, "", "  ")
	if err := os.WriteFile(filepath.Join(dir, "manifest.json"), append(b, '\n'), 0o644); err != nil {
		return "", err
	}
	f, err := os.Create(filepath.Join(dir, "snapshots.jsonl"))
	if err != nil {
		return "", err
	}
	w := bufio.NewWriter(f)
	for _, m := range msgs {
		kind, body, err := wire.Decode(m)
		if err != nil || kind != wire.KindSnapshot {
			continue
		}
		snap, _, err := wire.SplitSnapshot(body) // the ledger stays out: nobody will re-assign
		if err == nil {
			_, err = measure.DecodeSnapshot(snap)
		}
		if err != nil {
			return "", fmt.Errorf("partial run directory: %w", err)
		}
		_, _ = w.Write(append(snap, '\n'))
	}
	return dir, errors.Join(w.Flush(), f.Close())
}
