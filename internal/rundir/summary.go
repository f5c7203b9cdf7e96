package rundir

import (
	"fmt"
	"time"

	"github.com/mqherd/mqherd/internal/measure"
)

// Summary is summary.json: which run, its figures, and each worker's part.
type Summary struct {
	RunID    string    `json:"run_id"`
	Scenario string    `json:"scenario"`
	Target   string    `json:"target"`
	Started  time.Time `json:"started"`
	Ended    time.Time `json:"ended"`
	measure.Figures
	// SnapshotsDropped counts snapshots the coordinator could not take in
	// time; SnapshotsLate those that arrived after their second closed
	// (in the totals, not in any second's row).
	SnapshotsDropped int64               `json:"snapshots_dropped"`
	SnapshotsLate    int                 `json:"snapshots_late"`
	Workers          []measure.WorkerRow `json:"workers"` // by name
}

// NewSummary reads the final aggregate of the run m describes, of agents
// agents.
func NewSummary(m Manifest, agents int, final *measure.Aggregate) Summary {
	r := final.Rollup
	return Summary{
		RunID: m.RunID, Scenario: m.Scenario, Target: m.Target.Name, Started: m.Started, Ended: final.Time,
		Figures: r.Figures(agents), SnapshotsDropped: final.Dropped, SnapshotsLate: r.Late(),
		Workers: r.Workers(true),
	}
}

// Failure says, in one line, why a run could not measure the target at all
// (no agent connected, no job completed of those dispatched, every worker
// lost); "" when it did its job. Pass/fail criteria on the figures are
// another matter: this is the harness's own failure.
func (s Summary) Failure() string {
	lost := 0
	for _, w := range s.Workers {
		if w.State == measure.WorkerLost {
			lost++
		}
	}
	switch {
	case s.Agents > 0 && s.AgentsConnectedPeak == 0:
		return fmt.Sprintf("no agent connected (%d errors; see errors by kind)", s.Errors)
	case len(s.Workers) > 0 && lost == len(s.Workers):
		return fmt.Sprintf("the coordinator lost every worker (%d)", lost)
	case s.JobsDispatched > 0 && s.JobsCompleted == 0:
		return fmt.Sprintf("none of %d jobs dispatched completed (see errors by kind)", s.JobsDispatched)
	}
	return ""
}
