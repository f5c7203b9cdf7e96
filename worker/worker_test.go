package worker

import (
	"context"
	"testing"
	"time"

	"github.com/mqherd/mqherd/internal/measure"
	"github.com/mqherd/mqherd/internal/wire"
	"github.com/mqherd/mqherd/scenarios"
)

// A few hundred agents receive and complete every job, in order, with no
// error: the heart of `mqherd run`.
func TestRunCompletesEveryJobInOrder(t *testing.T) {
	f := newFixture(t)
	sc := testScenario(t, 300, 600) // ~230 jobs/s for 6 s
	c := newCollector()
	w := f.worker(t, "w0", "run-1", sc, wire.Range{First: 0, Count: 300})
	w.Start(c.emit)
	connectAll(t, w, 300)
	w.Dispatch(context.Background(), time.Now())
	if lost := w.Drain(context.Background()); lost != 0 {
		t.Errorf("drain declared %d jobs lost", lost)
	}
	w.Stop()
	c.checkLedgers(t)

	dispatched, completed := c.counter(measure.JobsDispatched), c.counter(measure.JobsCompleted)
	if dispatched < 500 || completed != dispatched {
		t.Fatalf("dispatched %d completed %d: want every one of >= 500 jobs completed", dispatched, completed)
	}
	for _, k := range []measure.Counter{measure.OutOfOrder, measure.Duplicates, measure.Lost, measure.Stale} {
		if v := c.counter(k); v != 0 {
			t.Errorf("%s = %d, want 0", k, v)
		}
	}
	if errs := c.errors(); len(errs) != 0 {
		t.Errorf("errors: %v", errs)
	}
	if sent, recv := c.counter(measure.MessagesSent), c.counter(measure.MessagesReceived); sent != 2*dispatched || recv != sent {
		t.Errorf("messages sent %d received %d, want %d each", sent, recv, 2*dispatched)
	}
	p := c.totals.Percentiles(measure.JobEndToEnd)
	if p.Count != completed || p.P50 < 5000.0/600 { // end to end includes the execution time (>= 5s/600)
		t.Errorf("job end-to-end: %+v", p)
	}
}

// An agent whose connection drops gets the job queued in its persistent
// session when it reconnects: the job counts as delivered (late), not lost.
func TestDroppedAgentGetsQueuedJobOnReconnect(t *testing.T) {
	f := newFixture(t)
	sc := testScenario(t, 3, 600)
	c := newCollector()
	w := f.worker(t, "w0", "run-2", sc, wire.Range{First: 0, Count: 3})
	w.Start(c.emit)
	connectAll(t, w, 3)

	victim := w.agents[1]
	victim.current().terminate()
	eventually(t, 5*time.Second, "agent never noticed its connection dropped", func() bool { return victim.current() == nil })
	a := scenarios.Arrival{Agent: victim.n, Seq: 1, At: time.Now()}
	w.disp.register(a)
	w.disp.publishJob(context.Background(), job{Arrival: a})

	eventually(t, 10*time.Second, "queued job never completed", func() bool { return c.counter(measure.JobsCompleted) == 1 })
	if r := c.counter(measure.Reconnects); r != 1 {
		t.Errorf("reconnects = %d, want 1", r)
	}
	if l := c.counter(measure.Lost); l != 0 {
		t.Errorf("lost = %d, want 0", l)
	}
	if got := c.errors()[measure.ConnectionLost.String()]; got != 1 {
		t.Errorf("connection_lost = %d, want 1 (errors %v)", got, c.errors())
	}
	if p := c.totals.Percentiles(measure.JobDelivery); p.Count != 1 || p.Max < 900 {
		t.Errorf("job delivery %+v: want one sample of ~1s or more (it waited for the reconnect)", p)
	}
}

// A job left in a persistent session by an earlier run is counted stale and
// never mixed into this run's figures.
func TestJobFromEarlierRunIsStale(t *testing.T) {
	f := newFixture(t)
	sc := testScenario(t, 2, 600)
	old := f.worker(t, "w0", "run-old", sc, wire.Range{First: 0, Count: 2})
	old.Start(func(*measure.Snapshot, *wire.Ledger) {})
	connectAll(t, old, 2)
	for _, a := range old.agents {
		a.stop() // offline; the broker keeps the sessions
	}
	a := scenarios.Arrival{Agent: 0, Seq: 7, At: time.Now()}
	old.disp.register(a)
	old.disp.publishJob(context.Background(), job{Arrival: a})
	old.Stop()

	c := newCollector()
	w := f.worker(t, "w0", "run-new", sc, wire.Range{First: 0, Count: 2})
	w.Start(c.emit)
	connectAll(t, w, 2)
	eventually(t, 5*time.Second, "stale job never counted", func() bool { return c.counter(measure.Stale) == 1 })
	w.Stop()
	if got := c.counter(measure.MessagesReceived); got != 0 {
		t.Errorf("messages received = %d, want 0 (stale ones are not this run's)", got)
	}
	if p := c.totals.Percentiles(measure.JobDelivery); p.Count != 0 {
		t.Errorf("stale job recorded a latency: %+v", p)
	}
}

// Stopping before the drain is over (an abort) declares the outstanding
// jobs lost: every dispatched job ends completed or lost.
func TestStopResolvesOutstandingJobs(t *testing.T) {
	f := newFixture(t)
	sc := testScenario(t, 2, 600)
	c := newCollector()
	w := f.worker(t, "w0", "run-4", sc, wire.Range{First: 0, Count: 2})
	w.Start(c.emit)
	connectAll(t, w, 2)
	w.agents[0].stop() // its jobs will never complete
	a := scenarios.Arrival{Agent: 0, Seq: 1, At: time.Now()}
	w.disp.register(a)
	w.disp.publishJob(context.Background(), job{Arrival: a})
	w.Stop()
	if d, l := c.counter(measure.JobsDispatched), c.counter(measure.Lost); d != 1 || l != 1 {
		t.Fatalf("dispatched %d lost %d, want the stopped run's open job counted lost", d, l)
	}
	c.checkLedgers(t)
	if len(c.last.Jobs) != 0 {
		t.Errorf("the last ledger lists %v: nothing is outstanding after a stop", c.last.Jobs)
	}
}
