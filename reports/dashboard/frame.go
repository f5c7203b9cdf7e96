package dashboard

import (
	"cmp"
	"slices"
	"time"

	"github.com/mqherd/mqherd/internal/measure"
)

// Frame is one second of the run as the dashboard shows it: plain values
// copied out of the aggregate, so the UI goroutine never reads the
// coordinator's totals (which are updated in place every second).
type Frame struct {
	Second       int       // interval number, from 1
	Time         time.Time // end of the interval
	Phase        measure.Phase
	Elapsed      time.Duration // since the first interval
	PhaseElapsed time.Duration // since the current phase began
	Wall         time.Duration // the scenario's run phase, wall clock

	Agents      int   // the fleet's target size
	Connected   int64 // agents with a live session now
	ConnectRate int64 // change of Connected since the previous interval, per second
	InFlight    int64 // TLS+MQTT handshakes under way
	Outstanding int64 // dispatched jobs not yet completed or lost

	Sent, Received                int64 // messages in this interval (per second)
	JobsDispatched, JobsCompleted int64 // the run so far

	Latency [measure.NumMetrics]Latency // per metric, in ms

	Errors         []ErrorCount // by kind, most frequent over the run first
	ErrorsInterval int64        // errors in this interval
	ErrorsTotal    int64        // errors over the run so far

	Workers []WorkerRow

	SnapshotsDropped int64 // snapshots the coordinator could not take in time
	FramesDropped    int64 // frames and events the UI was too slow to take
}

// Latency is one metric's percentiles in the last interval and over the run.
type Latency struct {
	Interval, Run measure.Percentiles
}

// ErrorCount is one error kind's count in the interval and over the run.
type ErrorCount struct {
	Kind            string
	Interval, Total int64
}

// WorkerRow is one worker as the coordinator last saw it.
type WorkerRow struct {
	Name        string
	State       measure.WorkerState
	Assigned    int64 // agents it owns
	Connected   int64 // agents connected at its last snapshot
	MsgPerSec   int64 // messages sent and received in the interval
	P99         float64
	P99Count    int64         // job_delivery samples behind P99 (0: no p99)
	Errors      int64         // over the run
	SnapshotAge time.Duration // interval end minus its last snapshot; -1 before the first
}

// Lost reports whether the coordinator declared the worker lost.
func (w WorkerRow) Lost() bool { return w.State == measure.WorkerLost }

// frameOf copies what the dashboard needs out of a. It must run during the
// Sink call that received a (the aggregate is only valid then).
func frameOf(a *measure.Aggregate, agents int, wall time.Duration) Frame {
	in, cum := a.Interval, a.Cumulative
	f := Frame{
		Second: a.Row.Second, Time: a.Time, Phase: a.Row.Phase, Wall: wall, Agents: agents,
		Connected: a.Row.AgentsConnected, InFlight: a.Row.ConnectsInFlight, Outstanding: a.Row.JobsOutstanding,
		Sent: a.Row.Counter(measure.MessagesSent), Received: a.Row.Counter(measure.MessagesReceived),
		JobsDispatched: cum.Counter(measure.JobsDispatched), JobsCompleted: cum.Counter(measure.JobsCompleted),
		ErrorsInterval: in.ErrorsTotal(), ErrorsTotal: cum.ErrorsTotal(), SnapshotsDropped: a.Dropped,
	}
	for _, m := range measure.Metrics() {
		f.Latency[m] = Latency{Interval: in.Percentiles(m), Run: cum.Percentiles(m)}
	}
	f.Errors = errorCounts(in.Errors, cum.Errors)
	f.Workers = make([]WorkerRow, 0, len(a.Workers))
	for _, w := range a.Workers {
		f.Workers = append(f.Workers, workerRow(w, a.Time))
	}
	return f
}

func errorCounts(interval, total map[string]int64) []ErrorCount {
	out := make([]ErrorCount, 0, len(total))
	for k, v := range total {
		out = append(out, ErrorCount{Kind: k, Interval: interval[k], Total: v})
	}
	for k, v := range interval { // not yet in the run's totals (should not happen)
		if _, ok := total[k]; !ok {
			out = append(out, ErrorCount{Kind: k, Interval: v, Total: v})
		}
	}
	slices.SortFunc(out, func(a, b ErrorCount) int {
		return cmp.Or(cmp.Compare(b.Total, a.Total), cmp.Compare(a.Kind, b.Kind))
	})
	return out
}

func workerRow(w *measure.WorkerView, now time.Time) WorkerRow {
	r := WorkerRow{
		Name: w.Name, State: w.State, SnapshotAge: -1,
		Assigned:  w.Gauges[measure.AgentsAssigned.String()],
		Connected: w.Gauges[measure.AgentsConnected.String()],
	}
	if w.Interval != nil {
		r.MsgPerSec = w.Interval.Counter(measure.MessagesSent) + w.Interval.Counter(measure.MessagesReceived)
		p := w.Interval.Percentiles(measure.JobDelivery)
		r.P99, r.P99Count = p.P99, p.Count
	}
	if w.Cumulative != nil {
		r.Errors = w.Cumulative.ErrorsTotal()
	}
	if !w.LastSnapshot.IsZero() {
		r.SnapshotAge = max(0, now.Sub(w.LastSnapshot))
	}
	return r
}
