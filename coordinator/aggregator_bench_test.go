package coordinator

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/mqherd/mqherd/internal/measure"
	"github.com/mqherd/mqherd/internal/rundir"
)

// benchWorkers is the fleet size the merge benchmark models.
const benchWorkers = 100

// benchLatency draws a latency spread like real ones: log-normal around
// median, clamped to [lo, hi].
func benchLatency(rng *rand.Rand, median, lo, hi time.Duration) time.Duration {
	d := time.Duration(float64(median) * math.Exp(0.9*rng.NormFloat64()))
	return min(max(d, lo), hi)
}

// benchSnapshot is one worker's realistic second, produced by a real
// Recorder and Swap (so encoded exactly as a worker sends it): ~200 samples
// in each latency metric, counters, errors with and without reason codes,
// and gauges.
func benchSnapshot(b *testing.B, worker string, rng *rand.Rand, end time.Time) *measure.Snapshot {
	b.Helper()
	r := measure.NewRecorder(worker, end.Add(-time.Second))
	for i := range 200 + rng.IntN(20) {
		r.Latency(measure.JobDelivery, i, benchLatency(rng, 3*time.Millisecond, 500*time.Microsecond, 50*time.Millisecond))
		r.Latency(measure.StatusDelivery, i, benchLatency(rng, 2500*time.Microsecond, 500*time.Microsecond, 50*time.Millisecond))
		r.Latency(measure.JobEndToEnd, i, benchLatency(rng, 8*time.Millisecond, 500*time.Microsecond, 50*time.Millisecond))
		r.Latency(measure.Connect, i, benchLatency(rng, 40*time.Millisecond, 5*time.Millisecond, 500*time.Millisecond))
	}
	for c, n := range map[measure.Counter]int64{
		measure.JobsDispatched: 100, measure.JobsCompleted: 98, measure.MessagesSent: 198,
		measure.MessagesReceived: 197, measure.Connects: 210, measure.Reconnects: 3, measure.Lost: 1,
	} {
		r.Count(c, n)
	}
	r.Error(measure.ConnectionLost, 0)
	r.Error(measure.PublishTimeout, 0)
	r.Error(measure.ConnectRefused, 0x87)
	r.Error(measure.ServerDisconnect, 0x8b)
	r.Gauge(measure.AgentsAssigned, 5000)
	r.Gauge(measure.AgentsConnected, 4990)
	r.Gauge(measure.ConnectsInFlight, 3)
	r.Gauge(measure.JobsOutstanding, 25)
	s, err := r.Swap(end)
	if err != nil {
		b.Fatal(err)
	}
	if s.Raw, err = s.Encode(); err != nil { // as received: the run directory writes these bytes
		b.Fatal(err)
	}
	return s
}

// nopSink receives the aggregate and does nothing with it.
type nopSink struct{}

func (nopSink) Snapshot(*measure.Snapshot)     {}
func (nopSink) Event(measure.Event)            {}
func (nopSink) Interval(*measure.Aggregate)    {}
func (nopSink) Close(*measure.Aggregate) error { return nil }

// BenchmarkAggregate100Workers is one second of the coordinator of a
// 100-worker run: take one snapshot from each worker and close the
// interval. One op is one second of run, so ns/op is the coordinator's
// CPU per second of run: ms-cpu/s-of-run and %core say the same in the
// units of the budget (under 5% of one core). Background GC work on other
// cores is not in ns/op; run with -cpu 1 to include it.
func BenchmarkAggregate100Workers(b *testing.B) {
	rng := rand.New(rand.NewPCG(100, 1))
	snaps := make([]*measure.Snapshot, benchWorkers)
	for i := range snaps {
		snaps[i] = benchSnapshot(b, fmt.Sprintf("w%03d", i), rng, t0.Add(time.Second))
	}
	sinks := map[string]func(b *testing.B) Sink{
		"nosink": func(*testing.B) Sink { return nopSink{} },
		"rundir": func(b *testing.B) Sink {
			m := rundir.Manifest{RunID: "bench", Scenario: "bench", Started: t0}
			rd, err := rundir.Create(b.TempDir(), m, []byte("name: bench\n"), benchWorkers*5000)
			if err != nil {
				b.Fatal(err)
			}
			return rd
		},
	}
	for _, name := range []string{"nosink", "rundir"} {
		b.Run(name, func(b *testing.B) {
			sink := sinks[name](b)
			g := newAggregator(t0, []Sink{sink})
			now := t0
			b.ReportAllocs()
			for b.Loop() {
				now = now.Add(time.Second)
				for _, s := range snaps {
					s.End = now // each second's snapshots end in it
					g.ingest(s)
				}
				g.tick(now)
			}
			nsPerOp := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
			b.ReportMetric(nsPerOp/1e6, "ms-cpu/s-of-run")
			b.ReportMetric(nsPerOp/1e9*100, "%core")
			if err := sink.Close(g.finish(now.Add(time.Second))); err != nil {
				b.Fatal(err)
			}
		})
	}
}

// Each worker view keeps the highest agents_connected that worker ever
// reported, including readings superseded within the same second.
// (It belongs in aggregator_test.go; it is here because this change could
// only add this file.)
func TestTickTracksPeakPerWorker(t *testing.T) {
	g := newAggregator(t0, nil)
	seconds := [][]*measure.Snapshot{
		{connected(t, "w0", 1, 5), connected(t, "w1", 1, 3)},
		{connected(t, "w0", 2, 9), connected(t, "w0", 2, 4)}, // 9 is superseded by 4 before the tick
		{connected(t, "w0", 3, 0), connected(t, "w1", 3, 0)},
	}
	var a *measure.Aggregate
	for i, in := range seconds {
		for _, s := range in {
			g.ingest(s)
		}
		a = g.tick(t0.Add(time.Duration(i+1) * time.Second))
	}
	want := map[string]int64{"w0": 9, "w1": 3}
	for _, w := range a.Workers {
		if w.AgentsConnectedPeak != want[w.Name] {
			t.Errorf("%s peak %d, want %d", w.Name, w.AgentsConnectedPeak, want[w.Name])
		}
		if got := w.Gauges[measure.AgentsConnected.String()]; got != 0 {
			t.Errorf("%s agents_connected %d, want the latest reading 0", w.Name, got)
		}
	}
}
