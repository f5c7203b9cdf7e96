package measure

import "time"

// Aggregate is the coordinator's view of the run as one second closes: that
// second, the run so far, and each worker. The dashboard, the progress line
// and the run directory read it; the run's figures come from Rollup.
//
// Interval, Cumulative and the worker views are updated in place: an
// Aggregate is valid during the Sink call that receives it; a sink that
// keeps figures, or reads them from another goroutine, copies them.
type Aggregate struct {
	Row        *Second   // the second that closed
	Time       time.Time // its end
	Interval   *Totals   // its snapshots merged (gauges summed over workers)
	Cumulative *Totals   // the run so far (gauges as in Interval)
	Workers    []*WorkerView
	// AgentsConnectedPeak is the highest agents_connected seen so far.
	AgentsConnectedPeak int64
	// Dropped counts snapshots the coordinator could not take in time.
	Dropped int64
	// Rollup is the run's rollup: its figures and worker rows at the end.
	Rollup *Rollup
}

// WorkerView is one worker's state as the coordinator last saw it.
type WorkerView struct {
	Name         string
	State        WorkerState
	LastSnapshot time.Time // zero before the first
	Gauges       map[string]int64
	// AgentsConnectedPeak is the highest agents_connected this worker reported.
	AgentsConnectedPeak int64
	Interval            *Totals // its latest second's snapshots (live only)
	Cumulative          *Totals // everything from this worker, excluded spans left out
}

// Event is something that happened to the run as a whole: a phase change, a
// worker joining or lost, a burst of disconnects.
type Event struct {
	Time   time.Time `json:"time"`
	Kind   EventKind `json:"kind"`
	Worker string    `json:"worker,omitempty"`
	Detail string    `json:"detail,omitempty"`
}
