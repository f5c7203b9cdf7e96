package rundir

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"
)

// AWSMetricsNote is the caveat every aws-metrics.json carries.
const AWSMetricsNote = "CloudWatch publishes AWS/IoT metrics minutes after the fact: figures fetched " +
	"soon after a run may miss its last minutes (fetch again later with mqherd aws metrics RUN_DIR). " +
	"They count the whole account and region, not only this run, per period on UTC boundaries."

// AWSMetrics is aws-metrics.json: AWS IoT Core's own figures of a run as
// CloudWatch holds them, one statistic per period over a window around the
// run, so a report can set them beside mqherd's counts.
type AWSMetrics struct {
	Source     string            `json:"source"`     // where they were read: "CloudWatch GetMetricData"
	Namespace  string            `json:"namespace"`  // "AWS/IoT"
	Region     string            `json:"region"`     // the AWS region read
	Dimensions map[string]string `json:"dimensions"` // of every metric, e.g. Protocol=MQTT
	Statistic  string            `json:"statistic"`  // "Sum"
	PeriodS    int               `json:"period_s"`   // seconds per datapoint
	// From and To bound the window read, [From, To), on period
	// boundaries: the run padded on each side.
	From       time.Time `json:"from"`
	To         time.Time `json:"to"`
	RunStarted time.Time `json:"run_started"`
	RunEnded   time.Time `json:"run_ended"`
	Fetched    time.Time `json:"fetched"` // when CloudWatch was asked
	Note       string    `json:"note"`    // AWSMetricsNote
	// Metrics holds each metric's datapoints, by metric name (e.g.
	// Connect.Success). A period without a datapoint had nothing to count
	// (or its data had not arrived when fetched).
	Metrics map[string]AWSSeries `json:"metrics"`
	// Messages are CloudWatch's warnings about the answer, if any.
	Messages []string `json:"messages,omitempty"`
}

// AWSSeries is one metric's datapoints in time order: Values[i] is the
// statistic over the period that starts at Timestamps[i].
type AWSSeries struct {
	// Status is CloudWatch's StatusCode for the metric: Complete, or
	// PartialData, Forbidden, InternalError when something is missing.
	Status     string      `json:"status"`
	Timestamps []time.Time `json:"timestamps"`
	Values     []float64   `json:"values"`
}

// Period is the length of one datapoint's period.
func (m *AWSMetrics) Period() time.Duration { return time.Duration(m.PeriodS) * time.Second }

// At is metric's value for the period that starts at t, and whether
// CloudWatch had a datapoint for it.
func (m *AWSMetrics) At(metric string, t time.Time) (float64, bool) {
	s := m.Metrics[metric]
	for i, ts := range s.Timestamps {
		if ts.Equal(t) {
			return s.Values[i], true
		}
	}
	return 0, false
}

// Sort puts each metric's datapoints in time order.
func (m *AWSMetrics) Sort() {
	for name, s := range m.Metrics {
		idx := make([]int, len(s.Timestamps))
		for i := range idx {
			idx[i] = i
		}
		sort.SliceStable(idx, func(a, b int) bool { return s.Timestamps[idx[a]].Before(s.Timestamps[idx[b]]) })
		sorted := AWSSeries{Status: s.Status, Timestamps: make([]time.Time, len(idx)), Values: make([]float64, len(idx))}
		for i, j := range idx {
			sorted.Timestamps[i], sorted.Values[i] = s.Timestamps[j], s.Values[j]
		}
		m.Metrics[name] = sorted
	}
}

// check reports what makes m unusable: a window or period that does not
// make sense, or a metric whose timestamps and values do not pair up.
func (m *AWSMetrics) check() error {
	var errs []error
	if m.PeriodS <= 0 {
		errs = append(errs, fmt.Errorf("period_s %d: want a positive number of seconds", m.PeriodS))
	}
	if !m.To.After(m.From) {
		errs = append(errs, fmt.Errorf("window from %s to %s: to must be after from", m.From.Format(time.RFC3339), m.To.Format(time.RFC3339)))
	}
	for name, s := range m.Metrics {
		if len(s.Timestamps) != len(s.Values) {
			errs = append(errs, fmt.Errorf("metric %s: %d timestamps but %d values", name, len(s.Timestamps), len(s.Values)))
		}
	}
	return errors.Join(errs...)
}

// WriteAWSMetrics writes m as dir's aws-metrics.json, replacing any
// earlier one whole (a later fetch completes an early one): the file is
// written beside it and renamed into place.
func WriteAWSMetrics(dir string, m AWSMetrics) error {
	if err := m.check(); err != nil {
		return fmt.Errorf("%s: %w", filepath.Join(dir, AWSMetricsFile), err)
	}
	m.Sort()
	path := filepath.Join(dir, AWSMetricsFile)
	tmp := path + ".tmp"
	if err := writeJSON(tmp, m); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(tmp)
		return err
	}
	return nil
}

// ReadAWSMetrics reads dir's aws-metrics.json. A directory without one
// gives an error satisfying errors.Is(err, fs.ErrNotExist).
func ReadAWSMetrics(dir string) (*AWSMetrics, error) {
	path := filepath.Join(dir, AWSMetricsFile)
	var m AWSMetrics
	if err := readJSON(path, &m); err != nil {
		return nil, err
	}
	if err := m.check(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	m.Sort()
	return &m, nil
}
