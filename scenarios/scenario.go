package scenarios

import (
	"slices"
	"time"
)

// SecondsPerWeek is the length of the simulated week, 7 x 24 x 3600.
const SecondsPerWeek = 604800

// MaxAgents is the largest fleet a scenario may describe.
const MaxAgents = 10_000_000

// Scenario is one load test: the fleet, its traffic model and the harness
// settings. Simulated quantities (duration, execution, rates) are scaled by
// Speedup; Run holds wall-clock settings that are not.
//
// Build one with Parse, Load, Open, Builtin or Default; a Scenario built in
// code should be checked with Validate before use.
type Scenario struct {
	Name             string         `yaml:"name"`                // required, [A-Za-z0-9._-], at most 64 bytes
	Description      string         `yaml:"description"`         // free text, optional
	Seed             uint64         `yaml:"seed"`                // seeds every random draw; default 1
	Agents           int            `yaml:"agents"`              // fleet size 1..10,000,000; default 2000
	Basis            Basis          `yaml:"basis"`               // rate basis; default mix
	StudyJobsPerWeek StudyJobs      `yaml:"study_jobs_per_week"` // used by basis study only; default 300/240
	Segments         []Segment      `yaml:"segments"`            // default consumer/smb/enterprise of the study
	MessagesPerJob   int            `yaml:"messages_per_job"`    // >= 1; default 2 (job, completion)
	Calendar         Calendar       `yaml:"calendar"`            // default Mon-Fri 09-10 and 14-15, 90%
	Phase            Phase          `yaml:"phase"`               // measured phase; default busy-hour
	Speedup          float64        `yaml:"speedup"`             // >= 1; default 60
	Duration         time.Duration  `yaml:"duration"`            // simulated length of the phase; default 1h
	Execution        ExecutionRange `yaml:"execution"`           // simulated job execution time; default 5s..30s
	QoS              int            `yaml:"qos"`                 // MQTT QoS 0, 1 or 2; default 1
	PayloadBytes     int            `yaml:"payload_bytes"`       // message size 64..262144; default 256
	Run              RunSettings    `yaml:"run"`                 // wall-clock harness settings
}

// StudyJobs holds the single jobs-per-week figures the study plugged into
// its formulas for every agent.
type StudyJobs struct {
	Average  float64 `yaml:"average"`   // > 0; default 300 (average rate, stability and week phases)
	BusyHour float64 `yaml:"busy_hour"` // > 0; default 240 (busy-hour rate and phase)
}

// Segment is one class of agents with its share of the fleet and its range
// of jobs per agent per week. In a file all its fields are required.
type Segment struct {
	Name        string    `yaml:"name" required:"a name of a-z 0-9 -"`                               // unique, [a-z0-9-]
	Share       float64   `yaml:"share" required:"a share in (0, 1]"`                                // (0, 1]; shares sum to 1
	JobsPerWeek JobsRange `yaml:"jobs_per_week" required:"{min: N, max: M} jobs per agent per week"` // {0, 0} for agents that get no jobs
}

// JobsRange is an inclusive range of jobs per agent per week; in a file
// both bounds are required.
type JobsRange struct {
	Min float64 `yaml:"min" required:"a number >= 0"`   // >= 0
	Max float64 `yaml:"max" required:"a number >= min"` // >= min
}

// Midpoint returns (Min+Max)/2, the figure the mix profile uses.
func (r JobsRange) Midpoint() float64 { return (r.Min + r.Max) / 2 }

// ExecutionRange is the simulated time an agent takes to execute a job,
// drawn uniformly in [Min, Max].
type ExecutionRange struct {
	Min time.Duration `yaml:"min"` // >= 0; default 5s
	Max time.Duration `yaml:"max"` // >= min; default 30s
}

// RunSettings are the harness settings; they are wall-clock durations and
// rates, not scaled by Speedup.
type RunSettings struct {
	ConnectRate     float64       `yaml:"connect_rate"`      // connects per second (token bucket), > 0; default 500
	ConnectInFlight int           `yaml:"connect_in_flight"` // max TLS+MQTT handshakes in flight, >= 1; default 50
	RampTimeout     time.Duration `yaml:"ramp_timeout"`      // max time to connect the fleet, > 0; default 120s
	Keepalive       time.Duration `yaml:"keepalive"`         // MQTT keepalive, whole seconds 1s..65535s; default 60s
	SessionExpiry   time.Duration `yaml:"session_expiry"`    // persistent session expiry, whole seconds > 0; default 1h
	ReceiveMaximum  int           `yaml:"receive_maximum"`   // MQTT receive maximum 1..65535; default 16
	JobTimeout      time.Duration `yaml:"job_timeout"`       // a job not completed this long after its intended time is lost, > 0; default 30s
	Drain           time.Duration `yaml:"drain"`             // max wait for outstanding jobs at the end, >= 0; default 30s
	LateDispatch    time.Duration `yaml:"late_dispatch"`     // a job sent later than this after its intended time is late, > 0; default 100ms
	// MaxPacketBytes is the Maximum Packet Size every connection announces
	// in CONNECT and enforces on what it reads: a packet declaring more
	// closes that connection (protocol_error/0x95). It bounds what a broker
	// can make each connection hold. payload_bytes+1024..268435455;
	// default 524288 (DefaultMaxPacketBytes).
	MaxPacketBytes int `yaml:"max_packet_bytes"`
}

// DefaultMaxPacketBytes is the default run.max_packet_bytes, 512 KiB: twice
// the largest job or status message a scenario can ask for (payload_bytes
// at most 262,144 plus about 60 bytes of topic and headers), so a valid
// scenario never needs to change it, while a hostile broker can make one
// connection hold at most this much (20 agents: 10 MiB).
const DefaultMaxPacketBytes = 512 << 10

// MaxPacketHeadroom is what run.max_packet_bytes must allow beyond
// payload_bytes: the topic, the fixed and variable headers, and the
// message's own fields when payload_bytes is smaller than they are.
const MaxPacketHeadroom = 1024

// MaxMQTTPacket is the largest remaining length MQTT can express (four
// length bytes); the upper bound of run.max_packet_bytes.
const MaxMQTTPacket = 268435455

// Default returns the default scenario: the built-in print-fleet without its
// name and description. Name is required, so set it before validating.
func Default() *Scenario {
	return &Scenario{
		Seed:             1,
		Agents:           2000,
		Basis:            BasisMix,
		StudyJobsPerWeek: StudyJobs{Average: 300, BusyHour: 240},
		Segments:         DefaultSegments(),
		MessagesPerJob:   2,
		Calendar:         DefaultCalendar(),
		Phase:            PhaseBusyHour,
		Speedup:          60,
		Duration:         time.Hour,
		Execution:        ExecutionRange{Min: 5 * time.Second, Max: 30 * time.Second},
		QoS:              1,
		PayloadBytes:     256,
		Run:              DefaultRunSettings(),
	}
}

// DefaultSegments returns the study's segment mix.
func DefaultSegments() []Segment {
	return []Segment{
		{Name: "consumer", Share: 0.5, JobsPerWeek: JobsRange{Min: 2, Max: 3}},
		{Name: "smb", Share: 0.3, JobsPerWeek: JobsRange{Min: 10, Max: 20}},
		{Name: "enterprise", Share: 0.2, JobsPerWeek: JobsRange{Min: 150, Max: 300}},
	}
}

// DefaultRunSettings returns the default harness settings.
func DefaultRunSettings() RunSettings {
	return RunSettings{
		ConnectRate:     500,
		ConnectInFlight: 50,
		RampTimeout:     120 * time.Second,
		Keepalive:       60 * time.Second,
		SessionExpiry:   time.Hour,
		ReceiveMaximum:  16,
		JobTimeout:      30 * time.Second,
		Drain:           30 * time.Second,
		LateDispatch:    100 * time.Millisecond,
		MaxPacketBytes:  DefaultMaxPacketBytes,
	}
}

// Clone returns a deep copy of s.
func (s *Scenario) Clone() *Scenario {
	c := *s
	c.Segments = slices.Clone(s.Segments)
	c.Calendar.BusyDays = slices.Clone(s.Calendar.BusyDays)
	c.Calendar.BusyHours = slices.Clone(s.Calendar.BusyHours)
	return &c
}

// WallDuration returns the wall-clock length of the measured phase,
// Duration / Speedup.
func (s *Scenario) WallDuration() time.Duration {
	return s.toWall(s.Duration)
}

// ExecutionTime returns the wall-clock time the agent takes to execute its
// job number seq: uniform in Execution, divided by Speedup. It depends only
// on (Seed, agent, seq).
func (s *Scenario) ExecutionTime(agent int, seq uint32) time.Duration {
	u := unit(streamAt(streamKey(s.Seed, purposeExecution, agent), uint64(seq)))
	lo, hi := float64(s.Execution.Min), float64(s.Execution.Max)
	return s.toWall(time.Duration(lo + u*(hi-lo)))
}

// toWall divides a simulated duration by the speedup.
func (s *Scenario) toWall(d time.Duration) time.Duration {
	if s.Speedup <= 1 {
		return d
	}
	return time.Duration(float64(d) / s.Speedup)
}
