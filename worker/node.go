package worker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"sync/atomic"
	"time"

	"github.com/mqherd/mqherd/internal/cluster"
	"github.com/mqherd/mqherd/internal/wire"
)

// NodeConfig configures a worker that takes part in a cluster run.
type NodeConfig struct {
	// Cluster is the membership config (name, bind address, key, join
	// addresses); its Meta is set by RunNode.
	Cluster cluster.Config
	// Capacity is how many agents this node announces it can hold.
	// Default: what its open-files limit allows (DefaultCapacity).
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
	// OutboxBytes bounds the bytes of the snapshots kept, ledgers included.
	// Default 128 MiB: an hour of snapshots of a busy worker holding
	// thousands of outstanding jobs; Outbox is usually the bound reached first.
	OutboxBytes int
	// Log receives one line per notable thing. Default io.Discard.
	Log io.Writer
	// Ready, if set, hears whether the node is ready to run (true once it
	// joined the cluster, false when its part of the run is over) and why:
	// a readiness probe's answer. Called from RunNode's goroutine.
	Ready func(ready bool, why string)
}

func (c *NodeConfig) applyDefaults() {
	if c.Capacity <= 0 {
		c.Capacity = DefaultCapacity()
	}
	if c.OutDir == "" {
		c.OutDir = "runs"
	}
	if c.CoordinatorWait <= 0 {
		c.CoordinatorWait = 60 * time.Second
	}
	if c.Outbox <= 0 {
		c.Outbox = 3600
	}
	if c.OutboxBytes <= 0 {
		c.OutboxBytes = 128 << 20
	}
	if c.Log == nil {
		c.Log = io.Discard
	}
	if c.Ready == nil {
		c.Ready = func(bool, string) {}
	}
}

// ErrInterrupted is returned by RunNode when ctx ended while the node held
// an assignment: it drained and delivered what it measured, but did not run
// its share to the end (the coordinator re-assigns its agents). Under a
// Kubernetes Job, the non-zero exit gets the pod replaced.
var ErrInterrupted = errors.New("interrupted mid-run: what this worker measured was delivered; the coordinator re-assigns its agents")

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
	cc.OnJoinRetry = func(err error, retryIn time.Duration) {
		fmt.Fprintf(cfg.Log, "worker %s: waiting to join: %v; retrying in %s\n", cc.Name, err, retryIn.Round(time.Second))
	}
	node, err := cluster.StartContext(ctx, cc)
	if err != nil {
		return err // ErrJoin already asks whether every node has the same key
	}
	n := &workerNode{cfg: cfg, node: node, announced: time.Now(), results: make(chan wire.PhaseDone, 8), undecodable: newUndecodable(cfg.Log)}
	n.courier = newCourier(newOutbox(cfg.Outbox, cfg.OutboxBytes), n.send, n.coordUp.Load, cfg.Log)
	fmt.Fprintf(cfg.Log, "worker %s joined the cluster at %s; waiting for an assignment\n", cc.Name, node.Addr())
	cfg.Ready(true, "joined the cluster at "+node.Addr())
	defer func() {
		cfg.Ready(false, "run over")
		_ = node.Leave(2 * time.Second)
		_ = node.Shutdown()
	}()
	err = n.loop(ctx)
	n.exitSummary()
	return err
}

// rejoinEvery is how often a node without an assignment pushes its state
// to the join addresses again (announce).
const rejoinEvery = 5 * time.Second

// announce pushes the state of a node still waiting for its assignment to
// the join addresses every rejoinEvery, off the loop. A replacement that
// joined under a lost worker's name before the coordinator saw its
// predecessor go was refused as a name conflict; this gets it seen (and
// dismissed) seconds after, instead of at a periodic push-pull up to 30 s
// or more later.
func (n *workerNode) announce(now time.Time) {
	if n.w != nil || now.Sub(n.announced) < rejoinEvery || !n.rejoining.CompareAndSwap(false, true) {
		return
	}
	n.announced = now
	go func() {
		defer n.rejoining.Store(false)
		_ = n.node.Rejoin() // a failure is the next tick's to retry
	}()
}

// exitSummary says once, at the end, what the node ignored or dropped.
func (n *workerNode) exitSummary() {
	if s := n.undecodable.summary(); s != "" {
		fmt.Fprintf(n.cfg.Log, "worker %s: %s\n", n.cfg.Cluster.Name, s)
	}
	if _, dropped := n.courier.out.stats(); dropped > 0 {
		fmt.Fprintf(n.cfg.Log, "worker %s: %d snapshots dropped past the outbox's bounds while the coordinator was unreachable\n", n.cfg.Cluster.Name, dropped)
	}
}

// workerNode is the state of RunNode; owned by its loop goroutine except
// where noted.
type workerNode struct {
	cfg     NodeConfig
	node    *cluster.Node
	courier *courier            // snapshots to the coordinator; its flusher runs beside the loop
	results chan wire.PhaseDone // finished phases, from their goroutines to the loop
	// undecodable counts the messages that did not decode (loop only).
	undecodable *undecodable

	coord   atomic.Value // string: the coordinator's name (set by Assign)
	coordUp atomic.Bool
	// delivered is when a message last reached the coordinator (unix ns):
	// the worker's own sign of being cut off. memberlist is slower to tell
	// an isolated node: with nobody to confirm its suspicions, it waits the
	// longest suspicion timeout (~24 s with four nodes).
	delivered atomic.Int64
	lostAt    time.Time // when the coordinator went away (zero while up)
	// announced is when the unassigned node last pushed its state to the
	// join addresses; rejoining is set while a push is under way.
	announced time.Time
	rejoining atomic.Bool
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

// interrupted ends the node when ctx ends: without an assignment there is
// nothing to deliver; with one it drains, delivers and says it was cut short.
func (n *workerNode) interrupted() error {
	if n.w == nil {
		return nil
	}
	if err := n.finish("interrupted"); err != nil {
		return err
	}
	return ErrInterrupted
}

func (n *workerNode) loop(ctx context.Context) error {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	flushCtx, stopFlusher := context.WithCancel(context.Background())
	flusherDone := make(chan struct{})
	go func() { defer close(flusherDone); n.courier.run(flushCtx) }()
	defer func() { stopFlusher(); <-flusherDone }() // after a send under way: bounded by the TCP timeout
	for {
		select {
		case <-ctx.Done():
			return n.interrupted()
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
		case now := <-tick.C:
			n.announce(now)
			if end, err := n.alone(); end {
				return err
			}
		}
	}
}
