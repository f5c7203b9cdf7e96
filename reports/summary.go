package reports

import (
	"time"

	"github.com/mqherd/mqherd/internal/measure"
)

// Summary is summary.json: the run's totals and latency percentiles.
type Summary struct {
	RunID               string           `json:"run_id"`
	Scenario            string           `json:"scenario"`
	Target              string           `json:"target"`
	Started             time.Time        `json:"started"`
	Ended               time.Time        `json:"ended"`
	DurationSeconds     float64          `json:"duration_s"`
	Agents              int              `json:"agents"`
	AgentsConnectedPeak int64            `json:"agents_connected_peak"`
	JobsDispatched      int64            `json:"jobs_dispatched"`
	JobsCompleted       int64            `json:"jobs_completed"`
	MessagesSent        int64            `json:"messages_sent"`
	MessagesReceived    int64            `json:"messages_received"`
	ErrorsTotal         int64            `json:"errors_total"`
	ErrorsByKind        map[string]int64 `json:"errors_by_kind"`
	OutOfOrder          int64            `json:"out_of_order"`
	Duplicates          int64            `json:"duplicates"`
	Lost                int64            `json:"lost"`
	Stale               int64            `json:"stale"`
	LateCompletions     int64            `json:"late_completions"`
	// JobsAccountingGap is jobs_dispatched - jobs_completed - lost: 0 once a
	// run has drained. Across a network partition, jobs in flight at the cut
	// can be counted on both sides (negative) or neither (positive); the gap
	// is at most what the cut-off worker had outstanding at its last report.
	JobsAccountingGap int64                          `json:"jobs_accounting_gap"`
	Connects          int64                          `json:"connects"`
	Reconnects        int64                          `json:"reconnects"`
	SnapshotsDropped  int64                          `json:"snapshots_dropped"`
	LatencyMs         map[string]measure.Percentiles `json:"latency_ms"`
	Workers           []WorkerSummary                `json:"workers"` // in the coordinator's order
}

// WorkerSummary is one worker's part of the run: its final state, its
// agents, its totals and its latency p99s.
type WorkerSummary struct {
	Name                string             `json:"name"`
	State               string             `json:"state"`                 // done or lost
	AgentsAssigned      int64              `json:"agents_assigned"`       // last reading
	AgentsConnected     int64              `json:"agents_connected"`      // last reading: 0 once it stopped
	AgentsConnectedPeak int64              `json:"agents_connected_peak"` // highest reading
	JobsDispatched      int64              `json:"jobs_dispatched"`
	JobsCompleted       int64              `json:"jobs_completed"`
	MessagesSent        int64              `json:"messages_sent"`
	MessagesReceived    int64              `json:"messages_received"`
	Errors              int64              `json:"errors"`
	Lost                int64              `json:"lost"`
	P99Ms               map[string]float64 `json:"p99_ms"` // per latency metric, over the whole run
}

// NewSummary reads the final aggregate of a run described by m.
func NewSummary(m Manifest, agents int, final *measure.Aggregate) Summary {
	c := final.Cumulative
	s := Summary{
		RunID: m.RunID, Scenario: m.Scenario, Target: m.Target.Name,
		Started: m.Started, Ended: final.Time, DurationSeconds: final.Time.Sub(m.Started).Seconds(),
		Agents: agents, AgentsConnectedPeak: final.AgentsConnectedPeak,
		JobsDispatched: c.Counter(measure.JobsDispatched), JobsCompleted: c.Counter(measure.JobsCompleted),
		MessagesSent: c.Counter(measure.MessagesSent), MessagesReceived: c.Counter(measure.MessagesReceived),
		ErrorsTotal: c.ErrorsTotal(), ErrorsByKind: c.Errors,
		OutOfOrder: c.Counter(measure.OutOfOrder), Duplicates: c.Counter(measure.Duplicates),
		Lost: c.Counter(measure.Lost), Stale: c.Counter(measure.Stale),
		LateCompletions:   c.Counter(measure.LateCompletions),
		JobsAccountingGap: c.Counter(measure.JobsDispatched) - c.Counter(measure.JobsCompleted) - c.Counter(measure.Lost),
		Connects:          c.Counter(measure.Connects), Reconnects: c.Counter(measure.Reconnects),
		SnapshotsDropped: final.Dropped,
		LatencyMs:        map[string]measure.Percentiles{},
	}
	for _, m := range measure.Metrics() {
		s.LatencyMs[m.String()] = c.Percentiles(m)
	}
	s.Workers = make([]WorkerSummary, 0, len(final.Workers))
	for _, w := range final.Workers {
		s.Workers = append(s.Workers, newWorkerSummary(w))
	}
	return s
}

func newWorkerSummary(w *measure.WorkerView) WorkerSummary {
	c := w.Cumulative
	ws := WorkerSummary{
		Name: w.Name, State: finalState(w.State),
		AgentsAssigned:      w.Gauges[measure.AgentsAssigned.String()],
		AgentsConnected:     w.Gauges[measure.AgentsConnected.String()],
		AgentsConnectedPeak: w.AgentsConnectedPeak,
		JobsDispatched:      c.Counter(measure.JobsDispatched), JobsCompleted: c.Counter(measure.JobsCompleted),
		MessagesSent: c.Counter(measure.MessagesSent), MessagesReceived: c.Counter(measure.MessagesReceived),
		Errors: c.ErrorsTotal(), Lost: c.Counter(measure.Lost),
		P99Ms: map[string]float64{},
	}
	for _, m := range measure.Metrics() {
		ws.P99Ms[m.String()] = c.Percentiles(m).P99
	}
	return ws
}

// finalState is a worker's state once the run is over: one still running
// at the end finished it ("done"); "lost" stays "lost".
func finalState(state string) string {
	if state == "running" {
		return "done"
	}
	return state
}
