package rundir

import (
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/mqherd/mqherd/internal/measure"
)

// workerRun is what one worker recorded over a run: a first second at
// its peak of connected agents, then a second with everything else and
// its last readings.
type workerRun struct {
	name                  string
	lost                  bool // declared lost during the second second
	assigned, connected   int64
	peak                  int64
	jobs, done, lostJobs  int64
	errs                  int64
	deliveryUs, connectUs []int64
	sent, received        int64
}

func (w workerRun) snapshots(t *testing.T) []*measure.Snapshot {
	first := swap(t, w.name, at(1), func(r *measure.Recorder) {
		r.Gauge(measure.AgentsAssigned, w.assigned)
		r.Gauge(measure.AgentsConnected, w.peak)
	})
	last := swap(t, w.name, at(2), func(r *measure.Recorder) {
		r.Count(measure.JobsDispatched, w.jobs)
		r.Count(measure.JobsCompleted, w.done)
		r.Count(measure.Lost, w.lostJobs)
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
	return []*measure.Snapshot{first, last}
}

func spread(from, step int64, n int) []int64 {
	out := make([]int64, n)
	for i := range out {
		out[i] = from + step*int64(i)
	}
	return out
}

// summary.json lists every worker by name with its final state (a worker
// still running at the end is done, a lost one stays lost), its agents
// (last readings and peak), totals, errors and per-metric p99 over the
// whole run; the run's agents_connected_peak is the rows' highest.
func TestSummaryListsWorkers(t *testing.T) {
	runs := []workerRun{
		{name: "w1", assigned: 600, connected: 0, peak: 598, jobs: 300, done: 297, lostJobs: 3, errs: 5,
			sent: 600, received: 597, deliveryUs: spread(900, 37, 300), connectUs: spread(20000, 900, 100)},
		{name: "w0", lost: true, assigned: 400, connected: 380, peak: 400, jobs: 120, done: 110, errs: 2,
			sent: 240, received: 230, deliveryUs: spread(1500, 51, 120)},
	}
	rd, err := Create(t.TempDir(), testManifest("workers"), nil, 1000)
	if err != nil {
		t.Fatal(err)
	}
	f := newFeed(t, rd)
	for second := 1; second <= 2; second++ {
		for _, r := range runs {
			if r.lost && second == 2 {
				f.event(measure.Event{Time: at(1).Add(100 * time.Millisecond), Kind: measure.EventWorkerLost, Worker: r.name})
			}
			f.snapshot(r.snapshots(t)[second-1])
		}
		f.closeThrough(second)
	}
	f.finish(at(2))

	b := readFile(t, filepath.Join(rd.Path(), SummaryFile))
	var s struct {
		Peak    int64                        `json:"agents_connected_peak"`
		Workers []map[string]json.RawMessage `json:"workers"`
	}
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	// Second 1: both workers at their peak; second 2: w1's 0, w0 lost.
	if s.Peak != 598+400 {
		t.Errorf("summary agents_connected_peak %d, want %d (second 1's row)", s.Peak, 598+400)
	}
	if len(s.Workers) != len(runs) {
		t.Fatalf("summary lists %d workers, want %d:\n%s", len(s.Workers), len(runs), b)
	}
	for i, r := range []workerRun{runs[1], runs[0]} { // by name
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
		str("state", map[bool]string{false: "done", true: "lost"}[r.lost])
		num("agents_assigned", r.assigned)
		num("agents_connected", r.connected)
		num("agents_connected_peak", r.peak)
		num("jobs_dispatched", r.jobs)
		num("jobs_completed", r.done)
		num("messages_sent", r.sent)
		num("messages_received", r.received)
		num("errors", r.errs)
		num("lost", r.lostJobs)
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
}
