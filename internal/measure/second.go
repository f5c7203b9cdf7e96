package measure

// Second is one second of the run: the snapshots whose interval ended in
// it, merged. Second n covers (n-1 s, n s] after the rollup's origin. It is
// a row of timeseries.csv and of a report's series, and what the dashboard
// shows each second.
type Second struct {
	Second   int   `json:"second"`
	Phase    Phase `json:"phase"`
	Excluded bool  `json:"excluded,omitempty"` // inside an excluded window: left out of every figure
	// Gauges sum each worker's latest reading (a worker declared lost no
	// longer counts).
	AgentsConnected  int64                    `json:"agents_connected"`
	ConnectsInFlight int64                    `json:"connects_in_flight,omitempty"`
	JobsOutstanding  int64                    `json:"jobs_outstanding,omitempty"`
	Counters         map[string]int64         `json:"counters,omitempty"`   // deltas in this second
	Errors           map[string]int64         `json:"errors,omitempty"`     // deltas by error key
	Latency          map[string]SecondLatency `json:"latency_ms,omitempty"` // metrics with samples
}

// SecondLatency is one metric's percentiles over one second, in ms.
type SecondLatency struct {
	P50 float64 `json:"p50"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

// Counter reads one counter of the row.
func (r *Second) Counter(c Counter) int64 { return r.Counters[c.String()] }

// ErrorsTotal sums the row's errors.
func (r *Second) ErrorsTotal() int64 {
	var n int64
	for _, v := range r.Errors {
		n += v
	}
	return n
}

// Gauge reads one of the row's gauges (zero for one it does not keep).
func (r *Second) Gauge(g Gauge) int64 {
	switch g {
	case AgentsConnected:
		return r.AgentsConnected
	case ConnectsInFlight:
		return r.ConnectsInFlight
	case JobsOutstanding:
		return r.JobsOutstanding
	}
	return 0
}
