package worker

import (
	"context"
	"fmt"
	"time"

	"github.com/mqherd/mqherd/internal/rundir"
	"github.com/mqherd/mqherd/internal/wire"
)

// finish stops the worker and delivers every snapshot, waiting for the
// coordinator up to CoordinatorWait; failing that it writes them to a
// partial run directory and says so.
func (n *workerNode) finish(why string) error {
	if n.w == nil {
		return nil
	}
	drainCtx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	n.w.Drain(drainCtx)
	cancel()
	n.stopWorker()
	deadline := time.Now().Add(n.cfg.CoordinatorWait)
	for time.Now().Before(deadline) {
		if n.coordinatorAlive() && n.courier.flush() == 0 {
			return nil
		}
		time.Sleep(500 * time.Millisecond)
	}
	dir, err := rundir.WritePartial(n.cfg.OutDir, rundir.PartialRun{RunID: n.runID, Worker: n.cfg.Cluster.Name,
		Why: why, Snapshots: snapshotBodies(n.courier.out.drain())})
	if err != nil {
		return fmt.Errorf("%s, and the partial run directory could not be written: %w", why, err)
	}
	return fmt.Errorf("%s: wrote what this worker measured to %s", why, dir)
}

// stopWorker stops the worker and delivers its last snapshots if it can.
func (n *workerNode) stopWorker() {
	n.w.Stop()
	n.cancel()
	if n.coordUp.Load() {
		deadline := time.Now().Add(5 * time.Second)
		for n.courier.flush() > 0 && time.Now().Before(deadline) {
			time.Sleep(200 * time.Millisecond)
		}
	}
}

// snapshotBodies are the snapshots among queued messages; their ledgers
// stay out (nobody will re-assign from a partial directory).
func snapshotBodies(msgs [][]byte) [][]byte {
	var out [][]byte
	for _, m := range msgs {
		kind, body, err := wire.Decode(m)
		if err != nil || kind != wire.KindSnapshot {
			continue
		}
		if snap, _, err := wire.SplitSnapshot(body); err == nil {
			out = append(out, snap)
		}
	}
	return out
}
