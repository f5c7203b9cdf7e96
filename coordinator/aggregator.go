package coordinator

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/mqherd/mqherd/internal/measure"
)

// burstThreshold is how many connection losses in one second make a
// "disconnect burst" event (the study's 1,712 agents dropped in 2.5 min).
const burstThreshold = 10

// aggregator feeds worker snapshots and run events into the run's rollup
// and hands each second to the sinks as it closes, all on one goroutine.
type aggregator struct {
	in      chan *measure.Snapshot // from workers; never blocks them
	events  chan measure.Event
	dropped atomic.Int64
	sinks   []Sink

	// Owned by the loop goroutine.
	roll *measure.Rollup
	peak int64
	last *measure.Aggregate // the latest second closed
}

func newAggregator(started time.Time, sinks []Sink) *aggregator {
	g := &aggregator{
		in:     make(chan *measure.Snapshot, 4096),
		events: make(chan measure.Event, 256),
		sinks:  sinks,
	}
	g.roll = measure.NewRollup(measure.RollupConfig{Started: started, WorkerIntervals: true, OnClose: g.closed})
	return g
}

// ingest takes a snapshot without blocking; a full queue drops it and counts.
func (g *aggregator) ingest(s *measure.Snapshot) {
	select {
	case g.in <- s:
	default:
		g.dropped.Add(1)
	}
}

// event records a run event (it may block briefly).
func (g *aggregator) event(kind measure.EventKind, worker, detail string) {
	g.events <- measure.Event{Time: time.Now(), Kind: kind, Worker: worker, Detail: detail}
}

// tickLag is how long after a whole second the coordinator closes that
// second: workers emit at the whole second, and their snapshots need a
// moment to arrive.
const tickLag = 250 * time.Millisecond

// loop closes a second every second until stop is closed, then takes what
// is queued, closes the rest and returns the final aggregate.
func (g *aggregator) loop(stop <-chan struct{}) *measure.Aggregate {
	next := time.Now().Truncate(time.Second).Add(time.Second)
	t := time.NewTimer(time.Until(next.Add(tickLag)))
	defer t.Stop()
	for {
		select {
		case e := <-g.events:
			g.emitEvent(e)
		case <-t.C:
			g.tick(next)
			next = next.Add(time.Second)
			t.Reset(time.Until(next.Add(tickLag)))
		case <-stop:
			g.drainEvents()
			g.takeQueued()
			return g.finish(time.Now())
		}
	}
}

func (g *aggregator) drainEvents() {
	for {
		select {
		case e := <-g.events:
			g.emitEvent(e)
		default:
			return
		}
	}
}

func (g *aggregator) emitEvent(e measure.Event) {
	g.roll.Event(e)
	for _, s := range g.sinks {
		s.Event(e)
	}
}

// tick takes the events and snapshots queued and closes every second up
// to the one ending at now; it returns the latest second closed.
func (g *aggregator) tick(now time.Time) *measure.Aggregate {
	g.drainEvents()
	g.takeQueued()
	g.roll.CloseThrough(g.roll.SecondOf(now))
	return g.last
}

// closed hands one closed second to the sinks.
func (g *aggregator) closed(c measure.Closed) {
	g.peak = max(g.peak, c.Row.AgentsConnected)
	a := g.aggregate(c.Row, c.Interval, g.roll.Origin().Add(time.Duration(c.Row.Second)*time.Second))
	if lost := connectionsLost(c.Row); lost >= burstThreshold {
		g.emitEvent(measure.Event{Time: a.Time, Kind: measure.EventDisconnectBurst, Detail: fmt.Sprintf("%d connections lost in one second", lost)})
	}
	for _, s := range g.sinks {
		s.Interval(a)
	}
	g.last = a
}

func (g *aggregator) aggregate(row *measure.Second, interval *measure.Totals, at time.Time) *measure.Aggregate {
	return &measure.Aggregate{Row: row, Time: at, Interval: interval, Cumulative: g.roll.All(),
		Workers: g.roll.Views(), AgentsConnectedPeak: g.peak, Dropped: g.dropped.Load(), Rollup: g.roll}
}

// finish closes every second up to ended and returns the final aggregate:
// the last second's row, nothing in its interval, the run's totals.
func (g *aggregator) finish(ended time.Time) *measure.Aggregate {
	g.roll.Finish(ended)
	last := &measure.Second{Phase: measure.PhaseDone}
	if rows := g.roll.Rows(); len(rows) > 0 {
		last = &rows[len(rows)-1]
	}
	interval := measure.NewTotals()
	interval.Gauges = g.roll.All().Gauges
	return g.aggregate(last, interval, ended)
}

// connectionsLost counts a second's connection losses and server disconnects.
func connectionsLost(row *measure.Second) int64 {
	n := row.Errors[measure.ConnectionLost.String()]
	prefix := measure.ServerDisconnect.String()
	for k, v := range row.Errors {
		if strings.HasPrefix(k, prefix) {
			n += v
		}
	}
	return n
}

// takeQueued takes every queued snapshot.
func (g *aggregator) takeQueued() {
	for {
		select {
		case s := <-g.in:
			g.take(s)
		default:
			return
		}
	}
}

// take hands a snapshot to the sinks (the run directory records the order)
// and to the rollup. Every histogram is decoded before anything is
// counted, so a bad snapshot is left out whole.
func (g *aggregator) take(s *measure.Snapshot) {
	d, err := measure.DecodeHistograms(s)
	if err != nil {
		g.emitEvent(measure.Event{Time: time.Now(), Kind: measure.EventBadSnapshot, Worker: s.Worker, Detail: err.Error()})
		return
	}
	for _, sink := range g.sinks {
		sink.Snapshot(s)
	}
	g.roll.Add(d)
}

// setPhase announces a phase; an aborted run announces only its drain and end.
func (g *aggregator) setPhase(ctx context.Context, phase measure.Phase) {
	if ctx.Err() == nil || phase == measure.PhaseDrain || phase == measure.PhaseDone {
		g.event(measure.EventPhase, "", string(phase))
	}
}
