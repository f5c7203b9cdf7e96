package coordinator

import (
	"context"
	"fmt"
	"maps"
	"sync/atomic"
	"time"

	"github.com/mqherd/mqherd/internal/measure"
)

// burstThreshold is how many connection losses in one second make a
// "disconnect burst" event (the study's 1,712 agents dropped in 2.5 min).
const burstThreshold = 10

// aggregator merges worker snapshots into per-second and cumulative totals
// and hands them to the sinks, all on one goroutine.
type aggregator struct {
	in      chan *measure.Snapshot // from workers; never blocks them
	events  chan measure.Event
	dropped atomic.Int64
	phase   atomic.Value // string
	sinks   []Sink

	// Owned by the loop goroutine.
	cum     *measure.Totals
	workers map[string]*measure.WorkerView
	order   []string
	second  int
	peak    int64
}

func newAggregator(sinks []Sink) *aggregator {
	g := &aggregator{
		in:      make(chan *measure.Snapshot, 4096),
		events:  make(chan measure.Event, 256),
		sinks:   sinks,
		cum:     measure.NewTotals(),
		workers: map[string]*measure.WorkerView{},
	}
	g.phase.Store("ramp")
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
func (g *aggregator) event(kind, worker, detail string) {
	g.events <- measure.Event{Time: time.Now(), Kind: kind, Worker: worker, Detail: detail}
}

// tickLag is how long after a whole second the coordinator closes that
// second's interval: workers emit at the whole second, and their snapshots
// need a moment to arrive.
const tickLag = 250 * time.Millisecond

// loop aggregates every second until stop is closed, then takes what is
// queued and returns the final aggregate.
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
			return g.tick(time.Now())
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
	if w := g.workers[e.Worker]; w != nil && e.Kind == EventWorkerLost {
		w.State = "lost"
	}
	for _, s := range g.sinks {
		s.Event(e)
	}
}

// tick closes one interval.
func (g *aggregator) tick(now time.Time) *measure.Aggregate {
	g.second++
	interval := measure.NewTotals() // new each second: handed-out intervals stay as they were
	for _, w := range g.workers {
		w.Interval.Reset() // reused, its histograms with it: worker views are updated in place
	}
	g.takeQueued(interval)
	gauges := map[string]int64{}
	views := make([]*measure.WorkerView, 0, len(g.order))
	for _, name := range g.order {
		w := g.workers[name]
		if w.State != "lost" { // a lost worker's last readings are not the fleet's now
			for k, v := range w.Gauges {
				gauges[k] += v
			}
		}
		views = append(views, w)
	}
	interval.Gauges = gauges
	g.cum.Merge(interval)
	// Gauges are readings, not deltas. The copy matters: next second's
	// Merge adds into cum.Gauges, which must not be this interval's map.
	g.cum.Gauges = maps.Clone(gauges)
	g.peak = max(g.peak, interval.Gauge(measure.AgentsConnected))
	if lost := interval.Errors[measure.ConnectionLost.String()] + serverDisconnects(interval); lost >= burstThreshold {
		g.emitEvent(measure.Event{Time: now, Kind: "disconnect_burst", Detail: fmt.Sprintf("%d connections lost in one second", lost)})
	}
	a := &measure.Aggregate{
		Second: g.second, Time: now, Phase: g.phase.Load().(string),
		Interval: interval, Cumulative: g.cum, Workers: views,
		AgentsConnectedPeak: g.peak, Dropped: g.dropped.Load(),
	}
	for _, s := range g.sinks {
		s.Interval(a)
	}
	return a
}

func serverDisconnects(t *measure.Totals) int64 {
	var n int64
	prefix := measure.ServerDisconnect.String()
	for k, v := range t.Errors {
		if len(k) >= len(prefix) && k[:len(prefix)] == prefix {
			n += v
		}
	}
	return n
}

// takeQueued merges every queued snapshot into interval and its worker.
func (g *aggregator) takeQueued(interval *measure.Totals) {
	for {
		select {
		case s := <-g.in:
			g.take(s, interval)
		default:
			return
		}
	}
}

func (g *aggregator) take(s *measure.Snapshot, interval *measure.Totals) {
	w, ok := g.workers[s.Worker]
	if !ok {
		w = &measure.WorkerView{Name: s.Worker, State: "running", Cumulative: measure.NewTotals(), Interval: measure.NewTotals()}
		g.workers[s.Worker] = w
		g.order = append(g.order, s.Worker)
	}
	// Decode every histogram before counting anything, so a bad snapshot is
	// left out whole; decode once (sparse) and add to all three totals.
	d, err := measure.DecodeHistograms(s)
	if err != nil {
		g.emitEvent(measure.Event{Time: time.Now(), Kind: "bad_snapshot", Worker: s.Worker, Detail: err.Error()})
		return
	}
	interval.AddDecoded(d)
	w.Interval.AddDecoded(d)
	w.Cumulative.AddDecoded(d)
	w.Gauges = s.Gauges
	w.AgentsConnectedPeak = max(w.AgentsConnectedPeak, s.Gauges[measure.AgentsConnected.String()])
	w.LastSnapshot = s.End
	for _, sink := range g.sinks {
		sink.Snapshot(s)
	}
}

// setPhase changes the phase shown from the next interval on.
func (g *aggregator) setPhase(ctx context.Context, phase string) {
	g.phase.Store(phase)
	if ctx.Err() == nil || phase == "drain" || phase == "done" {
		g.event("phase", "", phase)
	}
}
