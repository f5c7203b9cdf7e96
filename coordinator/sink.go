package coordinator

import "github.com/mqherd/mqherd/internal/measure"

// Sink consumes what the coordinator aggregates: the progress line, the
// dashboard, the run directory. All methods are called from the
// coordinator's aggregation goroutine, one at a time, in order; they may do
// file I/O but must not wait on the run.
type Sink interface {
	// Snapshot receives every worker snapshot as it is aggregated.
	Snapshot(s *measure.Snapshot)
	// Event receives run events (phase changes, workers, disconnect bursts).
	Event(e measure.Event)
	// Interval receives the aggregate at the end of each second.
	Interval(a *measure.Aggregate)
	// Close receives the final aggregate once the run is over.
	Close(final *measure.Aggregate) error
}
