package worker

import (
	"fmt"
	"time"

	"github.com/mqherd/mqherd/internal/wire"
)

// advanceAlone finishes the plan without the coordinator: after dispatch,
// drain; after drain, stop and deliver or keep what was measured.
func (n *workerNode) advanceAlone(finished string) (bool, error) {
	switch finished {
	case wire.PhaseDispatch:
		fmt.Fprintln(n.cfg.Log, "coordinator unreachable: draining on my own")
		return n.startPhase(wire.Phase{RunID: n.runID, Name: wire.PhaseDrain})
	case wire.PhaseDrain:
		return true, n.finish("coordinator unreachable")
	}
	return false, nil
}

// alone runs every second: if the coordinator has been gone too long
// before dispatch started, the node gives up and keeps what it measured.
func (n *workerNode) alone() (bool, error) {
	n.holdIfCutOff()
	if n.w == nil || n.coordUp.Load() || n.lostAt.IsZero() {
		return false, nil
	}
	if n.phase == wire.PhaseDispatch || n.phase == wire.PhaseDrain {
		return false, nil // finishing the plan; advanceAlone takes over
	}
	if time.Since(n.lostAt) < n.cfg.CoordinatorWait {
		return false, nil
	}
	return true, n.finish("coordinator gone before dispatch")
}
