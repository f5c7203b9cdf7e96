package measure

// EventKind names what happened to the run. The set is closed: every kind
// the coordinator emits is listed here, and the dashboard, the reports and
// the rollup switch on these constants, never on strings.
type EventKind string

// The event kinds.
const (
	EventPhase             EventKind = "phase"              // Detail is the new Phase
	EventWorkerJoined      EventKind = "worker_joined"      // a worker took its assignment
	EventWorkerError       EventKind = "worker_error"       // a worker reported an error in a phase
	EventWorkerSuspect     EventKind = "worker_suspect"     // memberlist lost it; grace period started
	EventWorkerBack        EventKind = "worker_back"        // came back within the grace period
	EventWorkerLost        EventKind = "worker_lost"        // declared lost after the grace period
	EventWorkerReturned    EventKind = "worker_returned"    // a lost worker came back: dismissed
	EventWorkerReplaced    EventKind = "worker_replaced"    // another incarnation took its name: lost now, the newcomer dismissed
	EventReassigned        EventKind = "reassigned"         // a lost worker's agents given to survivors
	EventReassignFailed    EventKind = "reassign_failed"    // nobody could take them
	EventTakeoverConnected EventKind = "takeover_connected" // a survivor connected the agents it took over
	EventRampComplete      EventKind = "ramp_complete"      // every agent connected
	EventRampIncomplete    EventKind = "ramp_incomplete"    // the ramp deadline passed first
	EventDrainLost         EventKind = "drain_lost"         // jobs still outstanding after the drain
	EventAborted           EventKind = "aborted"            // interrupted: drained and stopped early
	EventDisconnectBurst   EventKind = "disconnect_burst"   // many connections lost in one second
	EventBadMessage        EventKind = "bad_message"        // an undecodable cluster message
	EventBadSnapshot       EventKind = "bad_snapshot"       // a snapshot left out whole
	EventLog               EventKind = "log"                // a log line shown in the dashboard
)

// Phase is the run's phase as the coordinator drives it.
type Phase string

// The phases, in order.
const (
	PhaseRamp  Phase = "ramp"  // agents connecting
	PhaseRun   Phase = "run"   // the print service dispatching
	PhaseDrain Phase = "drain" // waiting for outstanding jobs
	PhaseDone  Phase = "done"  // stopped
)

// WorkerState is a worker's standing in the run.
type WorkerState string

// The worker states.
const (
	WorkerRunning WorkerState = "running" // reporting
	WorkerLost    WorkerState = "lost"    // declared lost; its agents went to others
	WorkerDone    WorkerState = "done"    // finished the run
	WorkerUnknown WorkerState = "unknown" // the run did not finish: its end is not known
)
