package worker

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"sync/atomic"
	"time"

	"github.com/mqherd/mqherd/infra/pki"
	"github.com/mqherd/mqherd/internal/cluster"
	"github.com/mqherd/mqherd/internal/measure"
	"github.com/mqherd/mqherd/internal/wire"
	"github.com/mqherd/mqherd/scenarios"
)

// NodeConfig configures a worker that takes part in a cluster run.
type NodeConfig struct {
	// Cluster is the membership config (name, bind address, key, join
	// addresses); its Meta is set by RunNode.
	Cluster cluster.Config
	// Capacity is how many agents this node announces it can hold.
	Capacity int
	// SourceIPs are local addresses to dial the broker from.
	SourceIPs []netip.Addr
	// OutDir receives a partial run directory when the coordinator is gone
	// at the end of the run. Default "runs".
	OutDir string
	// CoordinatorWait is how long a worker whose coordinator is gone waits
	// for it before finishing the plan alone. Default 60s.
	CoordinatorWait time.Duration
	// Outbox bounds the snapshots kept while the coordinator is unreachable
	// (one per second). Default 3600.
	Outbox int
	// Log receives one line per notable thing. Default io.Discard.
	Log io.Writer
}

func (c *NodeConfig) applyDefaults() {
	if c.OutDir == "" {
		c.OutDir = "runs"
	}
	if c.CoordinatorWait <= 0 {
		c.CoordinatorWait = 60 * time.Second
	}
	if c.Outbox <= 0 {
		c.Outbox = 3600
	}
	if c.Log == nil {
		c.Log = io.Discard
	}
}

// ErrDismissed is returned by RunNode when the coordinator sent this
// worker away (it was declared lost and its agents were given to others).
var ErrDismissed = errors.New("dismissed by the coordinator")

// RunNode joins the cluster, waits for an assignment, runs it phase by
// phase as the coordinator commands, and returns when the run is over.
// Cancelling ctx stops the worker, delivering what it measured if it can.
func RunNode(ctx context.Context, cfg NodeConfig) error {
	cfg.applyDefaults()
	cc := cfg.Cluster
	cc.Meta = cluster.Meta{Role: cluster.RoleWorker, Capacity: cfg.Capacity, Version: wire.Version}
	node, err := cluster.Start(cc)
	if err != nil {
		return err // ErrJoin already asks whether every node has the same key
	}
	n := &workerNode{cfg: cfg, node: node, out: newOutbox(cfg.Outbox), results: make(chan wire.PhaseDone, 8),
		flushNow: make(chan struct{}, 1)}
	fmt.Fprintf(cfg.Log, "worker %s joined the cluster at %s; waiting for an assignment\n", cc.Name, node.Addr())
	defer func() {
		_ = node.Leave(2 * time.Second)
		_ = node.Shutdown()
	}()
	return n.loop(ctx)
}

// workerNode is the state of RunNode; owned by its loop goroutine except
// where noted.
type workerNode struct {
	cfg      NodeConfig
	node     *cluster.Node
	out      *outbox
	results  chan wire.PhaseDone // finished phases, from their goroutines to the loop
	flushNow chan struct{}

	coord   atomic.Value // string: the coordinator's name (set by Assign)
	coordUp atomic.Bool
	// delivered is when a message last reached the coordinator (unix ns):
	// the worker's own sign of being cut off. memberlist is slower to tell
	// an isolated node: with nobody to confirm its suspicions, it waits the
	// longest suspicion timeout (~24 s with four nodes).
	delivered atomic.Int64
	lastSeq   atomic.Uint64 // sequence number of the newest snapshot queued
	lostAt    time.Time     // when the coordinator went away (zero while up)
	grace     time.Duration
	w         *Worker
	runID     string
	phase     string // last phase started
	runCtx    context.Context
	cancel    context.CancelFunc
	// endDispatch ends a dispatch early (the coordinator moved on to the
	// drain after an abort).
	endDispatch context.CancelFunc
}

func (n *workerNode) loop(ctx context.Context) error {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	flushCtx, stopFlusher := context.WithCancel(context.Background())
	defer stopFlusher()
	go n.flusher(flushCtx)
	for {
		select {
		case <-ctx.Done():
			return n.finish("interrupted")
		case m, ok := <-n.node.Messages():
			if !ok {
				return errors.New("cluster node shut down")
			}
			if end, err := n.handle(m); end {
				return err
			}
		case e, ok := <-n.node.Events():
			if ok {
				n.membership(e)
			}
		case r := <-n.results:
			if end, err := n.phaseFinished(r); end {
				return err
			}
		case <-tick.C:
			if end, err := n.alone(); end {
				return err
			}
		}
	}
}

// handle acts on one message; end reports that the node's work is over.
func (n *workerNode) handle(m cluster.Message) (bool, error) {
	kind, body, err := wire.Decode(m.Data)
	if err != nil || !n.fromCoordinator(m.From, kind) {
		return false, nil
	}
	switch kind {
	case wire.KindAssign:
		var a wire.Assign
		if err := wire.Unmarshal(body, &a); err != nil {
			return true, fmt.Errorf("assignment from %s: %w", m.From, err)
		}
		if err := n.assign(m.From, &a); err != nil {
			return true, err
		}
		return false, nil
	case wire.KindPhase:
		var p wire.Phase
		if wire.Unmarshal(body, &p) == nil && p.RunID == n.runID {
			return n.startPhase(p)
		}
	case wire.KindTakeover:
		var t wire.Takeover
		if wire.Unmarshal(body, &t) == nil && t.RunID == n.runID {
			n.takeover(t)
		}
	case wire.KindDismiss:
		var d wire.Dismiss
		if wire.Unmarshal(body, &d) == nil {
			fmt.Fprintf(n.cfg.Log, "dismissed by the coordinator: %s (%d jobs counted by others)\n", d.Reason, len(d.Transferred))
			if n.w != nil {
				n.w.Transfer(d.Transferred)
			}
			if err := n.finish("dismissed"); err != nil {
				return true, err
			}
			return true, ErrDismissed
		}
	}
	return false, nil
}

// fromCoordinator accepts commands only from this run's coordinator (before
// the assignment: from a member announcing the coordinator role).
func (n *workerNode) fromCoordinator(from string, kind wire.Kind) bool {
	if c, _ := n.coord.Load().(string); c != "" {
		return from == c
	}
	if kind != wire.KindAssign {
		return false
	}
	for _, m := range n.node.Members() {
		if m.Name == from && m.Alive && m.Meta.Role == cluster.RoleCoordinator {
			return true
		}
	}
	return false
}

// assign builds the worker from an assignment; a bad one is reported back.
func (n *workerNode) assign(from string, a *wire.Assign) error {
	if n.w != nil {
		return nil // one run per node
	}
	n.coord.Store(from)
	n.coordUp.Store(true)
	n.runID = a.RunID
	w, err := n.build(a)
	if err != nil {
		n.reply(wire.PhaseDone{RunID: a.RunID, Name: wire.PhaseAssigned, Err: err.Error()})
		return fmt.Errorf("assignment from %s: %w", from, err)
	}
	n.delivered.Store(time.Now().UnixNano())
	n.w, n.grace = w, a.LossGrace
	if n.grace <= 0 {
		n.grace = 5 * time.Second
	}
	n.runCtx, n.cancel = context.WithCancel(context.Background())
	w.Start(n.enqueue)
	n.reply(wire.PhaseDone{RunID: a.RunID, Name: wire.PhaseAssigned})
	fmt.Fprintf(n.cfg.Log, "assigned run %s: agents %d-%d against %s\n", a.RunID, a.Agents.First, a.Agents.End()-1, a.Target)
	return nil
}

func (n *workerNode) build(a *wire.Assign) (*Worker, error) {
	sc, err := scenarios.Parse("assignment from "+n.coordName(), a.Scenario)
	if err != nil {
		return nil, err
	}
	fleet, err := pki.FleetFromMaterial(a.RootPEM, a.Shards, a.ShardSize)
	if err != nil {
		return nil, err
	}
	if _, err := RaiseFileLimit(a.Agents.Count + a.Services); err != nil {
		return nil, err
	}
	var serverRoots *x509.CertPool
	if len(a.ServerCAPEM) > 0 {
		serverRoots = x509.NewCertPool()
		if !serverRoots.AppendCertsFromPEM(a.ServerCAPEM) {
			return nil, errors.New("the target's CA (server_ca_pem) holds no PEM certificate")
		}
	}
	return New(Config{Name: a.Worker, RunID: a.RunID, Target: a.Target, ServerName: a.ServerName,
		Scenario: sc, Agents: a.Agents, Identities: fleet, Services: a.Services, SourceIPs: n.cfg.SourceIPs,
		ALPN: a.ALPN, ServerRoots: serverRoots, Limits: a.Limits})
}

func (n *workerNode) coordName() string {
	c, _ := n.coord.Load().(string)
	return c
}

// startPhase runs one phase on its own goroutine; stop ends the node.
func (n *workerNode) startPhase(p wire.Phase) (bool, error) {
	if n.w == nil {
		return false, nil
	}
	n.phase = p.Name
	w, ctx := n.w, n.runCtx
	switch p.Name {
	case wire.PhaseConnect:
		go func() {
			c, err := w.Connect(ctx)
			n.results <- wire.PhaseDone{RunID: n.runID, Name: p.Name, Connected: c, Err: errText(err)}
		}()
	case wire.PhaseDispatch:
		ctx, n.endDispatch = context.WithCancel(ctx)
		go func() {
			w.Dispatch(ctx, p.Start)
			n.results <- wire.PhaseDone{RunID: n.runID, Name: p.Name}
		}()
	case wire.PhaseDrain:
		if n.endDispatch != nil {
			n.endDispatch()
		}
		go func() {
			lost := w.Drain(ctx)
			n.results <- wire.PhaseDone{RunID: n.runID, Name: p.Name, Lost: lost}
		}()
	case wire.PhaseStop:
		n.stopWorker()
		n.reply(wire.PhaseDone{RunID: n.runID, Name: wire.PhaseStop, LastSnapshot: n.lastSeq.Load()})
		return true, nil
	}
	return false, nil
}

func (n *workerNode) takeover(t wire.Takeover) {
	if n.w == nil {
		return
	}
	w, ctx := n.w, n.runCtx
	fmt.Fprintf(n.cfg.Log, "taking over %v from %s\n", t.Agents, t.From)
	go func() {
		c, took, err := w.Takeover(ctx, t)
		n.results <- wire.PhaseDone{RunID: n.runID, Name: wire.PhaseTakeover, Connected: c, Took: took, Err: errText(err)}
	}()
}

// phaseFinished reports a finished phase, or, with the coordinator gone,
// moves on by itself.
func (n *workerNode) phaseFinished(d wire.PhaseDone) (bool, error) {
	n.reply(d)
	if n.coordUp.Load() || d.Name == wire.PhaseTakeover {
		return false, nil
	}
	return n.advanceAlone(d.Name)
}

// advanceAlone finishes the plan without the coordinator: after dispatch,
// drain; after drain, stop and deliver or keep what was measured.
func (n *workerNode) advanceAlone(finished string) (bool, error) {
	switch finished {
	case wire.PhaseDispatch:
		fmt.Fprintln(n.cfg.Log, "coordinator unreachable: draining on my own")
		return n.startPhase(wire.Phase{RunID: n.runID, Name: wire.PhaseDrain})
	case wire.PhaseDrain:
		return true, n.finish("coordinator unreachable")
	}
	return false, nil
}

// alone runs every second: if the coordinator has been gone too long
// before dispatch started, the node gives up and keeps what it measured.
func (n *workerNode) alone() (bool, error) {
	n.holdIfCutOff()
	if n.w == nil || n.coordUp.Load() || n.lostAt.IsZero() {
		return false, nil
	}
	if n.phase == wire.PhaseDispatch || n.phase == wire.PhaseDrain {
		return false, nil // finishing the plan; advanceAlone takes over
	}
	if time.Since(n.lostAt) < n.cfg.CoordinatorWait {
		return false, nil
	}
	return true, n.finish("coordinator gone before dispatch")
}

// holdIfCutOff stops reconnects for the rest of the run once nothing has
// reached the coordinator for longer than the loss grace: by then the
// coordinator may have given this worker's agents to others, and it cannot
// always say so at once (it sends only to members memberlist has taken
// back). Connected sessions keep working, so a worker that only lost its
// coordinator still finishes the plan; agents that drop stay down and
// their jobs count as lost.
func (n *workerNode) holdIfCutOff() {
	if n.w == nil || n.w.holding.Load() {
		return
	}
	if silent := time.Since(time.Unix(0, n.delivered.Load())); silent > n.grace {
		fmt.Fprintf(n.cfg.Log, "nothing reached the coordinator for %s: not reconnecting sessions that drop for the rest of the run (their agents may belong to others now)\n", silent.Round(time.Second))
		n.w.Hold(true)
	}
}

// membership tracks the coordinator coming and going.
func (n *workerNode) membership(e cluster.Event) {
	if e.Node != n.coordName() {
		return
	}
	switch e.Kind {
	case cluster.Leave:
		n.coordUp.Store(false)
		n.lostAt = time.Now()
		fmt.Fprintf(n.cfg.Log, "coordinator %s unreachable; keeping snapshots (up to %d)\n", e.Node, n.cfg.Outbox)
	case cluster.Join:
		n.coordUp.Store(true)
		n.lostAt = time.Time{}
		fmt.Fprintf(n.cfg.Log, "coordinator %s is back; resending snapshots\n", e.Node)
		n.kick()
	}
}

// finish stops the worker and delivers every snapshot, waiting for the
// coordinator up to CoordinatorWait; failing that it writes them to a
// partial run directory and says so.
func (n *workerNode) finish(why string) error {
	if n.w == nil {
		return nil
	}
	drainCtx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	n.w.Drain(drainCtx)
	cancel()
	n.stopWorker()
	deadline := time.Now().Add(n.cfg.CoordinatorWait)
	for time.Now().Before(deadline) {
		if n.coordinatorAlive() && n.out.flush(n.send) == 0 {
			return nil
		}
		time.Sleep(500 * time.Millisecond)
	}
	dir, err := writePartial(n.cfg.OutDir, n.runID, n.cfg.Cluster.Name, why, n.out.drain())
	if err != nil {
		return fmt.Errorf("%s, and the partial run directory could not be written: %w", why, err)
	}
	return fmt.Errorf("%s: wrote what this worker measured to %s", why, dir)
}

// stopWorker stops the worker and delivers its last snapshots if it can.
func (n *workerNode) stopWorker() {
	n.w.Stop()
	n.cancel()
	if n.coordUp.Load() {
		deadline := time.Now().Add(5 * time.Second)
		for n.out.flush(n.send) > 0 && time.Now().Before(deadline) {
			time.Sleep(200 * time.Millisecond)
		}
	}
}

// enqueue is the worker's snapshot emitter: encode the snapshot and its
// ledger into one message, queue it, wake the flusher.
func (n *workerNode) enqueue(s *measure.Snapshot, l *wire.Ledger) {
	b, err := s.Encode()
	if err == nil {
		b, err = wire.EncodeSnapshot(b, l)
	}
	if err != nil {
		fmt.Fprintf(n.cfg.Log, "snapshot %d not sent: %v\n", s.Seq, err)
		return
	}
	n.out.push(b)
	n.lastSeq.Store(s.Seq)
	n.kick()
}

func (n *workerNode) kick() {
	select {
	case n.flushNow <- struct{}{}:
	default:
	}
}

// flusher delivers queued snapshots whenever the coordinator is reachable;
// sends block up to the TCP timeout, so they run apart from the loop.
func (n *workerNode) flusher(ctx context.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-n.flushNow:
		case <-t.C:
		}
		if n.coordUp.Load() {
			n.out.flush(n.send)
		}
	}
}

// coordinatorAlive asks the membership directly (the loop may be busy).
func (n *workerNode) coordinatorAlive() bool {
	c := n.coordName()
	for _, m := range n.node.Members() {
		if m.Name == c {
			return m.Alive
		}
	}
	return false
}

func (n *workerNode) send(b []byte) error {
	c := n.coordName()
	if c == "" {
		return errors.New("no coordinator")
	}
	if err := n.node.Send(c, b); err != nil {
		return err
	}
	n.delivered.Store(time.Now().UnixNano())
	return nil
}

// reply sends a phase report to the coordinator (lost if it is gone: the
// node then moves on by itself).
func (n *workerNode) reply(d wire.PhaseDone) {
	b, err := wire.Encode(wire.KindPhaseDone, &d)
	if err == nil && n.coordName() != "" {
		_ = n.send(b)
	}
}

func errText(err error) string {
	if err == nil || errors.Is(err, context.Canceled) {
		return ""
	}
	return err.Error()
}
