package reports

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/mqherd/mqherd/internal/measure"
	"github.com/mqherd/mqherd/internal/rundir"
)

// AWSSection is AWS IoT's own figures of the run (its CloudWatch metrics,
// aws-metrics.json) beside mqherd's counts, period by period on UTC
// boundaries, with the differences called out in words.
type AWSSection struct {
	Region     string            `json:"region"`
	Namespace  string            `json:"namespace"`
	Dimensions map[string]string `json:"dimensions"`
	Statistic  string            `json:"statistic"`
	PeriodS    int               `json:"period_s"`
	From       time.Time         `json:"from"`
	To         time.Time         `json:"to"`
	Fetched    time.Time         `json:"fetched"`
	Metrics    []string          `json:"metrics"` // the metrics read, sorted
	Periods    []AWSPeriod       `json:"periods"`
	// Run sums the periods that overlap the run.
	Run      AWSPeriod `json:"run"`
	Findings []string  `json:"findings"` // where AWS's counts and mqherd's differ
	Notes    []string  `json:"notes"`    // how to read them: lateness, granularity, scope
}

// AWSPeriod is one CloudWatch period: AWS's value of each metric that has
// a datapoint in it, and mqherd's counts of the report's seconds that
// began in it.
type AWSPeriod struct {
	Start  time.Time          `json:"start"`
	FromS  float64            `json:"from_s"` // on the report's clock; negative: before the run
	ToS    float64            `json:"to_s"`
	InRun  bool               `json:"in_run"` // overlaps the run
	AWS    map[string]float64 `json:"aws"`
	Mqherd MqherdCounts       `json:"mqherd"`
}

// MqherdCounts are mqherd's counts that AWS IoT's metrics count too.
type MqherdCounts struct {
	Connects         int64            `json:"connects"`
	MessagesSent     int64            `json:"messages_sent"` // by the print service and the agents
	MessagesReceived int64            `json:"messages_received"`
	ConnectErrors    map[string]int64 `json:"connect_errors,omitempty"` // by error key
	PublishErrors    map[string]int64 `json:"publish_errors,omitempty"`
	SubscribeErrors  map[string]int64 `json:"subscribe_errors,omitempty"`
}

// errorGroup says which of mqherd's counts an error kind belongs to:
// "connect", "publish", "subscribe", or "" (none AWS counts).
func errorGroup(key string) string {
	k, _, err := measure.ParseErrorKey(key)
	if err != nil {
		return ""
	}
	switch k {
	case measure.ConnectRefused, measure.TLSHandshake, measure.DialFailed, measure.ConnectTimeout, measure.ConnectClosed:
		return "connect"
	case measure.PublishRefused, measure.PublishTimeout:
		return "publish"
	case measure.SubscribeRefused:
		return "subscribe"
	}
	return ""
}

// add adds row's counts.
func (c *MqherdCounts) add(row *measure.Second) {
	c.Connects += row.Counter(measure.Connects)
	c.MessagesSent += row.Counter(measure.MessagesSent)
	c.MessagesReceived += row.Counter(measure.MessagesReceived)
	for k, v := range row.Errors {
		addKey(c.errors(errorGroup(k)), k, v)
	}
}

// errors is the map of group's error counts (made on first use); nil for
// errors AWS does not count.
func (c *MqherdCounts) errors(group string) *map[string]int64 {
	switch group {
	case "connect":
		return &c.ConnectErrors
	case "publish":
		return &c.PublishErrors
	case "subscribe":
		return &c.SubscribeErrors
	}
	return nil
}

func addKey(m *map[string]int64, k string, v int64) {
	if m == nil || v == 0 {
		return
	}
	if *m == nil {
		*m = map[string]int64{}
	}
	(*m)[k] += v
}

// addCounts adds o's counts to c.
func (c *MqherdCounts) addCounts(o MqherdCounts) {
	c.Connects += o.Connects
	c.MessagesSent += o.MessagesSent
	c.MessagesReceived += o.MessagesReceived
	for _, g := range []string{"connect", "publish", "subscribe"} {
		for k, v := range *o.errors(g) {
			addKey(c.errors(g), k, v)
		}
	}
}

// awsSection sets m's periods beside the report's rows (the run started
// at started, ended at ended; origin is t=0 of the report's clock).
func awsSection(m *rundir.AWSMetrics, origin, started, ended time.Time, rows []measure.Second) *AWSSection {
	s := &AWSSection{Region: m.Region, Namespace: m.Namespace, Dimensions: m.Dimensions, Statistic: m.Statistic,
		PeriodS: m.PeriodS, From: m.From, To: m.To, Fetched: m.Fetched, Metrics: slices.Sorted(maps.Keys(m.Metrics))}
	period := m.Period()
	for t := m.From; t.Before(m.To); t = t.Add(period) {
		p := AWSPeriod{Start: t, FromS: offset(origin, t), ToS: offset(origin, t.Add(period)),
			InRun: t.Before(ended) && t.Add(period).After(started), AWS: map[string]float64{}}
		for name := range m.Metrics {
			if v, ok := m.At(name, t); ok {
				p.AWS[name] = v
			}
		}
		s.Periods = append(s.Periods, p)
	}
	for i := range rows {
		began := origin.Add(time.Duration(rows[i].Second-1) * time.Second)
		if k := int(began.Sub(m.From) / period); !began.Before(m.From) && k < len(s.Periods) {
			s.Periods[k].Mqherd.add(&rows[i])
		}
	}
	s.Run = runTotals(s.Periods)
	s.Run.FromS, s.Run.ToS = 0, offset(origin, ended)
	s.Findings = awsFindings(s, m)
	s.Notes = awsNotes(s, m)
	return s
}

// runTotals sums the periods that overlap the run.
func runTotals(periods []AWSPeriod) AWSPeriod {
	t := AWSPeriod{InRun: true, AWS: map[string]float64{}}
	for _, p := range periods {
		if !p.InRun {
			continue
		}
		if t.Start.IsZero() {
			t.Start = p.Start
		}
		for k, v := range p.AWS {
			t.AWS[k] += v
		}
		t.Mqherd.addCounts(p.Mqherd)
	}
	return t
}

// byKind lists an error map as "kind n, kind n" in key order.
func byKind(m map[string]int64) string {
	parts := make([]string, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}

// errorsCell is m's total with its breakdown: "14 (dial_failed 13, tls_handshake 1)".
func errorsCell(m map[string]int64) string {
	n := sum(m)
	if n == 0 {
		return "0"
	}
	return fmt.Sprintf("%d (%s)", n, byKind(m))
}

// awsValue shows a CloudWatch value: a whole number without decimals.
func awsValue(v float64) string {
	if v == float64(int64(v)) {
		return itoa(int64(v))
	}
	return fmtF(v, 2)
}
