package dashboard

import (
	"fmt"
	"testing"
	"time"

	"github.com/mqherd/mqherd/internal/measure"
)

// BenchmarkFrame100Workers is the dashboard's share of the coordinator's
// second with 100 workers: copying the aggregate into a Frame (percentiles
// of every metric for the interval and the run, a p99 per worker). It runs
// on the aggregation goroutine, next to BenchmarkAggregate100Workers.
func BenchmarkFrame100Workers(b *testing.B) {
	now := time.Now()
	interval, cum := measure.NewTotals(), measure.NewTotals()
	row := &measure.Second{Second: 30, Phase: measure.PhaseRun, AgentsConnected: 500000}
	a := &measure.Aggregate{Row: row, Time: now, Interval: interval, Cumulative: cum}
	for w := range 100 {
		r := measure.NewRecorder(fmt.Sprintf("w%02d", w), now.Add(-time.Second))
		for i := range 200 {
			for _, m := range measure.Metrics() {
				r.Latency(m, i, time.Duration(500+i*37)*time.Microsecond)
			}
		}
		r.Count(measure.JobsDispatched, 100)
		r.Error(measure.ConnectionLost, 0)
		r.Gauge(measure.AgentsConnected, 5000)
		s, err := r.Swap(now)
		if err != nil {
			b.Fatal(err)
		}
		view := &measure.WorkerView{Name: s.Worker, State: measure.WorkerRunning, LastSnapshot: now,
			Gauges: s.Gauges, Interval: measure.NewTotals(), Cumulative: measure.NewTotals()}
		for _, t := range []*measure.Totals{interval, cum, view.Interval, view.Cumulative} {
			if err := t.Add(s); err != nil {
				b.Fatal(err)
			}
		}
		a.Workers = append(a.Workers, view)
	}
	b.ReportAllocs()
	start := time.Now()
	for b.Loop() {
		_ = frameOf(a, 500000, time.Hour)
	}
	b.ReportMetric(float64(time.Since(start).Nanoseconds())/float64(b.N)/1e6, "ms-cpu/s-of-run")
}
