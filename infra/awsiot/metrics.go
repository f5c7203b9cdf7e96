package awsiot

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"time"
)

// MetricsNamespace is the CloudWatch namespace of AWS IoT Core's metrics.
const MetricsNamespace = "AWS/IoT"

// BrokerMetrics are the AWS/IoT metrics mqherd reads for a run: AWS IoT
// Core's message-broker ("protocol") metrics, each a count per period with
// the Protocol dimension (MQTT or HTTP), and the authentication metric.
//
// Source: AWS IoT Core Developer Guide, "AWS IoT metrics and dimensions"
// (docs.aws.amazon.com/iot/latest/developerguide/metrics_dimensions.html),
// sections "Message broker metrics" and "Authentication metrics", and its
// table "Dimensions for metrics" (Protocol: MQTT or HTTP). Left out:
// Unsubscribe.* and PublishRetained.* (mqherd neither unsubscribes nor
// retains), Queued.* (persistent-session queueing: add it with
// MetricsOptions.Metrics when a scenario uses persistent sessions), and
// the just-in-time provisioning metrics ProvisionThing.* (they carry no
// Protocol dimension).
func BrokerMetrics() []string {
	return []string{
		"Connect.Success",          // successful connections to the message broker
		"Connect.AuthError",        // connection requests the broker could not authorize
		"Connect.ClientError",      // rejected: the CONNECT did not meet AWS IoT's quotas
		"Connect.ServerError",      // failed on an internal error
		"Connect.Throttle",         // throttled: the account exceeded its connect rate
		"Connect.ClientIDThrottle", // throttled: one client ID exceeded its connect rate
		"Connection.AuthNError",    // refused for failed authentication (TLS), SNI of this account
		"Ping.Success",             // PINGREQs received
		"PublishIn.Success",        // publishes from clients processed
		"PublishIn.AuthError",      // publishes from clients not authorized
		"PublishIn.ClientError",    // publishes from clients rejected by the quotas
		"PublishIn.ServerError",    // publishes from clients failed on an internal error
		"PublishIn.Throttle",       // publishes from clients throttled: inbound rate exceeded
		"PublishOut.Success",       // publishes to clients made
		"PublishOut.AuthError",     // publishes to clients not authorized
		"PublishOut.ClientError",   // publishes to clients rejected by the quotas
		"PublishOut.Throttle",      // publishes to clients throttled: outbound rate exceeded
		"Subscribe.Success",        // SUBSCRIBEs processed
		"Subscribe.AuthError",      // SUBSCRIBEs not authorized
		"Subscribe.ClientError",    // SUBSCRIBEs rejected by the quotas
		"Subscribe.ServerError",    // SUBSCRIBEs failed on an internal error
		"Subscribe.Throttle",       // SUBSCRIBEs throttled: subscribe rate exceeded
	}
}

// MetricsOptions say what to read of AWS IoT's CloudWatch metrics and how.
type MetricsOptions struct {
	Metrics  []string      // AWS/IoT metric names; empty: BrokerMetrics()
	Protocol string        // value of the Protocol dimension; "": MQTT
	Period   time.Duration // CloudWatch period, a multiple of 1 minute; 0: 1 minute
	Pad      time.Duration // read this much before the run's start and after its end
	// Wait: FetchRunMetrics reads no earlier than this after the run ended,
	// sleeping until then: CloudWatch's AWS/IoT data arrives minutes late.
	Wait time.Duration
	// AWSQuery makes the CloudWatch client speak awsQuery instead of the
	// SDK's default Smithy RPCv2 CBOR: for moto (AWS_ENDPOINT_URL pointing
	// at it), which speaks only awsQuery. Real AWS speaks both.
	AWSQuery bool
	Log      io.Writer // where FetchRunMetrics says what it waits for; nil: nowhere
}

// DefaultMetricsOptions are the options FetchRunMetrics is meant to run
// with after a run against AWS IoT Core.
func DefaultMetricsOptions() MetricsOptions {
	return MetricsOptions{
		Metrics:  BrokerMetrics(), // the message-broker metrics a run exercises
		Protocol: "MQTT",          // mqherd's agents speak MQTT
		Period:   time.Minute,     // AWS/IoT's resolution: one datapoint a minute
		Pad:      time.Minute,     // a minute each side: the periods the run's edges fall in, and a margin for clock skew
		Wait:     5 * time.Minute, // CloudWatch shows AWS/IoT data a few minutes late
	}
}

// withDefaults fills the zero fields that have no meaning as zero.
func (o MetricsOptions) withDefaults() MetricsOptions {
	d := DefaultMetricsOptions()
	if len(o.Metrics) == 0 {
		o.Metrics = d.Metrics
	}
	if o.Protocol == "" {
		o.Protocol = d.Protocol
	}
	if o.Period == 0 {
		o.Period = d.Period
	}
	return o
}

// Validate returns every problem of o at once.
func (o MetricsOptions) Validate() error {
	o = o.withDefaults()
	var errs []error
	if o.Period < time.Minute || o.Period%time.Minute != 0 {
		errs = append(errs, fmt.Errorf("metrics period %s: want a whole number of minutes (AWS/IoT metrics have 1-minute resolution)", o.Period))
	}
	if o.Pad < 0 {
		errs = append(errs, fmt.Errorf("metrics pad %s: want 0 or more", o.Pad))
	}
	if o.Wait < 0 {
		errs = append(errs, fmt.Errorf("metrics wait %s: want 0 or more", o.Wait))
	}
	if len(o.Metrics) > maxQueries {
		errs = append(errs, fmt.Errorf("%d metrics: GetMetricData takes at most %d", len(o.Metrics), maxQueries))
	}
	sorted := slices.Sorted(slices.Values(o.Metrics))
	for i, m := range sorted {
		if m == "" {
			errs = append(errs, errors.New("an empty metric name"))
		} else if i > 0 && sorted[i-1] == m {
			errs = append(errs, fmt.Errorf("metric %s listed twice", m))
		}
	}
	return errors.Join(errs...)
}

// maxQueries is how many queries one GetMetricData request may hold.
const maxQueries = 500

// Retention: CloudWatch keeps 1-minute datapoints for 15 days, 5-minute
// ones for 63 days and 1-hour ones for 455 days; a GetMetricData whose
// start is older than 15 (63) days returns nothing unless its period is a
// multiple of 5 minutes (1 hour). Source: CloudWatch API Reference,
// GetMetricData, "StartTime" and "Period".
const (
	minuteRetention  = 15 * 24 * time.Hour
	fiveMinRetention = 63 * 24 * time.Hour
	hourlyRetention  = 455 * 24 * time.Hour
)

// PeriodFor is the period to read a window starting at from with, seen at
// now: o's period, raised to a multiple of 5 minutes or 1 hour when from
// is older than CloudWatch keeps finer data.
func PeriodFor(period time.Duration, from, now time.Time) time.Duration {
	age := now.Sub(from)
	switch {
	case age > fiveMinRetention:
		return roundUpTo(period, time.Hour)
	case age > minuteRetention:
		return roundUpTo(period, 5*time.Minute)
	}
	return period
}

func roundUpTo(d, unit time.Duration) time.Duration {
	return (d + unit - 1) / unit * unit
}

// MetricsWindow is the window to read for a run from started to ended:
// padded by pad on each side, widened to whole periods. CloudWatch's
// periods start at the request's start time, so aligning it to the period
// puts them on UTC minute (or hour) boundaries.
func MetricsWindow(started, ended time.Time, pad, period time.Duration) (from, to time.Time) {
	from = started.Add(-pad).UTC().Truncate(period)
	to = ended.Add(pad).UTC()
	if t := to.Truncate(period); !t.Equal(to) {
		to = t.Add(period)
	}
	if !to.After(from) {
		to = from.Add(period)
	}
	return from, to
}
