package coordinator

import (
	"context"
	"maps"
	"sync"
	"time"

	"github.com/mqherd/mqherd/internal/await"
	"github.com/mqherd/mqherd/internal/measure"
)

// fakeWorker is a hand-written Worker. From Start until Stop it records a
// fixed amount of work into a real measure.Recorder every 100 ms and emits
// the swapped snapshot; Stop disconnects its agents, records the DISCONNECT
// packets and emits a last snapshot. It remembers which phase methods were
// called, in order, and what it recorded, so a test can compare the
// coordinator's totals with the truth.
type fakeWorker struct {
	name      string
	assigned  int                             // agents_assigned gauge, set in Connect
	connected int                             // what Connect reports (and the gauge)
	lost      int                             // what Drain declares lost
	onConnect func(ctx context.Context)       // runs inside Connect; nil returns at once
	connErr   error                           // what Connect returns
	onDrain   func(ctx context.Context)       // runs inside Drain
	dispatch  func(ctx context.Context) error // runs inside Dispatch; nil returns at once
	rec       *measure.Recorder
	emit      func(*measure.Snapshot)
	stopping  chan struct{}
	stopped   chan struct{}
	stopOnce  sync.Once

	mu      sync.Mutex
	calls   []string
	emitted int                     // snapshots handed to emit
	samples [measure.NumMetrics]int // latency samples recorded
	errs    int64                   // errors recorded
	// Drain's context as it was when Drain was called.
	drainErr      error
	drainDeadline time.Time
	drainBounded  bool
	dispErr       error // what dispatch returned
}

var _ Worker = (*fakeWorker)(nil)

func newFakeWorker(name string, assigned, connected int) *fakeWorker {
	return &fakeWorker{
		name: name, assigned: assigned, connected: connected,
		rec:      measure.NewRecorder(name, time.Now()),
		stopping: make(chan struct{}), stopped: make(chan struct{}),
	}
}

func (f *fakeWorker) Name() string { return f.name }

func (f *fakeWorker) called(phase string) {
	f.mu.Lock()
	f.calls = append(f.calls, phase)
	f.mu.Unlock()
}

func (f *fakeWorker) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

func (f *fakeWorker) Start(emit func(*measure.Snapshot)) {
	f.called("Start")
	f.emit = emit
	go f.loop()
}

// loop is the worker's snapshot goroutine; Stop waits for it.
func (f *fakeWorker) loop() {
	defer close(f.stopped)
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for i := 0; ; i++ {
		select {
		case <-f.stopping:
			return
		case <-t.C:
			f.work(i)
			f.swapAndEmit()
		}
	}
}

// work is 100 ms of a worker's life: jobs, messages, latencies, an error now
// and then.
func (f *fakeWorker) work(i int) {
	f.rec.Count(measure.JobsDispatched, 3)
	f.rec.Count(measure.JobsCompleted, 2)
	f.rec.Count(measure.MessagesSent, 5)
	f.rec.Count(measure.MessagesReceived, 4)
	f.mu.Lock()
	defer f.mu.Unlock()
	for k := range 3 {
		f.rec.Latency(measure.JobDelivery, k, time.Duration(1000+100*k+i)*time.Microsecond)
		f.samples[measure.JobDelivery]++
	}
	f.rec.Latency(measure.StatusDelivery, i, time.Duration(2000+i)*time.Microsecond)
	f.samples[measure.StatusDelivery]++
	if i%4 == 0 {
		f.rec.Error(measure.PublishTimeout, 0)
		f.errs++
	}
}

func (f *fakeWorker) swapAndEmit() {
	s, err := f.rec.Swap(time.Now())
	if err != nil {
		panic(err) // a real recorder only fails on encode; never in these tests
	}
	f.mu.Lock()
	f.emitted++
	f.mu.Unlock()
	f.emit(s)
}

func (f *fakeWorker) Connect(ctx context.Context) (int, error) {
	f.called("Connect")
	f.rec.Gauge(measure.AgentsAssigned, int64(f.assigned))
	if f.onConnect != nil {
		f.onConnect(ctx)
	}
	f.rec.Gauge(measure.AgentsConnected, int64(f.connected))
	f.rec.Count(measure.Connects, int64(f.connected))
	f.rec.Latency(measure.Connect, 0, 40*time.Millisecond)
	f.mu.Lock()
	f.samples[measure.Connect]++
	f.mu.Unlock()
	return f.connected, f.connErr
}

func (f *fakeWorker) Dispatch(ctx context.Context, _ time.Time) {
	f.called("Dispatch")
	if f.dispatch != nil {
		err := f.dispatch(ctx)
		f.mu.Lock()
		f.dispErr = err
		f.mu.Unlock()
	}
}

func (f *fakeWorker) Drain(ctx context.Context) int {
	f.called("Drain")
	dl, has := ctx.Deadline()
	f.mu.Lock()
	f.drainErr, f.drainDeadline, f.drainBounded = ctx.Err(), dl, has
	f.mu.Unlock()
	if f.onDrain != nil {
		f.onDrain(ctx)
	}
	f.rec.Count(measure.Lost, int64(f.lost))
	return f.lost
}

// Stop disconnects every agent (one DISCONNECT packet each), stops the
// snapshot goroutine and emits the last snapshot, which holds everything
// recorded since the previous one.
func (f *fakeWorker) Stop() {
	f.called("Stop")
	f.stopOnce.Do(func() {
		close(f.stopping)
		<-f.stopped
		f.rec.Count(measure.MessagesSent, f.rec.GaugeValue(measure.AgentsConnected))
		f.rec.Gauge(measure.AgentsConnected, -f.rec.GaugeValue(measure.AgentsConnected))
		f.swapAndEmit()
	})
}

// recordingSink is a hand-written Sink that keeps what it was given. The
// aggregator reuses its Totals between intervals, so each interval's values
// are copied when they arrive.
type recordingSink struct {
	mu        sync.Mutex
	snapshots int
	events    []measure.Event
	intervals []seenInterval
	closes    []*measure.Aggregate
}

// seenInterval is an Interval call as the sink saw it at the time.
type seenInterval struct {
	agg      *measure.Aggregate
	second   int
	phase    measure.Phase
	counters map[string]int64 // the interval's counters
	gauges   map[string]int64 // the interval's gauges
	delivery int64            // job_delivery samples in the interval
}

var _ Sink = (*recordingSink)(nil)

func (s *recordingSink) Snapshot(*measure.Snapshot) {
	s.mu.Lock()
	s.snapshots++
	s.mu.Unlock()
}

func (s *recordingSink) Event(e measure.Event) {
	s.mu.Lock()
	s.events = append(s.events, e)
	s.mu.Unlock()
}

func (s *recordingSink) Interval(a *measure.Aggregate) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.intervals = append(s.intervals, seenInterval{
		agg: a, second: a.Row.Second, phase: a.Row.Phase,
		counters: maps.Clone(a.Interval.Counters), gauges: maps.Clone(a.Interval.Gauges),
		delivery: a.Interval.Percentiles(measure.JobDelivery).Count,
	})
}

func (s *recordingSink) Close(final *measure.Aggregate) error {
	s.mu.Lock()
	s.closes = append(s.closes, final)
	s.mu.Unlock()
	return nil
}

func (s *recordingSink) Events() []measure.Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]measure.Event(nil), s.events...)
}

func (s *recordingSink) Intervals() []seenInterval {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]seenInterval(nil), s.intervals...)
}

// eventsOf returns the events of one kind, in order.
func eventsOf(events []measure.Event, kind measure.EventKind) []measure.Event {
	var out []measure.Event
	for _, e := range events {
		if e.Kind == kind {
			out = append(out, e)
		}
	}
	return out
}

// waitUntil polls cond until it holds or the deadline passes. It returns an
// error rather than failing the test, so that a fake worker's method (not
// the test goroutine) can use it.
func waitUntil(within time.Duration, what string, cond func() bool) error {
	return await.Within(within, what, cond)
}
