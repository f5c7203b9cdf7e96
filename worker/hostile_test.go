package worker

import (
	"context"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/mqherd/mqherd/infra/pki"
	"github.com/mqherd/mqherd/internal/hostile"
	"github.com/mqherd/mqherd/internal/measure"
	"github.com/mqherd/mqherd/internal/wire"
	"github.com/mqherd/mqherd/scenarios"
)

// hostileWorker starts a hostile broker in mode and a worker of agents
// agents (two print-service clients) aimed at it, with its own PKI.
func hostileWorker(t *testing.T, mode hostile.Mode, sc *scenarios.Scenario, packetTimeout time.Duration) (*Worker, *hostile.Broker, *collector) {
	t.Helper()
	a, tlsCfg := testAuthority(t, "127.0.0.1")
	b, err := hostile.Start(hostile.Config{Mode: mode, TLS: tlsCfg, IsService: pki.IsService})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	w, err := New(Config{Name: "w0", RunID: "hostile", Target: b.Addr(), Scenario: sc,
		Agents: wire.Range{First: 0, Count: sc.Agents}, Identities: pki.NewFleet(a, 0),
		PacketTimeout: packetTimeout, SnapshotInterval: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop) // before the broker closes: cleanups run last first
	c := newCollector()
	w.Start(c.emit)
	return w, b, c
}

// heapWatch samples the Go heap in use every 10 ms from its start; peak
// returns the largest growth seen over the level at the start.
type heapWatch struct {
	base uint64
	stop chan struct{}
	done sync.WaitGroup
	max  uint64 // written by the sampler until stop
}

func watchHeap() *heapWatch {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	h := &heapWatch{base: m.HeapInuse, max: m.HeapInuse, stop: make(chan struct{})}
	h.done.Add(1)
	go func() {
		defer h.done.Done()
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-h.stop:
				return
			case <-t.C:
			}
			runtime.ReadMemStats(&m)
			h.max = max(h.max, m.HeapInuse)
		}
	}()
	return h
}

func (h *heapWatch) peak() uint64 {
	close(h.stop)
	h.done.Wait()
	return h.max - h.base
}

// A broker that declares lengths no client should trust (256 MiB, a
// five-byte length field, a length field that never ends, a PUBLISH of
// 256 MiB after a good CONNACK) or sends a CONNACK that does not decode
// costs 20 agents and 2 print-service clients almost no memory: each
// connection is closed before the client reserves the declared length,
// and counted as protocol_error with the reason code, nothing else.
// Before the packet limit, the first of these took 1.3 GB per connection.
func TestHostileLengthsEndTheConnectionAsProtocolErrors(t *testing.T) {
	cases := []struct {
		mode hostile.Mode
		want string
	}{
		{hostile.HugeConnack, "protocol_error/0x95"},
		{hostile.FiveByteLength, "protocol_error/0x81"},
		{hostile.EndlessLength, "protocol_error/0x81"},
		{hostile.HugePublish, "protocol_error/0x95"},
		{hostile.MalformedConnack, "protocol_error/0x81"},
	}
	for _, c := range cases {
		t.Run(c.mode.String(), func(t *testing.T) {
			sc := testScenario(t, 20, 600)
			heap := watchHeap()
			w, _, col := hostileWorker(t, c.mode, sc, 10*time.Second)
			start := time.Now()
			stop := connectInBackground(w)
			eventually(t, 30*time.Second, "an attempt of every session counted", func() bool { return col.errors()[c.want] >= 22 })
			took := time.Since(start)
			stop()
			w.Stop()
			grew := heap.peak()
			errs := col.errors()
			t.Logf("%s: heap grew %.1f MB at most; %s to see 22 attempts; errors %v", c.mode, float64(grew)/(1<<20), took.Round(time.Millisecond), errs)
			if grew > 100<<20 {
				t.Errorf("heap grew %d MB with 22 connections, want < 100 MB", grew>>20)
			}
			if errs[c.want] < 22 || len(errs) != 1 {
				t.Errorf("errors %v: want only %s, at least once per connection (22)", errs, c.want)
			}
			if up := col.counter(measure.Connects); c.mode != hostile.HugePublish && up != 0 {
				t.Errorf("%d connects counted against a broker that never sent a usable CONNACK", up)
			}
		})
	}
}

// A broker that never answers SUBSCRIBE: each agent's and service's
// subscription times out and is counted as subscribe_timeout, not as a
// refusal the broker never made.
func TestSubackTimeoutIsItsOwnKind(t *testing.T) {
	sc := testScenario(t, 3, 600)
	w, _, col := hostileWorker(t, hostile.SilentSubscribe, sc, 2*time.Second)
	stop := connectInBackground(w)
	eventually(t, 30*time.Second, "a SUBACK timeout of every session", func() bool { return col.errors()["subscribe_timeout"] >= 5 })
	stop()
	w.Stop()
	if errs := col.errors(); errs["subscribe_refused"] != 0 {
		t.Errorf("errors %v: a SUBACK that never came counted as a refusal", errs)
	}
}

// connectInBackground runs w.Connect until the returned func cancels it
// (and waits for it to return).
func connectInBackground(w *Worker) func() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _, _ = w.Connect(ctx) }()
	return func() { cancel(); <-done }
}

// Each print-service client refused once (CONNACK 0x87), the next attempt
// would succeed: the agents connect all the same, the service retries with
// back-off, and the jobs that fall due before it is up go out once it is
// (late; see TestJobsDueWhileThePrintServiceIsDownGoOutInOrder): every job
// completes. Before, the worker never dialled its agents (0 of 20
// connected, every job lost).
func TestPrintServiceRefusedOnceStillRunsTheShare(t *testing.T) {
	sc := testScenario(t, 20, 600)
	w, b, col := hostileWorker(t, hostile.RefuseServiceOnce, sc, 10*time.Second)
	n, err := w.Connect(context.Background())
	if n != 20 {
		t.Fatalf("%d of 20 agents connected (%v)", n, err)
	}
	t.Logf("connect: %d agents; %v", n, err)
	w.Dispatch(context.Background(), time.Now())
	w.Drain(context.Background())
	w.Stop()
	dispatched, completed := col.counter(measure.JobsDispatched), col.counter(measure.JobsCompleted)
	errs := col.errors()
	t.Logf("dispatched %d completed %d; errors %v; broker %+v", dispatched, completed, errs, b.Stats())
	if dispatched == 0 || completed != dispatched {
		t.Errorf("completed %d of %d jobs: want every one", completed, dispatched)
	}
	if errs["connect_refused/0x87"] != 2 {
		t.Errorf("errors %v: want connect_refused/0x87 once per service client (2)", errs)
	}
	delete(errs, "connect_refused/0x87")
	delete(errs, "late_dispatch")
	if len(errs) != 0 {
		t.Errorf("other errors %v", errs)
	}
}

// A broker that delivers publishes but never acknowledges one: the
// dispatch lasts its scheduled length, not the packet timeout once per job
// of each agent (a 60 s run phase took 396 s), and every publish is
// counted as publish_timeout once its timeout passes. Jobs still complete:
// the broker delivers them.
func TestNeverAcknowledgedPublishesDoNotStretchTheDispatch(t *testing.T) {
	sc := testScenario(t, 20, 900) // 4 s of dispatch
	const packetTimeout = 5 * time.Second
	w, _, col := hostileWorker(t, hostile.NeverAck, sc, packetTimeout)
	if n, err := w.Connect(context.Background()); n != 20 {
		t.Fatalf("%d of 20 agents connected (%v)", n, err)
	}
	start := time.Now()
	w.Dispatch(context.Background(), start)
	took := time.Since(start)
	// Before, Dispatch waited for the last job's PUBACK: >= schedule + 5 s.
	if limit := sc.WallDuration() + packetTimeout/2; took > limit {
		t.Errorf("dispatch of a %s schedule took %s, want <= %s", sc.WallDuration(), took, limit)
	}
	w.Drain(context.Background())
	eventually(t, 2*packetTimeout, "every publish counted as publish_timeout", func() bool {
		return col.errors()["publish_timeout"] == col.counter(measure.MessagesSent)
	})
	w.Stop()
	sent, dispatched, completed := col.counter(measure.MessagesSent), col.counter(measure.JobsDispatched), col.counter(measure.JobsCompleted)
	t.Logf("dispatch %s for a %s schedule; %d messages sent, %d jobs dispatched, %d completed; errors %v",
		took.Round(time.Millisecond), sc.WallDuration(), sent, dispatched, completed, col.errors())
	if dispatched == 0 || completed != dispatched || sent != 2*dispatched {
		t.Errorf("dispatched %d completed %d sent %d: want every job and status through", dispatched, completed, sent)
	}
	errs := col.errors()
	delete(errs, "publish_timeout")
	delete(errs, "late_dispatch")
	if len(errs) != 0 {
		t.Errorf("errors beyond publish_timeout: %v", errs)
	}
}

// Jobs that fall due while their print-service client is down wait for it
// and go out when it is back, late and counted so, in order: none is
// declared failed for want of a connection, none overtakes an earlier job
// of its agent.
func TestJobsDueWhileThePrintServiceIsDownGoOutInOrder(t *testing.T) {
	f := newFixture(t)
	sc := testScenario(t, 2, 600)
	sc.Run.LateDispatch = 100 * time.Millisecond // the service is down >= 0.5 s (its first retry's back-off)
	c := newCollector()
	w := f.worker(t, "w0", "run-park", sc, wire.Range{First: 0, Count: 2})
	w.Start(c.emit)
	connectAll(t, w, 2)
	svc := w.services[0] // serves agent 0
	svc.current().terminate()
	eventually(t, 5*time.Second, "the print service never noticed its connection dropped", func() bool { return svc.current() == nil })
	for seq := uint32(1); seq <= 3; seq++ {
		a := scenarios.Arrival{Agent: 0, Seq: seq, At: time.Now()}
		w.disp.register(a)
		w.disp.submit(context.Background(), a)
	}
	eventually(t, 15*time.Second, "the parked jobs never completed", func() bool { return c.counter(measure.JobsCompleted) == 3 })
	w.Stop()
	errs := c.errors()
	if errs["late_dispatch"] != 3 || errs["publish_timeout"] != 0 || c.counter(measure.OutOfOrder) != 0 {
		t.Errorf("errors %v, out of order %d: want the 3 jobs sent late, in order, none failed", errs, c.counter(measure.OutOfOrder))
	}
}

// A broker that stops in the middle of a packet holds the connection only
// for the packet timeout (here 1 s), not until keepalive gives up (90 s at
// the default 60 s): the read of a packet begun has a deadline.
func TestStalledPacketEndsTheConnectionAfterThePacketTimeout(t *testing.T) {
	sc := testScenario(t, 20, 600)
	w, _, col := hostileWorker(t, hostile.StalledPublish, sc, time.Second)
	start := time.Now()
	stop := connectInBackground(w)
	eventually(t, 10*time.Second, "every stalled connection ended", func() bool { return col.errors()["connection_lost"] >= 22 })
	t.Logf("22 stalled connections ended within %s", time.Since(start).Round(time.Millisecond))
	stop()
	w.Stop()
	errs := col.errors()
	delete(errs, "connection_lost")
	delete(errs, "subscribe_timeout") // its SUBSCRIBE, sent meanwhile, times out as the packet does
	if len(errs) != 0 {
		t.Errorf("errors %v: want connection_lost (and subscribe_timeout) only", col.errors())
	}
}
