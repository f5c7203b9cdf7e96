package measure

import "math"

// Figures are a run's headline numbers, each named once: what summary.json,
// the printed summary, every report and the scoring formulas read. The
// rollup computes them, live at the end of a run and offline from the run
// directory, the same way.
type Figures struct {
	DurationS           float64 `json:"duration_s"` // wall clock, less any excluded seconds
	Agents              int     `json:"agents"`
	AgentsConnectedPeak int64   `json:"agents_connected_peak"`
	JobsDispatched      int64   `json:"jobs_dispatched"`
	JobsCompleted       int64   `json:"jobs_completed"`
	MessagesSent        int64   `json:"messages_sent"`
	MessagesReceived    int64   `json:"messages_received"`
	Errors              int64   `json:"errors"`
	// ErrorPct is errors per attempted operation (publish or connect), in %.
	ErrorPct        float64          `json:"error_pct"`
	ErrorsByKind    map[string]int64 `json:"errors_by_kind"`
	OutOfOrder      int64            `json:"out_of_order"`
	Duplicates      int64            `json:"duplicates"`
	Lost            int64            `json:"lost"`
	LostPct         float64          `json:"lost_pct"` // lost jobs per dispatched job, in %
	Stale           int64            `json:"stale"`
	LateCompletions int64            `json:"late_completions"`
	// JobsAccountingGap is jobs_dispatched - jobs_completed - lost: 0 once a
	// run has drained. Across a network partition, jobs in flight at the cut
	// can be counted on both sides (negative) or neither (positive); the gap
	// is at most what the cut-off worker had outstanding at its last report.
	JobsAccountingGap int64 `json:"jobs_accounting_gap"`
	Connects          int64 `json:"connects"`
	Reconnects        int64 `json:"reconnects"`
	// ConnectRateMean is connects per second over the ramp (start to every
	// agent connected, or to the ramp deadline); ConnectRatePeak the most
	// connects completed in one second of the run.
	ConnectRateMean float64 `json:"connect_rate_mean"`
	ConnectRatePeak float64 `json:"connect_rate_peak"`
	// ConnectedAgentSecondsPct is the share of agent-seconds of the run
	// phase during which agents were connected: the availability seen.
	ConnectedAgentSecondsPct float64                `json:"connected_agent_seconds_pct"`
	LatencyMs                map[string]Percentiles `json:"latency_ms"`
	// EndpointChanges counts agents' connects at another endpoint than
	// their previous working session's (failovers); Endpoints break
	// connects, connect errors and losses, and connect latency down by
	// broker endpoint. Both absent from runs that recorded no endpoint.
	EndpointChanges int64         `json:"endpoint_changes,omitempty"`
	Endpoints       []EndpointRow `json:"endpoints,omitempty"`
}

// WorkerRow is one worker's part of a run: its state, its agents, its
// totals and its latency p99s.
type WorkerRow struct {
	Name                string             `json:"name"`
	State               WorkerState        `json:"state"`
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

// totalsFigures fills the figures that come from totals alone.
func totalsFigures(t *Totals, agents int) Figures {
	f := Figures{
		Agents:         agents,
		JobsDispatched: t.Counter(JobsDispatched), JobsCompleted: t.Counter(JobsCompleted),
		MessagesSent: t.Counter(MessagesSent), MessagesReceived: t.Counter(MessagesReceived),
		Errors: t.ErrorsTotal(), ErrorsByKind: t.Errors,
		OutOfOrder: t.Counter(OutOfOrder), Duplicates: t.Counter(Duplicates),
		Lost: t.Counter(Lost), Stale: t.Counter(Stale), LateCompletions: t.Counter(LateCompletions),
		Connects: t.Counter(Connects), Reconnects: t.Counter(Reconnects),
		LatencyMs: map[string]Percentiles{},
	}
	f.JobsAccountingGap = f.JobsDispatched - f.JobsCompleted - f.Lost
	f.ErrorPct = pct(f.Errors, f.MessagesSent+f.Connects)
	f.LostPct = pct(f.Lost, f.JobsDispatched)
	for _, m := range Metrics() {
		f.LatencyMs[m.String()] = t.Percentiles(m)
	}
	f.Endpoints, f.EndpointChanges = endpointRows(t)
	return f
}

// workerRow reads one worker's totals.
func workerRow(name string, state WorkerState, gauges map[string]int64, peak int64, t *Totals) WorkerRow {
	row := WorkerRow{Name: name, State: state, AgentsConnectedPeak: peak,
		AgentsAssigned: gauges[AgentsAssigned.String()], AgentsConnected: gauges[AgentsConnected.String()],
		JobsDispatched: t.Counter(JobsDispatched), JobsCompleted: t.Counter(JobsCompleted),
		MessagesSent: t.Counter(MessagesSent), MessagesReceived: t.Counter(MessagesReceived),
		Errors: t.ErrorsTotal(), Lost: t.Counter(Lost), P99Ms: map[string]float64{}}
	for _, m := range Metrics() {
		row.P99Ms[m.String()] = t.Percentiles(m).P99
	}
	return row
}

func pct(part, whole int64) float64 {
	if whole <= 0 {
		return 0
	}
	return Round3(100 * float64(part) / float64(whole))
}

// Round3 rounds to three decimals, as figures are shown.
func Round3(v float64) float64 { return math.Round(v*1000) / 1000 }

// Named returns the figures under the names scoring formulas use.
// monthly_cost_usd is set by the caller.
func (f Figures) Named() map[string]float64 {
	n := map[string]float64{
		"duration_s": f.DurationS, "agents": float64(f.Agents),
		"agents_connected_peak": float64(f.AgentsConnectedPeak),
		"jobs_dispatched":       float64(f.JobsDispatched), "jobs_completed": float64(f.JobsCompleted),
		"messages_sent": float64(f.MessagesSent), "messages_received": float64(f.MessagesReceived),
		"errors": float64(f.Errors), "error_pct": f.ErrorPct,
		"out_of_order": float64(f.OutOfOrder), "duplicates": float64(f.Duplicates),
		"lost": float64(f.Lost), "lost_pct": f.LostPct,
		"reconnects": float64(f.Reconnects), "connects": float64(f.Connects),
		"connect_rate_mean": f.ConnectRateMean, "connect_rate_peak": f.ConnectRatePeak,
		"connected_agent_seconds_pct": f.ConnectedAgentSecondsPct,
		"monthly_cost_usd":            0,
	}
	for _, m := range Metrics() {
		p := f.LatencyMs[m.String()]
		n[m.String()+"_p50_ms"], n[m.String()+"_p99_ms"] = p.P50, p.P99
		n[m.String()+"_p999_ms"], n[m.String()+"_max_ms"] = p.P999, p.Max
	}
	return n
}
