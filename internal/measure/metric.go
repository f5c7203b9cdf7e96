package measure

import "time"

// Metric names one latency distribution. The set is fixed so label sets stay
// bounded.
type Metric uint8

// The latency metrics. Values are recorded in microseconds.
const (
	// JobDelivery is service send (intended time) -> agent receipt.
	JobDelivery Metric = iota
	// StatusDelivery is agent status send (intended time) -> service receipt.
	StatusDelivery
	// JobEndToEnd is job intended time -> completion status received.
	JobEndToEnd
	// Connect is TCP dial start -> CONNACK (TLS handshake included).
	Connect
	// Onboarding is an agent's first connect attempt of the run -> its first
	// working session (CONNACK and its subscriptions granted), once per agent:
	// the onboarding storm of a just-in-time provisioned fleet, whose first
	// connect the broker drops, and the ramp of any other.
	Onboarding
	// NumMetrics is the number of metrics.
	NumMetrics
)

var metricNames = [NumMetrics]string{"job_delivery", "status_delivery", "job_end_to_end", "connect", "onboarding"}

// String returns the snake_case name used in files and JSON.
func (m Metric) String() string {
	if m < NumMetrics {
		return metricNames[m]
	}
	return "unknown"
}

// Metrics lists every metric in order.
func Metrics() []Metric {
	out := make([]Metric, NumMetrics)
	for i := range out {
		out[i] = Metric(i)
	}
	return out
}

// Histogram range: 1 us .. 60 s at 3 significant digits. Larger values are
// clamped to the maximum (and still counted).
const (
	LowestMicros  = 1
	HighestMicros = int64(60 * time.Second / time.Microsecond)
	SigFigs       = 3
)

// Micros converts a duration to the histogram unit, clamped to the range.
func Micros(d time.Duration) int64 {
	v := int64(d / time.Microsecond)
	switch {
	case v < LowestMicros:
		return LowestMicros
	case v > HighestMicros:
		return HighestMicros
	}
	return v
}
