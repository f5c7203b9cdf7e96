package dashboard

import (
	"bytes"
	"io"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mqherd/mqherd/internal/await"
	"github.com/mqherd/mqherd/internal/measure"
)

// aggregate is one second with 150 agents connected, a job_delivery
// histogram, an error, and one worker.
func aggregate(second int) *measure.Aggregate {
	in := measure.NewTotals()
	in.Gauges[measure.AgentsConnected.String()] = 150
	in.Counters[measure.MessagesSent.String()] = 40
	in.Errors["connection_lost"] = 2
	cum := measure.NewTotals()
	cum.Counters[measure.JobsDispatched.String()] = 500
	cum.Errors["connection_lost"] = 7
	h := measure.NewHistogram()
	for v := int64(1000); v <= 100000; v += 1000 { // 1..100 ms
		_ = h.RecordValue(v)
	}
	cum.Histograms[measure.JobDelivery] = h
	w := &measure.WorkerView{Name: "w0", State: measure.WorkerRunning, Gauges: map[string]int64{measure.AgentsConnected.String(): 150},
		Interval: measure.NewTotals(), Cumulative: measure.NewTotals(), LastSnapshot: t0}
	row := &measure.Second{Second: second, Phase: measure.PhaseRun, AgentsConnected: 150,
		Counters: map[string]int64{measure.MessagesSent.String(): 40}, Errors: map[string]int64{"connection_lost": 2}}
	return &measure.Aggregate{Row: row, Time: t0.Add(time.Second), Interval: in, Cumulative: cum,
		Workers: []*measure.WorkerView{w}}
}

// The aggregate's cumulative totals and worker views change in place every
// second: a frame already handed to the UI must not change with them.
func TestIntervalCopiesTheAggregate(t *testing.T) {
	s := New(Config{Agents: 200, Queue: 4})
	a := aggregate(1)
	s.Interval(a)
	a.Cumulative.Counters[measure.JobsDispatched.String()] = 9999
	a.Cumulative.Errors["connection_lost"] = 99
	a.Cumulative.Errors["tls_handshake"] = 5
	_ = a.Cumulative.Histograms[measure.JobDelivery].RecordValue(50_000_000)
	a.Workers[0].State, a.Workers[0].Gauges[measure.AgentsConnected.String()] = measure.WorkerLost, 0
	a.Interval.Reset()
	*a.Row = measure.Second{}
	f := (<-s.queue).(Frame)
	if f.JobsDispatched != 500 || f.ErrorsTotal != 7 || f.Connected != 150 || f.Sent != 40 {
		t.Errorf("frame changed with the aggregate: dispatched %d errors %d connected %d sent %d", f.JobsDispatched, f.ErrorsTotal, f.Connected, f.Sent)
	}
	if len(f.Errors) != 1 || f.Errors[0] != (ErrorCount{Kind: "connection_lost", Interval: 2, Total: 7}) {
		t.Errorf("errors by kind: %+v", f.Errors)
	}
	if p := f.Latency[measure.JobDelivery].Run; p.Count != 100 || p.Max > 101 {
		t.Errorf("run latency changed with the histogram: %+v", p)
	}
	if w := f.Workers[0]; w.State != "running" || w.Connected != 150 || w.SnapshotAge != time.Second {
		t.Errorf("worker row changed with the view: %+v", w)
	}
}

// A UI that takes nothing never holds up the aggregation goroutine: sends
// beyond the queue are dropped and counted.
func TestFullQueueNeverBlocks(t *testing.T) {
	s := New(Config{Agents: 200, Queue: 2})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 1000 {
			s.Interval(aggregate(i + 1))
			s.Event(measure.Event{Time: t0, Kind: "phase", Detail: "run"})
		}
		_ = s.Close(aggregate(1001))
	}()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("Interval blocked on a full UI queue")
	}
	if got := s.Dropped(); got != 2001-2 {
		t.Errorf("dropped %d, want %d", got, 2001-2)
	}
}

// The connect rate is the change of agents connected; phase time counts
// from the phase's event.
func TestFrameRatesAndPhaseTime(t *testing.T) {
	s := New(Config{Agents: 200, Queue: 8, Wall: time.Minute})
	s.Event(measure.Event{Time: t0.Add(-10 * time.Second), Kind: "phase", Detail: "run"})
	<-s.queue
	a := aggregate(1)
	s.Interval(a)
	a.Row.AgentsConnected = 190
	a.Time = a.Time.Add(time.Second)
	s.Interval(a)
	first, second := (<-s.queue).(Frame), (<-s.queue).(Frame)
	if first.ConnectRate != 150 || second.ConnectRate != 40 {
		t.Errorf("connect rates %d, %d; want 150, 40", first.ConnectRate, second.ConnectRate)
	}
	if second.PhaseElapsed != 12*time.Second || second.Elapsed != 2*time.Second || second.Wall != time.Minute {
		t.Errorf("phase elapsed %s, elapsed %s, wall %s", second.PhaseElapsed, second.Elapsed, second.Wall)
	}
}

// The sink runs the real program: a frame shows, q calls Stop, the second
// q quits and calls ExitNow once the terminal is given back; log lines
// written meanwhile reach the event log and are printed afterwards.
func TestSinkRunsTheProgram(t *testing.T) {
	in, keys := io.Pipe()
	var out lockedBuffer
	var stops, exits atomic.Int32
	s := New(Config{Agents: 200, Output: &out, Input: in, Stop: func() { stops.Add(1) }, ExitNow: func() { exits.Add(1) }})
	var fallback bytes.Buffer
	log := s.LogWriter(&fallback)
	_, _ = log.Write([]byte("before\n"))
	s.Start()
	_, _ = log.Write([]byte("membership changed\n"))
	s.Interval(aggregate(1))
	eventually(t, func() bool {
		return strings.Contains(out.String(), "150/200") && strings.Contains(out.String(), "membership changed")
	})
	_, _ = keys.Write([]byte("q"))
	eventually(t, func() bool { return stops.Load() == 1 })
	_, _ = keys.Write([]byte("q"))
	eventually(t, func() bool { return exits.Load() == 1 })
	if err := s.Wait(5*time.Second, &fallback); err != nil {
		t.Fatal(err)
	}
	if got := fallback.String(); got != "before\nmembership changed\n" {
		t.Errorf("log lines: %q", got)
	}
	_ = keys.Close()
}

// A run that ends closes the dashboard without a key.
func TestSinkCloseEndsTheProgram(t *testing.T) {
	in, keys := io.Pipe()
	defer keys.Close()
	var out lockedBuffer
	s := New(Config{Agents: 200, Output: &out, Input: in})
	s.Start()
	_ = s.Close(aggregate(1))
	start := time.Now()
	if err := s.Wait(5*time.Second, io.Discard); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("the dashboard took %s to quit after Close", took)
	}
	select {
	case <-s.done:
	default:
		t.Error("the program is still running after Wait")
	}
}

func eventually(t *testing.T, cond func() bool) {
	t.Helper()
	await.Until(t, 5*time.Second, "the condition", cond)
}
