package measure

// Counter names one monotonically increasing count. The set is fixed.
type Counter uint8

// The counters.
const (
	// JobsDispatched: jobs the print service published.
	JobsDispatched Counter = iota
	// JobsCompleted: completion statuses received for this run's jobs.
	JobsCompleted
	// MessagesSent: PUBLISH packets sent (jobs and statuses).
	MessagesSent
	// MessagesReceived: PUBLISH packets received that belong to this run.
	MessagesReceived
	// OutOfOrder: a job received after a later job of the same agent.
	OutOfOrder
	// Duplicates: a job or status received twice.
	Duplicates
	// Lost: jobs never completed within the job timeout.
	Lost
	// Stale: messages from an earlier run left in a persistent session.
	Stale
	// Connects: successful CONNACKs (first connects and reconnects).
	Connects
	// Reconnects: successful CONNACKs after a lost connection.
	Reconnects
	// LateCompletions: completions that arrived after the job was declared lost.
	LateCompletions
	// NumCounters is the number of counters.
	NumCounters
)

var counterNames = [NumCounters]string{
	"jobs_dispatched", "jobs_completed", "messages_sent", "messages_received",
	"out_of_order", "duplicates", "lost", "stale", "connects", "reconnects",
	"late_completions",
}

// String returns the snake_case name.
func (c Counter) String() string {
	if c < NumCounters {
		return counterNames[c]
	}
	return "unknown"
}

// Gauge names one instantaneous reading.
type Gauge uint8

// The gauges.
const (
	// AgentsAssigned: agents this worker owns.
	AgentsAssigned Gauge = iota
	// AgentsConnected: agents with a live session now.
	AgentsConnected
	// ConnectsInFlight: TLS+MQTT handshakes under way now.
	ConnectsInFlight
	// JobsOutstanding: dispatched jobs not yet completed or lost.
	JobsOutstanding
	// NumGauges is the number of gauges.
	NumGauges
)

var gaugeNames = [NumGauges]string{"agents_assigned", "agents_connected", "connects_in_flight", "jobs_outstanding"}

// String returns the snake_case name.
func (g Gauge) String() string {
	if g < NumGauges {
		return gaugeNames[g]
	}
	return "unknown"
}
