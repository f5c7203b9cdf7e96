package worker

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/eclipse/paho.golang/packets"

	"github.com/mqherd/mqherd/infra/pki"
	"github.com/mqherd/mqherd/internal/measure"
	"github.com/mqherd/mqherd/internal/wire"
	"github.com/mqherd/mqherd/scenarios"
)

// Worker runs one share of a scenario: its agents, its print service and its
// recorder. Lifecycle: New, Start, Connect, Dispatch, Drain, Stop; the
// coordinator drives the barriers between them.
type Worker struct {
	cfg      Config
	rec      *measure.Recorder
	gate     *gate
	qos      byte
	disp     *dispatcher
	services []*service
	srcNext  atomic.Uint32
	// holding stops sessions that drop from reconnecting (see Hold).
	holding    atomic.Bool
	tls        *tls.Config // shared by every connection (see newTLSConfig)
	endpoints  *endpoints  // where sessions dial (endpoints.go)
	keepalive  keepalives
	packetBufs *sync.Pool // packetConn's gathering buffers

	mu     sync.Mutex // guards agents and dispatchStart
	agents []*agent   // grows when the worker takes over a lost worker's agents
	// dispatchStart is when the open-model schedule started (zero before
	// Dispatch); takeovers during dispatch join the same schedule.
	dispatchStart time.Time
	dispatching   sync.WaitGroup // every dispatch loop, takeovers' included

	runCtx context.Context // ends at Stop; reconnects and publishes use it
	cancel context.CancelFunc
	// unacked counts QoS 1/2 publishes neither acknowledged nor counted
	// as publish_timeout yet (outbound); Drain waits for it to reach 0.
	unacked  atomic.Int64
	wg       sync.WaitGroup // snapshot loop and sweeper
	stopOnce sync.Once
	emit     func(*measure.Snapshot, *wire.Ledger)
}

// New checks cfg and builds the worker's sessions (nothing is dialed yet).
func New(cfg Config) (*Worker, error) {
	cfg.applyDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	rate, inFlight := connectShare(cfg)
	w := &Worker{
		cfg:        cfg,
		rec:        measure.NewRecorder(cfg.Name, time.Now()),
		gate:       newGate(rate, inFlight),
		qos:        byte(cfg.Scenario.QoS),
		packetBufs: newBufferPool(),
	}
	w.tls = w.newTLSConfig()
	eps, err := newEndpoints(cfg.Target, cfg.ServerName, w.tls, cfg.Resolve)
	if err != nil {
		return nil, err
	}
	w.endpoints = eps
	w.runCtx, w.cancel = context.WithCancel(context.Background())
	w.disp = newDispatcher(w)
	for i := range cfg.Services {
		w.services = append(w.services, newService(w, w.disp, pki.ServiceID(cfg.Name, i), i))
	}
	w.disp.services = w.services
	w.addAgents(cfg.Agents)
	return w, nil
}

// connectShare is this worker's part of the fleet-wide connect rate and
// in-flight cap, in proportion to the agents it owns, so that N workers
// together never exceed what the scenario allows (a broker's listen
// backlog) nor the target's connect budget (AWS IoT's account-wide
// CONNECT limit), which caps the scenario's rate.
func connectShare(cfg Config) (float64, int) {
	run := cfg.Scenario.Run
	share := float64(cfg.Agents.Count) / float64(max(cfg.Scenario.Agents, cfg.Agents.Count))
	inFlight := int(float64(run.ConnectInFlight)*share + 0.999)
	rate := run.ConnectRate
	if b := cfg.Limits.ConnectBudget; b > 0 && b < rate {
		rate = b
	}
	return rate * share, max(1, inFlight)
}

// addAgents creates the agents of r and gives each to its print-service
// client; it returns them.
func (w *Worker) addAgents(r wire.Range) []*agent {
	added := make([]*agent, r.Count)
	perService := make([][]int, len(w.services))
	for i := range added {
		n := r.First + i
		added[i] = newAgent(w, n)
		perService[n%len(w.services)] = append(perService[n%len(w.services)], n)
	}
	for i, s := range w.services {
		s.serve(perService[i])
	}
	w.mu.Lock()
	w.agents = append(w.agents, added...)
	w.mu.Unlock()
	w.rec.Gauge(measure.AgentsAssigned, int64(r.Count))
	return added
}

// agentList returns the agents owned now.
func (w *Worker) agentList() []*agent {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.agents
}

// Hold stops (true) or resumes (false) reconnecting sessions that drop;
// connected sessions keep working. A worker cut off from its coordinator
// longer than the loss grace holds: its agents may belong to others by
// then, and reconnecting them would take their sessions over.
func (w *Worker) Hold(on bool) { w.holding.Store(on) }

// Transfer drops jobs that survivors inherited from this worker.
func (w *Worker) Transfer(jobs []wire.Job) { w.disp.transfer(jobs) }

// Name returns the worker's name.
func (w *Worker) Name() string { return w.cfg.Name }

// Sessions is how many MQTT connections the worker will hold.
func (w *Worker) Sessions() int { return len(w.agentList()) + len(w.services) }

// Start begins emitting a snapshot every interval to emit, with the ledger
// of the jobs outstanding at its End (taken together: they agree). emit
// must not block for long; it is called from one goroutine.
func (w *Worker) Start(emit func(*measure.Snapshot, *wire.Ledger)) {
	w.emit = emit
	w.wg.Add(3)
	go func() { defer w.wg.Done(); w.snapshots(w.runCtx) }()
	go func() { defer w.wg.Done(); every(w.runCtx, time.Second, w.tick) }()
	go func() { defer w.wg.Done(); w.disp.sweep(w.runCtx, 250*time.Millisecond) }()
}

func (w *Worker) snapshots(ctx context.Context) {
	// Intervals end on whole multiples of the interval (whole seconds), so
	// every worker's snapshot for second N lands in the coordinator's
	// second N, whatever the hosts' start times.
	every := w.cfg.SnapshotInterval
	next := time.Now().Truncate(every).Add(every)
	t := time.NewTimer(time.Until(next))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			w.snapshot(next)
			next = next.Add(every)
			t.Reset(time.Until(next))
		}
	}
}

func (w *Worker) snapshot(now time.Time) {
	w.rec.Gauge(measure.ConnectsInFlight, int64(w.gate.depth())-w.rec.GaugeValue(measure.ConnectsInFlight))
	w.disp.mu.Lock() // counters and ledger must agree (see dispatcher.mu)
	s, err := w.rec.Swap(now)
	var l *wire.Ledger
	if err == nil {
		l = &wire.Ledger{Worker: s.Worker, Seq: s.Seq, Jobs: w.disp.outstandingJobs()}
	}
	w.disp.mu.Unlock()
	if err == nil && w.emit != nil {
		w.emit(s, l)
	}
}

// Connect makes a first attempt for every print-service client, then ramps
// the agents through the connect gate whether or not the print service got
// through: a client that failed retries with the agents' back-off, and the
// jobs that fall due while it is down are sent once it connects (late).
// It returns when every agent is connected or the scenario's ramp timeout
// passes, with the number connected, and an error naming the print-service
// clients still down then. Sessions that failed keep retrying in the
// background.
func (w *Worker) Connect(ctx context.Context) (int, error) {
	var wg sync.WaitGroup
	for _, s := range w.services {
		wg.Add(1)
		go func() { defer wg.Done(); s.connect(w.runCtx) }() // a failure schedules the next attempt
	}
	wg.Wait()
	n := w.connectAgents(ctx, w.agentList())
	if err := ctx.Err(); err != nil {
		return n, err
	}
	return n, w.servicesDown()
}

// servicesDown names the print-service clients without a connection now.
func (w *Worker) servicesDown() error {
	var down []string
	for _, s := range w.services {
		if s.current() == nil {
			down = append(down, s.id)
		}
	}
	if len(down) == 0 {
		return nil
	}
	return fmt.Errorf("worker %s: print service %s not connected to %s at the end of the ramp (see errors by kind); retrying, its jobs are sent late once it connects",
		w.cfg.Name, strings.Join(down, ", "), w.cfg.Target)
}

// connectAgents ramps agents through the gate and waits until every agent
// of the worker is up or the ramp timeout passes; it returns how many are.
func (w *Worker) connectAgents(ctx context.Context, agents []*agent) int {
	queue := make(chan *agent)
	var wg sync.WaitGroup
	for range min(cap(w.gate.inFlight), len(agents)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for a := range queue {
				a.connect(w.runCtx)
			}
		}()
	}
	deadline := time.After(w.cfg.Scenario.Run.RampTimeout)
feed:
	for _, a := range agents {
		select {
		case queue <- a:
		case <-ctx.Done():
			break feed
		case <-deadline:
			break feed
		}
	}
	close(queue)
	wg.Wait()
	return w.waitConnected(ctx, deadline)
}

func (w *Worker) waitConnected(ctx context.Context, deadline <-chan time.Time) int {
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for {
		up := int(w.rec.GaugeValue(measure.AgentsConnected))
		if up >= len(w.agentList()) {
			return up
		}
		select {
		case <-ctx.Done():
			return up
		case <-deadline:
			return up
		case <-t.C:
		}
	}
}

// Dispatch plays the print service from start for the scenario's wall
// duration. It blocks until the last job is sent or ctx ends, including the
// jobs of agents taken over meanwhile.
func (w *Worker) Dispatch(ctx context.Context, start time.Time) {
	ctx, cancel := w.untilStop(ctx)
	defer cancel()
	w.mu.Lock()
	w.dispatchStart = start
	numbers := agentNumbers(w.agents)
	w.dispatching.Add(1)
	w.mu.Unlock()
	w.disp.run(ctx, w.cfg.Scenario.ArrivalsOf(numbers, start))
	w.dispatching.Done()
	w.dispatching.Wait()
	w.disp.chains.wait()
}

// untilStop derives a context that Stop also ends, so that no dispatch
// outlives the worker's last snapshot.
func (w *Worker) untilStop(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	unhook := context.AfterFunc(w.runCtx, cancel)
	return ctx, func() { unhook(); cancel() }
}

func agentNumbers(agents []*agent) []int {
	out := make([]int, len(agents))
	for i, a := range agents {
		out[i] = a.n
	}
	return out
}

// Drain waits up to the scenario's drain time for outstanding jobs and for
// the acknowledgements of publishes still awaited (so each one ends
// acknowledged or counted as publish_timeout, if the drain is long enough),
// then declares the jobs left lost. It returns how many were declared lost
// at the end.
func (w *Worker) Drain(ctx context.Context) int {
	deadline := time.Now().Add(w.cfg.Scenario.Run.Drain)
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for (w.disp.expire(time.Now(), false) > 0 || w.unacked.Load() > 0) && time.Now().Before(deadline) {
		select {
		case <-ctx.Done():
			return w.disp.expireAll()
		case <-t.C:
		}
	}
	return w.disp.expireAll()
}

// Stop disconnects every session, declares lost the jobs still
// outstanding (a stop cut the drain short: nobody will see them complete),
// emits a last snapshot and stops the background loops. It is idempotent.
func (w *Worker) Stop() {
	w.stopOnce.Do(func() {
		for _, a := range w.agentList() {
			a.stop()
		}
		for _, s := range w.services {
			s.stop()
		}
		w.cancel()
		// Order matters: dispatch loops and their publishes end first, so
		// nothing registers a job after the outstanding ones are declared
		// lost and before the last snapshot counts them; the sweep of
		// acknowledgement timeouts ends with the other loops (wg).
		w.dispatching.Wait()
		w.disp.chains.close()
		w.wg.Wait()
		w.disp.expireAll()
		w.snapshot(time.Now())
	})
}

// serviceReceiveMaximum is the print service's ReceiveMaximum: it takes the
// statuses of thousands of agents, and a small window would throttle them
// (a few service clients per worker, so the memory does not matter).
const serviceReceiveMaximum = 4096

func (w *Worker) connectPacket(id string, recvMax uint16) *packets.Connect {
	run := w.cfg.Scenario.Run
	expiry := uint32(run.SessionExpiry / time.Second)
	maxPacket := uint32(w.maxPacket())
	return &packets.Connect{
		ProtocolName:    "MQTT",
		ProtocolVersion: 5,
		ClientID:        id,
		KeepAlive:       uint16(run.Keepalive / time.Second),
		CleanStart:      false,
		Properties: &packets.Properties{
			SessionExpiryInterval: &expiry,
			ReceiveMaximum:        &recvMax,
			MaximumPacketSize:     &maxPacket,
		},
	}
}

// tick runs once a second: keepalive for every connection, and the count
// of publishes whose acknowledgement is overdue.
func (w *Worker) tick(now time.Time) {
	w.keepalive.tick(now)
	w.sweepAcks(now)
}

// maxPacket is the Maximum Packet Size every connection announces and
// enforces (the scenario's run.max_packet_bytes).
func (w *Worker) maxPacket() int {
	if m := w.cfg.Scenario.Run.MaxPacketBytes; m > 0 {
		return m
	}
	return scenarios.DefaultMaxPacketBytes // a scenario built in code without it
}

// nextSource returns the next local address to dial from, or nil for any.
func (w *Worker) nextSource() net.Addr {
	ips := w.cfg.SourceIPs
	if len(ips) == 0 {
		return nil
	}
	ip := ips[int(w.srcNext.Add(1))%len(ips)]
	return &net.TCPAddr{IP: ip.AsSlice()}
}
