package coordinator

import (
	"strings"
	"testing"
	"time"

	"github.com/mqherd/mqherd/internal/measure"
)

// These tests call tick directly: no timers, no loop goroutine.

var t0 = time.Date(2025, 3, 14, 9, 30, 0, 0, time.UTC)

// snap builds one worker snapshot of second 1 with a real recorder.
func snap(t *testing.T, worker string, record func(r *measure.Recorder)) *measure.Snapshot {
	return snapAt(t, worker, 1, record)
}

// snapAt builds one worker snapshot whose interval ends at second sec.
func snapAt(t *testing.T, worker string, sec int, record func(r *measure.Recorder)) *measure.Snapshot {
	t.Helper()
	end := t0.Add(time.Duration(sec) * time.Second)
	r := measure.NewRecorder(worker, end.Add(-time.Second))
	record(r)
	s, err := r.Swap(end)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// jobs is a snapshot of second sec: n dispatched jobs and n delivery samples.
func jobs(t *testing.T, worker string, sec, n int) *measure.Snapshot {
	return snapAt(t, worker, sec, func(r *measure.Recorder) {
		r.Count(measure.JobsDispatched, int64(n))
		for i := range n {
			r.Latency(measure.JobDelivery, i, time.Duration(i+1)*time.Millisecond)
		}
	})
}

// connected is a snapshot of second sec whose only content is an
// agents_connected reading.
func connected(t *testing.T, worker string, sec int, n int64) *measure.Snapshot {
	return snapAt(t, worker, sec, func(r *measure.Recorder) { r.Gauge(measure.AgentsConnected, n) })
}

// counts reads what a test needs from Totals now: the aggregator keeps
// updating the Cumulative it hands out.
type counts struct{ jobs, samples int64 }

func countsOf(tot *measure.Totals) counts {
	return counts{tot.Counter(measure.JobsDispatched), tot.Percentiles(measure.JobDelivery).Count}
}

func TestTickSeparatesIntervalFromCumulative(t *testing.T) {
	g := newAggregator(t0, nil)
	steps := []struct {
		in        []*measure.Snapshot
		interval  counts
		cumulated counts
	}{
		{[]*measure.Snapshot{jobs(t, "w0", 1, 5), jobs(t, "w1", 1, 2)}, counts{7, 7}, counts{7, 7}},
		{[]*measure.Snapshot{jobs(t, "w0", 2, 4)}, counts{4, 4}, counts{11, 11}},
		{nil, counts{0, 0}, counts{11, 11}},
		{[]*measure.Snapshot{jobs(t, "w1", 4, 1), jobs(t, "w1", 4, 3)}, counts{4, 4}, counts{15, 15}},
	}
	for i, s := range steps {
		for _, sn := range s.in {
			g.ingest(sn)
		}
		a := g.tick(t0.Add(time.Duration(i+1) * time.Second))
		if a.Row.Second != i+1 {
			t.Errorf("second %d numbered %d", i+1, a.Row.Second)
		}
		if got := countsOf(a.Interval); got != s.interval {
			t.Errorf("second %d: interval jobs/samples %v, want %v", i+1, got, s.interval)
		}
		if got := countsOf(a.Cumulative); got != s.cumulated {
			t.Errorf("second %d: cumulative jobs/samples %v, want %v", i+1, got, s.cumulated)
		}
	}
}

// Gauges are readings: each worker's latest, summed over workers, in the
// interval and the cumulative alike; the peak keeps the highest sum. An
// aggregate already handed to a sink does not change afterwards.
func TestTickSumsLatestGaugesAndTracksPeak(t *testing.T) {
	g := newAggregator(t0, nil)
	steps := []struct {
		in   []*measure.Snapshot
		sum  int64
		peak int64
	}{
		{[]*measure.Snapshot{connected(t, "w0", 1, 5), connected(t, "w1", 1, 3)}, 8, 8},
		{[]*measure.Snapshot{connected(t, "w0", 2, 9), connected(t, "w0", 2, 4)}, 7, 8}, // w0's latest is 4; w1 still 3
		{[]*measure.Snapshot{connected(t, "w1", 3, 10)}, 14, 14},
		{[]*measure.Snapshot{connected(t, "w0", 4, 0), connected(t, "w1", 4, 0)}, 0, 14},
	}
	var handed []*measure.Aggregate
	for i, s := range steps {
		for _, sn := range s.in {
			g.ingest(sn)
		}
		a := g.tick(t0.Add(time.Duration(i+1) * time.Second))
		handed = append(handed, a)
		if got := a.Interval.Gauge(measure.AgentsConnected); got != s.sum {
			t.Errorf("second %d: interval agents_connected %d, want %d", i+1, got, s.sum)
		}
		if got := a.Cumulative.Gauge(measure.AgentsConnected); got != s.sum {
			t.Errorf("second %d: cumulative agents_connected %d, want %d (a reading, not a sum over time)", i+1, got, s.sum)
		}
		if a.AgentsConnectedPeak != s.peak {
			t.Errorf("second %d: peak %d, want %d", i+1, a.AgentsConnectedPeak, s.peak)
		}
	}
	for i, a := range handed {
		if got := a.Interval.Gauge(measure.AgentsConnected); got != steps[i].sum {
			t.Errorf("second %d's interval agents_connected changed to %d after later seconds, was %d", i+1, got, steps[i].sum)
		}
	}
}

func TestTickKeepsPerWorkerViews(t *testing.T) {
	g := newAggregator(t0, nil)
	g.ingest(jobs(t, "w1", 1, 2))
	g.ingest(jobs(t, "w0", 1, 5))
	g.tick(t0.Add(time.Second))
	g.ingest(jobs(t, "w0", 2, 3))
	g.ingest(connected(t, "w1", 2, 6))
	a := g.tick(t0.Add(2 * time.Second))

	if len(a.Workers) != 2 || a.Workers[0].Name != "w0" || a.Workers[1].Name != "w1" {
		t.Fatalf("workers %v, want w0 then w1 (by name)", a.Workers)
	}
	want := map[string]struct {
		interval, cumulative int64
		gauge                int64
	}{"w1": {0, 2, 6}, "w0": {3, 8, 0}}
	for _, w := range a.Workers {
		if got := w.Interval.Counter(measure.JobsDispatched); got != want[w.Name].interval {
			t.Errorf("%s interval jobs %d, want %d", w.Name, got, want[w.Name].interval)
		}
		if got := w.Cumulative.Counter(measure.JobsDispatched); got != want[w.Name].cumulative {
			t.Errorf("%s cumulative jobs %d, want %d", w.Name, got, want[w.Name].cumulative)
		}
		if got := w.Gauges[measure.AgentsConnected.String()]; got != want[w.Name].gauge {
			t.Errorf("%s agents_connected %d, want %d", w.Name, got, want[w.Name].gauge)
		}
		if !w.LastSnapshot.Equal(t0.Add(2 * time.Second)) {
			t.Errorf("%s last snapshot %v, want its End", w.Name, w.LastSnapshot)
		}
	}
}

func TestTickEmitsDisconnectBurst(t *testing.T) {
	lose := func(kind measure.ErrorKind, code byte, n int) func(*measure.Recorder) {
		return func(r *measure.Recorder) {
			for range n {
				r.Error(kind, code)
			}
		}
	}
	cases := []struct {
		name    string
		seconds [][]func(*measure.Recorder) // per second, one snapshot each
		bursts  int
	}{
		{"one short of the threshold", [][]func(*measure.Recorder){{lose(measure.ConnectionLost, 0, burstThreshold-1)}}, 0},
		{"at the threshold", [][]func(*measure.Recorder){{lose(measure.ConnectionLost, 0, burstThreshold)}}, 1},
		{"spread over two workers", [][]func(*measure.Recorder){{lose(measure.ConnectionLost, 0, 4), lose(measure.ConnectionLost, 0, burstThreshold-4)}}, 1},
		{"server disconnects count", [][]func(*measure.Recorder){{lose(measure.ConnectionLost, 0, 4), lose(measure.ServerDisconnect, 0x8b, burstThreshold-4)}}, 1},
		{"spread over two seconds", [][]func(*measure.Recorder){{lose(measure.ConnectionLost, 0, burstThreshold-1)}, {lose(measure.ConnectionLost, 0, 1)}}, 0},
		{"other errors do not count", [][]func(*measure.Recorder){{lose(measure.PublishTimeout, 0, 2*burstThreshold)}}, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sink := &recordingSink{}
			g := newAggregator(t0, []Sink{sink})
			for i, second := range c.seconds {
				for w, rec := range second {
					g.ingest(snapAt(t, []string{"w0", "w1"}[w], i+1, rec))
				}
				g.tick(t0.Add(time.Duration(i+1) * time.Second))
			}
			bursts := eventsOf(sink.Events(), measure.EventDisconnectBurst)
			if len(bursts) != c.bursts {
				t.Fatalf("%d disconnect_burst events %v, want %d", len(bursts), bursts, c.bursts)
			}
			for _, e := range bursts {
				if !strings.Contains(e.Detail, "connections lost") {
					t.Errorf("burst detail %q does not say how many were lost", e.Detail)
				}
			}
		})
	}
}

// A snapshot with an undecodable histogram is reported and left out
// entirely: none of its counters, errors or other histograms are counted.
func TestTickRejectsCorruptSnapshotWhole(t *testing.T) {
	sink := &recordingSink{}
	g := newAggregator(t0, []Sink{sink})
	bad := snap(t, "w1", func(r *measure.Recorder) {
		r.Count(measure.JobsDispatched, 100)
		r.Error(measure.ConnectionLost, 0)
		r.Latency(measure.JobDelivery, 0, time.Millisecond)    // decodes fine, comes first
		r.Latency(measure.StatusDelivery, 0, time.Millisecond) // corrupted below
	})
	bad.Histograms[measure.StatusDelivery.String()] = []byte("not a histogram")
	g.ingest(jobs(t, "w0", 1, 3))
	g.ingest(bad)
	a := g.tick(t0.Add(time.Second))

	e := eventsOf(sink.Events(), measure.EventBadSnapshot)
	if len(e) != 1 || e[0].Worker != "w1" {
		t.Fatalf("bad_snapshot events %v, want one from w1", e)
	}
	for name, tot := range map[string]*measure.Totals{"interval": a.Interval, "cumulative": a.Cumulative} {
		if got := countsOf(tot); got != (counts{3, 3}) {
			t.Errorf("%s jobs/delivery samples %v, want w0's {3 3} only", name, got)
		}
		if got := tot.ErrorsTotal(); got != 0 {
			t.Errorf("%s errors %d, want 0", name, got)
		}
	}
	if sink.snapshots != 1 {
		t.Errorf("sinks got %d snapshots, want only the good one", sink.snapshots)
	}

	// The worker's next good snapshot is taken normally.
	g.ingest(jobs(t, "w1", 2, 2))
	a = g.tick(t0.Add(2 * time.Second))
	if got := countsOf(a.Cumulative); got != (counts{5, 5}) {
		t.Errorf("after a good snapshot: cumulative %v, want {5 5}", got)
	}
}

// A full queue never blocks the worker that emits; what does not fit is
// counted in Dropped, and everything queued is still aggregated.
func TestIngestDropsWhenFullWithoutBlocking(t *testing.T) {
	g := newAggregator(t0, nil)
	s := snap(t, "w0", func(r *measure.Recorder) { r.Count(measure.JobsDispatched, 1) })
	const extra = 7
	queued := cap(g.in)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range queued + extra {
			g.ingest(s)
		}
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("ingest blocked on a full queue")
	}
	a := g.tick(t0.Add(time.Second))
	if a.Dropped != extra {
		t.Errorf("dropped %d, want %d", a.Dropped, extra)
	}
	if got := a.Interval.Counter(measure.JobsDispatched); got != int64(queued) {
		t.Errorf("aggregated %d snapshots, want the %d that fit", got, queued)
	}
}
