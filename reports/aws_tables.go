package reports

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"
)

// The AWS section's tables: AWS's metrics beside mqherd's counts, one
// row per period and one for the run's periods summed.

// awsConnectColumns and awsMessageColumns are the AWS metrics of each
// table, in column order, after mqherd's count each stands beside.
var (
	awsConnectColumns = []string{"Connect.AuthError", "Connect.ClientError", "Connect.ServerError", "Connection.AuthNError",
		"Connect.Throttle", "Connect.ClientIDThrottle"}
	awsMessageColumns = []string{"PublishIn.Throttle", "PublishIn.AuthError", "PublishIn.ClientError", "PublishIn.ServerError"}
)

// intro says what the section shows.
func (s *AWSSection) intro() string {
	return fmt.Sprintf("CloudWatch %s metrics (%s), %s per %d s, in %s, %s to %s UTC, fetched %s. "+
		"Each period's figures sit beside mqherd's counts of the seconds that began in it.",
		s.Namespace, dimensionList(s.Dimensions), s.Statistic, s.PeriodS, s.Region,
		s.From.UTC().Format("2006-01-02 15:04"), s.To.UTC().Format("15:04"), s.Fetched.UTC().Format(time.RFC3339))
}

// periodHead is the first column's header.
func (s *AWSSection) periodHead() string {
	if s.PeriodS == 60 {
		return "minute (UTC)"
	}
	return "period (UTC)"
}

// rows are the periods, then the run's total.
func (s *AWSSection) rows() (periods []AWSPeriod, labels, spans []string) {
	for _, p := range s.Periods {
		periods = append(periods, p)
		labels = append(labels, strings.TrimSuffix(s.periodName(p.Start), " UTC"))
		spans = append(spans, s.runSpan(p))
	}
	periods = append(periods, s.Run)
	labels = append(labels, "run total")
	spans = append(spans, "0-"+fmtF(s.Run.ToS, 0)+" s")
	return periods, labels, spans
}

// cell is p's value of metric, "-" without a datapoint.
func cell(p AWSPeriod, metric string) string {
	if v, ok := p.AWS[metric]; ok {
		return awsValue(v)
	}
	return "-"
}

// present are the metrics of names the file holds (the ones asked).
func (s *AWSSection) present(names []string) []string {
	var out []string
	for _, n := range names {
		if slices.Contains(s.Metrics, n) {
			out = append(out, n)
		}
	}
	return out
}

// connectTable: mqherd's connects and connect errors beside AWS's.
func (s *AWSSection) connectTable() *table {
	cols := s.present(awsConnectColumns)
	t := &table{Head: append([]string{s.periodHead(), "run s", "connects (mqherd)", "Connect.Success", "connect errors (mqherd)"}, cols...), Num: true}
	periods, labels, spans := s.rows()
	for i, p := range periods {
		cells := []string{labels[i], spans[i], itoa(p.Mqherd.Connects), cell(p, "Connect.Success"), errorsCell(p.Mqherd.ConnectErrors)}
		for _, c := range cols {
			cells = append(cells, cell(p, c))
		}
		t.add(cells...)
	}
	return t
}

// messageTable: mqherd's messages sent and received beside AWS's
// publishes in and out.
func (s *AWSSection) messageTable() *table {
	cols := s.present(awsMessageColumns)
	t := &table{Head: slices.Concat([]string{s.periodHead(), "run s", "sent (mqherd)", "PublishIn.Success"}, cols,
		[]string{"publish errors (mqherd)", "received (mqherd)", "PublishOut.Success", "PublishOut.Throttle"}), Num: true}
	periods, labels, spans := s.rows()
	for i, p := range periods {
		cells := []string{labels[i], spans[i], itoa(p.Mqherd.MessagesSent), cell(p, "PublishIn.Success")}
		for _, c := range cols {
			cells = append(cells, cell(p, c))
		}
		t.add(append(cells, errorsCell(p.Mqherd.PublishErrors), itoa(p.Mqherd.MessagesReceived),
			cell(p, "PublishOut.Success"), cell(p, "PublishOut.Throttle"))...)
	}
	return t
}

// others lists the run's totals of the metrics no table shows, those
// with a datapoint: "Subscribe.Success 590, Ping.Success 300".
func (s *AWSSection) others() string {
	shown := slices.Concat(awsConnectColumns, awsMessageColumns, []string{"Connect.Success", "PublishIn.Success", "PublishOut.Success", "PublishOut.Throttle"})
	var parts []string
	for _, name := range slices.Sorted(maps.Keys(s.Run.AWS)) {
		if !slices.Contains(shown, name) {
			parts = append(parts, name+" "+awsValue(s.Run.AWS[name]))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "Other " + s.Namespace + " metrics over the run's periods: " + strings.Join(parts, ", ") + "."
}

// periodLine is one line over the run's periods: a step per period
// spanning the part of the run it covers, broken where v has no value.
func (s *AWSSection) periodLine(name string, dashed bool, v func(AWSPeriod) (float64, bool)) Line {
	l := Line{Name: name, Dashed: dashed}
	for _, p := range s.Periods {
		if !p.InRun {
			continue
		}
		y, ok := v(p)
		if !ok {
			y = math.NaN()
		}
		l.X = append(l.X, max(0, p.FromS), min(s.Run.ToS, p.ToS))
		l.Y = append(l.Y, y, y)
	}
	return l
}

// awsMetric reads metric from a period.
func awsMetric(metric string) func(AWSPeriod) (float64, bool) {
	return func(p AWSPeriod) (float64, bool) {
		v, ok := p.AWS[metric]
		return v, ok
	}
}

// awsSum reads the sum of metrics from a period; none present: no value.
func awsSum(metrics ...string) func(AWSPeriod) (float64, bool) {
	return func(p AWSPeriod) (float64, bool) {
		total, found := 0.0, false
		for _, m := range metrics {
			if v, ok := p.AWS[m]; ok {
				total, found = total+v, true
			}
		}
		return total, found
	}
}

func mqherdCount(f func(MqherdCounts) int64) func(AWSPeriod) (float64, bool) {
	return func(p AWSPeriod) (float64, bool) { return float64(f(p.Mqherd)), true }
}
