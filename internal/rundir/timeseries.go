package rundir

import (
	"bufio"
	"encoding/csv"
	"errors"
	"os"
	"strconv"
	"time"

	"github.com/mqherd/mqherd/internal/measure"
)

// csvFile writes timeseries.csv: one row per second of the run, the
// rollup's rows as they close.
type csvFile struct {
	f *os.File
	b *bufio.Writer
	w *csv.Writer
}

var seriesCounters = []measure.Counter{
	measure.JobsDispatched, measure.JobsCompleted, measure.MessagesSent, measure.MessagesReceived,
	measure.OutOfOrder, measure.Duplicates, measure.Lost, measure.Stale, measure.Connects, measure.Reconnects,
}

var seriesGauges = []measure.Gauge{measure.AgentsConnected, measure.ConnectsInFlight, measure.JobsOutstanding}

// TimeSeriesHeader is the header row of timeseries.csv. Counters are per
// interval (not cumulative) except errors_cumulative; latency columns are in
// milliseconds for the samples of that interval.
func TimeSeriesHeader() []string {
	h := []string{"second", "time", "phase"}
	for _, g := range seriesGauges {
		h = append(h, g.String())
	}
	for _, c := range seriesCounters {
		h = append(h, c.String())
	}
	h = append(h, "errors", "errors_cumulative")
	for _, m := range measure.Metrics() {
		h = append(h, m.String()+"_p50_ms", m.String()+"_p99_ms", m.String()+"_max_ms")
	}
	return h
}

func createCSV(path string) (*csvFile, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	b := bufio.NewWriter(f)
	c := &csvFile{f: f, b: b, w: csv.NewWriter(b)}
	if err := c.w.Write(TimeSeriesHeader()); err != nil {
		return nil, err
	}
	return c, c.flush() // a run cut short in its first second still leaves a readable file
}

func (c *csvFile) row(a *measure.Aggregate, errorsThrough int64) error {
	row := a.Row
	r := []string{strconv.Itoa(row.Second), a.Time.UTC().Format(time.RFC3339Nano), string(row.Phase)}
	for _, g := range seriesGauges {
		r = append(r, strconv.FormatInt(row.Gauge(g), 10))
	}
	for _, k := range seriesCounters {
		r = append(r, strconv.FormatInt(row.Counter(k), 10))
	}
	r = append(r, strconv.FormatInt(row.ErrorsTotal(), 10), strconv.FormatInt(errorsThrough, 10))
	for _, m := range measure.Metrics() {
		p := row.Latency[m.String()]
		r = append(r, ms(p.P50), ms(p.P99), ms(p.Max))
	}
	return c.w.Write(r)
}

func ms(v float64) string { return strconv.FormatFloat(v, 'f', 3, 64) }

func (c *csvFile) flush() error {
	c.w.Flush()
	return errors.Join(c.w.Error(), c.b.Flush())
}

func (c *csvFile) close() error { return errors.Join(c.flush(), c.f.Close()) }
