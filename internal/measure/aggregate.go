package measure

import "time"

// Aggregate is the coordinator's view of the run at the end of one interval:
// what happened in that interval, the run so far, and each worker. The
// dashboard, the progress line and the run directory all read it.
//
// Cumulative and the worker views are updated in place every second: an
// Aggregate is valid during the Sink call that receives it; a sink that keeps
// figures, or reads them from another goroutine, copies them.
type Aggregate struct {
	Second     int       // interval number, from 1
	Time       time.Time // end of the interval
	Phase      string    // ramp, run, drain, done
	Interval   *Totals   // merged snapshots received in this interval (gauges summed over workers)
	Cumulative *Totals   // the run so far (gauges as in Interval)
	Workers    []*WorkerView
	// AgentsConnectedPeak is the highest agents_connected seen so far.
	AgentsConnectedPeak int64
	// Dropped counts snapshots the coordinator could not take in time.
	Dropped int64
}

// WorkerView is one worker's state as the coordinator last saw it.
type WorkerView struct {
	Name         string
	State        string    // running, lost, done
	LastSnapshot time.Time // zero before the first
	Gauges       map[string]int64
	// AgentsConnectedPeak is the highest agents_connected this worker reported.
	AgentsConnectedPeak int64
	Interval            *Totals // this interval's snapshots from this worker
	Cumulative          *Totals // everything from this worker
}

// Event is something that happened to the run as a whole: a phase change, a
// worker joining or lost, a burst of disconnects.
type Event struct {
	Time   time.Time `json:"time"`
	Kind   string    `json:"kind"`
	Worker string    `json:"worker,omitempty"`
	Detail string    `json:"detail,omitempty"`
}
