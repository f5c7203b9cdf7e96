package reports

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/mqherd/mqherd/internal/measure"
)

// workerRun is what one worker recorded over a run, to build its view as
// the coordinator would and to check the summary against.
type workerRun struct {
	name, state            string
	assigned, connected    int64 // last readings
	peak                   int64
	jobs, done, lost, errs int64
	deliveryUs, connectUs  []int64
	sent, received         int64
}

func (w workerRun) view(t *testing.T) *measure.WorkerView {
	s := swap(t, w.name, t0.Add(time.Second), func(r *measure.Recorder) {
		r.Count(measure.JobsDispatched, w.jobs)
		r.Count(measure.JobsCompleted, w.done)
		r.Count(measure.Lost, w.lost)
		r.Count(measure.MessagesSent, w.sent)
		r.Count(measure.MessagesReceived, w.received)
		for i := range w.errs {
			r.Error([]measure.ErrorKind{measure.ConnectionLost, measure.PublishTimeout}[i%2], 0)
		}
		for i, us := range w.deliveryUs {
			r.Latency(measure.JobDelivery, i, time.Duration(us)*time.Microsecond)
		}
		for i, us := range w.connectUs {
			r.Latency(measure.Connect, i, time.Duration(us)*time.Microsecond)
		}
		r.Gauge(measure.AgentsAssigned, w.assigned)
		r.Gauge(measure.AgentsConnected, w.connected)
	})
	return &measure.WorkerView{
		Name: w.name, State: w.state, LastSnapshot: s.End, Gauges: s.Gauges, AgentsConnectedPeak: w.peak,
		Interval: measure.NewTotals(), Cumulative: totalsOf(t, nil, s),
	}
}

func spread(from, step int64, n int) []int64 {
	out := make([]int64, n)
	for i := range out {
		out[i] = from + step*int64(i)
	}
	return out
}

// summary.json lists every worker in the coordinator's order with its final
// state (a worker still running at the end is done, a lost one stays lost),
// its agents, totals, errors and per-metric p99 over the whole run.
func TestSummaryListsWorkers(t *testing.T) {
	runs := []workerRun{
		{name: "w1", state: "running", assigned: 600, connected: 0, peak: 598, jobs: 300, done: 297, lost: 3, errs: 5,
			sent: 600, received: 597, deliveryUs: spread(900, 37, 300), connectUs: spread(20000, 900, 100)},
		{name: "w0", state: "lost", assigned: 400, connected: 380, peak: 400, jobs: 120, done: 110, errs: 2,
			sent: 240, received: 230, deliveryUs: spread(1500, 51, 120)},
	}
	final := &measure.Aggregate{Second: 60, Time: t0.Add(time.Minute), Phase: "done", Interval: measure.NewTotals(), Cumulative: measure.NewTotals()}
	for _, r := range runs {
		final.Workers = append(final.Workers, r.view(t))
	}
	b, err := json.MarshalIndent(NewSummary(testManifest("workers"), 1000, final), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Workers []map[string]json.RawMessage `json:"workers"`
	}
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	if len(s.Workers) != len(runs) {
		t.Fatalf("summary lists %d workers, want %d:\n%s", len(s.Workers), len(runs), b)
	}
	for i, r := range runs {
		got := s.Workers[i]
		str := func(field, want string) {
			t.Helper()
			var v string
			if err := json.Unmarshal(got[field], &v); err != nil || v != want {
				t.Errorf("workers[%d].%s = %s, want %q", i, field, got[field], want)
			}
		}
		num := func(field string, want int64) {
			t.Helper()
			var v int64
			if err := json.Unmarshal(got[field], &v); err != nil || v != want {
				t.Errorf("workers[%d] (%s).%s = %s, want %d", i, r.name, field, got[field], want)
			}
		}
		str("name", r.name)
		str("state", map[string]string{"running": "done", "lost": "lost"}[r.state])
		num("agents_assigned", r.assigned)
		num("agents_connected", r.connected)
		num("agents_connected_peak", r.peak)
		num("jobs_dispatched", r.jobs)
		num("jobs_completed", r.done)
		num("messages_sent", r.sent)
		num("messages_received", r.received)
		num("errors", r.errs)
		num("lost", r.lost)
		var p99 map[string]float64
		if err := json.Unmarshal(got["p99_ms"], &p99); err != nil || len(p99) != int(measure.NumMetrics) {
			t.Errorf("workers[%d].p99_ms = %s, want one p99 per latency metric", i, got["p99_ms"])
		}
		for m, samples := range map[measure.Metric][]int64{measure.JobDelivery: r.deliveryUs, measure.Connect: r.connectUs, measure.StatusDelivery: nil} {
			want := 0.0
			if len(samples) > 0 {
				want = nearestRank(samples, 0.99)
			}
			if v, ok := p99[m.String()]; !ok || !within(v, want) {
				t.Errorf("workers[%d] (%s).p99_ms.%s = %v, the samples say %.3f", i, r.name, m, v, want)
			}
		}
	}
	golden(t, "summary_workers.json", b)
}
