package rundir

import (
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
