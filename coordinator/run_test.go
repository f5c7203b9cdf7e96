package coordinator

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/mqherd/mqherd/internal/measure"
)

// The Run tests use the real aggregation loop (whole seconds + 250 ms) on
// synctest's fake clock: the same code path, in milliseconds, every time.

var allPhases = []string{"Start", "Connect", "Dispatch", "Drain", "Stop"}

// phasesOf lists the details of the "phase" events, in order.
func phasesOf(events []measure.Event) []string {
	var out []string
	for _, e := range eventsOf(events, "phase") {
		out = append(out, e.Detail)
	}
	return out
}

// checkNothingLost compares the final cumulative totals with what the fakes
// recorded: every snapshot counted once, the last one from Stop included.
func checkNothingLost(t *testing.T, final *measure.Aggregate, workers ...*fakeWorker) {
	t.Helper()
	for c := range measure.NumCounters {
		var want int64
		for _, w := range workers {
			want += w.rec.CounterValue(c)
		}
		if got := final.Cumulative.Counter(c); got != want {
			t.Errorf("final %s = %d, the workers recorded %d", c, got, want)
		}
	}
	for _, m := range measure.Metrics() {
		var want int64
		for _, w := range workers {
			want += int64(w.samples[m])
		}
		if got := final.Cumulative.Percentiles(m).Count; got != want {
			t.Errorf("final %s samples = %d, the workers recorded %d", m, got, want)
		}
	}
	var errs int64
	for _, w := range workers {
		errs += w.errs
	}
	if got := final.Cumulative.ErrorsTotal(); got != errs {
		t.Errorf("final errors = %d, the workers recorded %d", got, errs)
	}
	if final.Dropped != 0 {
		t.Errorf("%d snapshots dropped", final.Dropped)
	}
}

func TestRunDrivesPhasesAndCountsEverySnapshotOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sink := &recordingSink{}
		w0, w1 := newFakeWorker("w0", 10, 7), newFakeWorker("w1", 15, 12)
		w0.lost, w1.lost = 1, 2
		// Dispatch lasts until the coordinator has closed an interval in which
		// every agent was connected, so the run spans at least one periodic
		// tick as well as the final one.
		allConnected := func() bool {
			for _, iv := range sink.Intervals() {
				if iv.phase == "run" && iv.gauges[measure.AgentsConnected.String()] == 19 {
					return true
				}
			}
			return false
		}
		for _, w := range []*fakeWorker{w0, w1} {
			w.dispatch = func(context.Context) error {
				return waitUntil(5*time.Second, "an interval with all 19 agents connected", allConnected)
			}
		}

		final, err := Run(t.Context(), Config{Agents: 19}, []Worker{w0, w1}, sink)
		if err != nil {
			t.Fatalf("Run: %v", err)
		}

		for _, w := range []*fakeWorker{w0, w1} {
			if got := w.Calls(); !slices.Equal(got, allPhases) {
				t.Errorf("%s: calls %v, want %v", w.name, got, allPhases)
			}
			if w.dispErr != nil {
				t.Fatalf("%s: %v", w.name, w.dispErr)
			}
		}
		checkNothingLost(t, final, w0, w1)
		if got, want := sink.snapshots, w0.emitted+w1.emitted; got != want {
			t.Errorf("sinks got %d snapshots, the workers emitted %d", got, want)
		}

		// Each snapshot lands in exactly one interval.
		ivs := sink.Intervals()
		if len(ivs) < 2 {
			t.Fatalf("%d intervals, want a periodic one and the final one", len(ivs))
		}
		var sent, delivered int64
		for _, iv := range ivs {
			sent += iv.counters[measure.MessagesSent.String()]
			delivered += iv.delivery
		}
		if want := final.Cumulative.Counter(measure.MessagesSent); sent != want {
			t.Errorf("intervals sum to %d messages sent, cumulative says %d", sent, want)
		}
		if want := final.Cumulative.Percentiles(measure.JobDelivery).Count; delivered != want {
			t.Errorf("intervals sum to %d delivery samples, cumulative says %d", delivered, want)
		}
		if last := ivs[len(ivs)-1].agg; last.Row.Second != final.Row.Second {
			t.Errorf("the last interval handed to the sinks is second %d, the final aggregate's is %d", last.Row.Second, final.Row.Second)
		}

		// Gauges are each worker's latest reading, summed: all assigned, none
		// connected after Stop; the peak remembers the 19.
		for name, tot := range map[string]*measure.Totals{"interval": final.Interval, "cumulative": final.Cumulative} {
			if got := tot.Gauge(measure.AgentsAssigned); got != 25 {
				t.Errorf("final %s agents_assigned = %d, want 10+15", name, got)
			}
			if got := tot.Gauge(measure.AgentsConnected); got != 0 {
				t.Errorf("final %s agents_connected = %d, want 0 after Stop", name, got)
			}
		}
		if final.AgentsConnectedPeak != 19 {
			t.Errorf("peak %d, want 19", final.AgentsConnectedPeak)
		}
		if final.Row.Phase != measure.PhaseDone {
			t.Errorf("final phase %q, want done", final.Row.Phase)
		}
		if len(sink.closes) != 1 || sink.closes[0] != final {
			t.Errorf("Close called %d times (want once, with the final aggregate)", len(sink.closes))
		}

		events := sink.Events()
		var joined []string
		for _, e := range eventsOf(events, "worker_joined") {
			joined = append(joined, e.Worker)
		}
		if slices.Sort(joined); !slices.Equal(joined, []string{"w0", "w1"}) {
			t.Errorf("worker_joined for %v, want w0 and w1", joined)
		}
		if got, want := phasesOf(events), []string{"ramp", "run", "drain", "done"}; !slices.Equal(got, want) {
			t.Errorf("phases %v, want %v", got, want)
		}
		if e := eventsOf(events, "ramp_complete"); len(e) != 1 || !strings.Contains(e[0].Detail, "19 agents") {
			t.Errorf("ramp_complete events %v, want one naming 19 agents", e)
		}
		if e := eventsOf(events, "drain_lost"); len(e) != 1 || !strings.HasPrefix(e[0].Detail, "3 jobs") {
			t.Errorf("drain_lost events %v, want one naming 3 jobs", e)
		}
		for _, kind := range []measure.EventKind{measure.EventAborted, measure.EventRampIncomplete, measure.EventBadSnapshot} {
			if e := eventsOf(events, kind); len(e) != 0 {
				t.Errorf("unexpected %s events %v", kind, e)
			}
		}
	})
}

// runAsync starts Run and returns a function that waits for it to return,
// failing the test if it hangs.
func runAsync(t *testing.T, ctx context.Context, cfg Config, sink Sink, workers ...*fakeWorker) func(within time.Duration) *measure.Aggregate {
	ws := make([]Worker, len(workers))
	for i, w := range workers {
		ws[i] = w
	}
	done := make(chan *measure.Aggregate, 1)
	go func() {
		final, err := Run(ctx, cfg, ws, sink)
		if err != nil {
			t.Errorf("Run: %v", err)
		}
		done <- final
	}()
	return func(within time.Duration) *measure.Aggregate {
		t.Helper()
		select {
		case final := <-done:
			return final
		case <-time.After(within):
			t.Fatalf("Run did not return within %s of the abort", within)
			return nil
		}
	}
}

// allCalled reports whether every worker has entered phase.
func allCalled(phase string, workers ...*fakeWorker) func() bool {
	return func() bool {
		for _, w := range workers {
			if !slices.Contains(w.Calls(), phase) {
				return false
			}
		}
		return true
	}
}

// The first Ctrl-C during the run: every worker still drains (with a
// bounded, live context) and stops, the sinks get the final aggregate with
// Stop's last snapshot in it, and Run returns even if a worker's drain
// would wait forever.
func TestRunAbortDuringDispatchDrainsStopsAndCloses(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		sink := &recordingSink{}
		w0, w1 := newFakeWorker("w0", 5, 5), newFakeWorker("w1", 5, 5)
		for _, w := range []*fakeWorker{w0, w1} {
			w.dispatch = func(ctx context.Context) error { <-ctx.Done(); return nil }
		}
		w1.onDrain = func(ctx context.Context) { <-ctx.Done() } // a drain that never ends by itself
		const grace = 3 * time.Second
		wait := runAsync(t, ctx, Config{Agents: 10, DrainGrace: grace}, sink, w0, w1)

		if err := waitUntil(5*time.Second, "both workers in Dispatch", allCalled("Dispatch", w0, w1)); err != nil {
			t.Fatal(err)
		}
		abortedAt := time.Now()
		cancel()
		final := wait(2 * grace)

		if took := time.Since(abortedAt); took > grace+time.Second {
			t.Errorf("Run took %s after the abort, the drain grace is %s", took, grace)
		}
		for _, w := range []*fakeWorker{w0, w1} {
			if got := w.Calls(); !slices.Equal(got, allPhases) {
				t.Errorf("%s: calls %v, want %v", w.name, got, allPhases)
			}
			if w.drainErr != nil || !w.drainBounded || w.drainDeadline.After(abortedAt.Add(grace)) {
				t.Errorf("%s: drain context err=%v deadline=%v bounded=%v, want live and bounded by the %s grace",
					w.name, w.drainErr, w.drainDeadline, w.drainBounded, grace)
			}
		}
		checkNothingLost(t, final, w0, w1)
		if len(sink.closes) != 1 || sink.closes[0] != final {
			t.Errorf("Close called %d times (want once, with the final aggregate)", len(sink.closes))
		}
		events := sink.Events()
		if e := eventsOf(events, "aborted"); len(e) != 1 {
			t.Errorf("aborted events %v, want one", e)
		}
		if got, want := phasesOf(events), []string{"ramp", "run", "drain", "done"}; !slices.Equal(got, want) {
			t.Errorf("phases %v, want %v", got, want)
		}
	})
}

// Ctrl-C during the ramp skips the run but still drains and stops.
func TestRunAbortDuringRampSkipsDispatch(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		sink := &recordingSink{}
		w0, w1 := newFakeWorker("w0", 10, 4), newFakeWorker("w1", 10, 6)
		for _, w := range []*fakeWorker{w0, w1} {
			w.onConnect = func(ctx context.Context) { <-ctx.Done() }
		}
		wait := runAsync(t, ctx, Config{Agents: 20}, sink, w0, w1)
		if err := waitUntil(5*time.Second, "both workers in Connect", allCalled("Connect", w0, w1)); err != nil {
			t.Fatal(err)
		}
		cancel()
		final := wait(30 * time.Second)

		want := []string{"Start", "Connect", "Drain", "Stop"}
		for _, w := range []*fakeWorker{w0, w1} {
			if got := w.Calls(); !slices.Equal(got, want) {
				t.Errorf("%s: calls %v, want %v", w.name, got, want)
			}
		}
		checkNothingLost(t, final, w0, w1)
		events := sink.Events()
		if got, want := phasesOf(events), []string{"ramp", "drain", "done"}; !slices.Equal(got, want) {
			t.Errorf("phases %v, want %v", got, want)
		}
		if len(eventsOf(events, "aborted")) != 1 || len(eventsOf(events, "ramp_incomplete")) != 1 {
			t.Errorf("events %v, want one ramp_incomplete and one aborted", events)
		}
		if len(sink.closes) != 1 {
			t.Errorf("Close called %d times, want once", len(sink.closes))
		}
	})
}

func TestRunReportsWhetherTheRampCompleted(t *testing.T) {
	cases := []struct {
		name   string
		agents int // Config.Agents; the workers connect 3 + 4
		kind   measure.EventKind
		detail string
	}{
		{"short of the fleet", 10, "ramp_incomplete", "7 of 10 agents connected"},
		{"whole fleet", 7, "ramp_complete", "7 agents connected"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				sink := &recordingSink{}
				w0, w1 := newFakeWorker("w0", 5, 3), newFakeWorker("w1", 5, 4)
				if _, err := Run(t.Context(), Config{Agents: c.agents}, []Worker{w0, w1}, sink); err != nil {
					t.Fatal(err)
				}
				events := sink.Events()
				got := eventsOf(events, c.kind)
				if len(got) != 1 || !strings.Contains(got[0].Detail, c.detail) {
					t.Errorf("%s events %v, want one saying %q", c.kind, got, c.detail)
				}
				if n := len(eventsOf(events, "ramp_incomplete")) + len(eventsOf(events, "ramp_complete")); n != 1 {
					t.Errorf("%d ramp_complete/ramp_incomplete events, want 1", n)
				}
			})
		})
	}
}

// A worker that cannot start (its print service refused, say) says why in
// the events, instead of only showing as agents missing from the ramp.
func TestRunReportsWhyAWorkerFailedToConnect(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sink := &recordingSink{}
		w0 := newFakeWorker("w0", 5, 0)
		w0.connErr = errors.New("print service service-w0-0 could not connect")
		if _, err := Run(t.Context(), Config{Agents: 5}, []Worker{w0}, sink); err != nil {
			t.Fatal(err)
		}
		got := eventsOf(sink.Events(), "worker_error")
		if len(got) != 1 || got[0].Worker != "w0" || !strings.Contains(got[0].Detail, "could not connect") {
			t.Errorf("worker_error events %v, want one from w0 with the reason", got)
		}
	})
}
