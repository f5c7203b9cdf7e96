package coordinator

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/mqherd/mqherd/internal/cluster"
	"github.com/mqherd/mqherd/internal/measure"
	"github.com/mqherd/mqherd/internal/wire"
)

// ClusterConfig drives a run over worker nodes of a cluster.
type ClusterConfig struct {
	Node       *cluster.Node // this coordinator's node, already started
	Workers    int           // workers to wait for
	MinWorkers int           // after Wait, start with at least this many; default Workers
	Wait       time.Duration // how long to wait for Workers; default 2m
	// LossGrace is how long a worker may be gone (declared dead by
	// memberlist) before it is lost and its agents are re-assigned: a
	// CPU-starved worker can miss probes and come back. Default 5s.
	LossGrace time.Duration
	// Assignments build each worker's assignment and, for takeovers, the
	// certificate material of an agent range.
	Assignments Assignments
	Run         Config    // the barriers' settings; Run.Agents is the fleet size
	RunID       string    // the run's ID (messages of other runs are ignored)
	Log         io.Writer // one line per membership change; default io.Discard
}

// Prepare waits for the workers and makes the plan; Run then assigns and
// runs it. Between the two the caller can record the plan (the manifest).
func Prepare(ctx context.Context, cfg ClusterConfig) (*ClusterRun, error) {
	if cfg.Log == nil {
		cfg.Log = io.Discard
	}
	if cfg.LossGrace <= 0 {
		cfg.LossGrace = 5 * time.Second
	}
	caps, err := waitWorkers(ctx, cfg)
	if err != nil {
		return nil, err
	}
	plan, err := Plan(cfg.Run.Agents, caps)
	if err != nil {
		return nil, err
	}
	return newClusterRun(cfg, plan, caps, cfg.Node.Send), nil
}

// newClusterRun is a run of plan over the workers of caps (the plan's
// order), sending through send.
func newClusterRun(cfg ClusterConfig, plan []wire.Assignment, caps []Capacity, send func(string, []byte) error) *ClusterRun {
	c := &ClusterRun{cfg: cfg, send: send, plan: plan, remotes: map[string]*remote{}, owned: map[string][]wire.Range{},
		capacity: map[string]int{}, ledgers: map[string]ledger{}, suspect: map[string]*time.Timer{},
		handed: map[string][]wire.Job{}, dismissed: map[string]time.Time{}, boots: map[string]string{}, replaced: map[string]string{}}
	for i, a := range plan {
		c.remotes[a.Worker] = newRemote(a.Worker, cfg.RunID, send)
		c.owned[a.Worker], c.capacity[a.Worker] = []wire.Range{a.Agents}, caps[i].Agents
		c.boots[a.Worker] = caps[i].Boot
	}
	return c
}

// Plan is the initial assignment of agents to workers.
func (c *ClusterRun) Plan() []wire.Assignment { return c.plan }

// SetStarted sets when the run started, as its manifest says (before Run).
func (c *ClusterRun) SetStarted(t time.Time) { c.cfg.Run.Started = t }

// Run assigns the plan and runs the scenario through the workers,
// re-assigning a lost worker's agents to the survivors, and returns the
// final aggregate.
func (c *ClusterRun) Run(ctx context.Context, sinks ...Sink) (*measure.Aggregate, error) {
	c.g = newAggregator(c.cfg.Run.started(), sinks)
	workers := make([]Worker, 0, len(c.plan))
	for _, a := range c.plan {
		workers = append(workers, c.remotes[a.Worker])
	}
	// Routing outlives an abort (ctx): the drain's and stop's reports and
	// the last snapshots arrive after it.
	routeCtx, stopRouting := context.WithCancel(context.Background())
	defer stopRouting()
	go c.route(routeCtx)
	if err := c.assignAll(ctx, c.plan); err != nil {
		return nil, err
	}
	agg, err := runWith(ctx, c.cfg.Run, workers, c.g)
	c.stopTimers()
	return agg, err
}

// waitWorkers waits for enough alive workers of this protocol version and
// returns them sorted by name (the plan is deterministic).
func waitWorkers(ctx context.Context, cfg ClusterConfig) ([]Capacity, error) {
	wait, minWorkers := cfg.Wait, cfg.MinWorkers
	if wait <= 0 {
		wait = 2 * time.Minute
	}
	if minWorkers <= 0 || minWorkers > cfg.Workers {
		minWorkers = cfg.Workers
	}
	deadline := time.Now().Add(wait)
	for {
		caps := aliveWorkers(cfg.Node)
		if len(caps) >= cfg.Workers || (time.Now().After(deadline) && len(caps) >= minWorkers) {
			return caps[:min(len(caps), cfg.Workers)], nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("waited %s for %d workers, %d joined (%s): start workers with --join %s and the same --cluster-key-file, or lower --workers/--min-workers",
				wait, cfg.Workers, len(caps), names(caps), cfg.Node.Addr())
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func aliveWorkers(n *cluster.Node) []Capacity {
	var caps []Capacity
	for _, m := range n.Members() {
		if m.Alive && m.Meta.Role == cluster.RoleWorker && m.Meta.Version == wire.Version && m.Meta.Capacity > 0 {
			caps = append(caps, Capacity{Name: m.Name, Agents: m.Meta.Capacity, Boot: m.Meta.Boot})
		}
	}
	sort.Slice(caps, func(i, j int) bool { return caps[i].Name < caps[j].Name })
	return caps
}

func names(caps []Capacity) string {
	if len(caps) == 0 {
		return "none"
	}
	out := make([]string, len(caps))
	for i, c := range caps {
		out[i] = c.Name
	}
	return strings.Join(out, ", ")
}

// ClusterRun is one run over a cluster: the plan, the workers as remotes,
// and the cluster layer's state while the run goes.
type ClusterRun struct {
	cfg     ClusterConfig
	send    func(to string, msg []byte) error // cfg.Node.Send, or a test's
	plan    []wire.Assignment
	g       *aggregator
	remotes map[string]*remote // fixed by Prepare
	boots   map[string]string  // each planned worker's incarnation (Meta.Boot); fixed by Prepare

	mu        sync.Mutex              // guards the fields below
	owned     map[string][]wire.Range // agents each worker owns now
	capacity  map[string]int          // announced capacities
	ledgers   map[string]ledger       // newest ledger per worker (see ledger)
	lost      []string                // lost workers, in order
	handed    map[string][]wire.Job   // a lost worker's jobs inherited by survivors
	dismissed map[string]time.Time    // last dismissal attempt per lost worker
	suspect   map[string]*time.Timer  // grace timers of workers memberlist lost
	replaced  map[string]string       // the newest other incarnation seen per worker name
}

// assignTimeout bounds the wait for every worker's acknowledgement.
const assignTimeout = 30 * time.Second

// assignAll sends every assignment and waits for every acknowledgement:
// messages may overtake each other, so no command may precede it.
func (c *ClusterRun) assignAll(ctx context.Context, plan []wire.Assignment) error {
	for _, a := range plan {
		msg, err := c.cfg.Assignments.For(a.Worker, a.Agents)
		if err != nil {
			return err
		}
		b, err := wire.Encode(wire.KindAssign, msg)
		if err != nil {
			return err
		}
		if err := c.send(a.Worker, b); err != nil {
			return fmt.Errorf("send assignment to %s: %w", a.Worker, err)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, assignTimeout)
	defer cancel()
	for _, a := range plan {
		if _, err := c.remotes[a.Worker].await(ctx, wire.PhaseAssigned); err != nil {
			return fmt.Errorf("assignment of %s: %w", a.Worker, err)
		}
	}
	return nil
}

// route reads messages and membership events until the node shuts down or
// ctx ends; it never blocks on a sink (the aggregator queue drops).
func (c *ClusterRun) route(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case m, ok := <-c.cfg.Node.Messages():
			if !ok {
				return
			}
			c.message(m)
		case e, ok := <-c.cfg.Node.Events():
			if !ok {
				return
			}
			c.membership(e)
		}
	}
}

func (c *ClusterRun) message(m cluster.Message) {
	r, ok := c.remotes[m.From]
	if !ok {
		return
	}
	kind, body, err := wire.Decode(m.Data)
	if err != nil {
		c.g.event(measure.EventBadMessage, m.From, err.Error())
		return
	}
	switch kind {
	case wire.KindSnapshot:
		c.report(r, m.From, body)
	case wire.KindPhaseDone:
		var d wire.PhaseDone
		if wire.Unmarshal(body, &d) != nil || d.RunID != c.cfg.RunID {
			return
		}
		if d.Name == wire.PhaseTakeover {
			c.g.event(measure.EventTakeoverConnected, m.From, fmt.Sprintf("%d agents connected in %.1fs", d.Connected, d.Took.Seconds()))
			return
		}
		select {
		case r.results <- d:
		default:
		}
	}
}

// report takes one interval's report of a worker: the snapshot goes to the
// aggregation, the ledger taken with it is kept for re-assignment.
func (c *ClusterRun) report(r *remote, from string, body []byte) {
	if r.isLost() {
		c.dismissOnce(from) // it is back: its agents belong to others
	}
	s, l, err := decodeReport(from, body)
	if err != nil {
		c.g.event("bad_snapshot", from, err.Error())
		return
	}
	if !r.firstSight(s.Seq) {
		return // resent after a send that did arrive: counted already
	}
	c.keepLedger(from, s, l)
	r.snapshot(s)
}

// membership starts a grace period when memberlist loses a worker, and
// dismisses a lost worker that comes back (its agents belong to others).
func (c *ClusterRun) membership(e cluster.Event) {
	r, ok := c.remotes[e.Node]
	if !ok {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if (e.Kind == cluster.Join || e.Kind == cluster.Update) && c.replacedLocked(e) {
		return
	}
	switch e.Kind {
	case cluster.Leave:
		if r.isLost() || c.suspect[e.Node] != nil {
			return
		}
		c.g.event(measure.EventWorkerSuspect, e.Node, fmt.Sprintf("memberlist lost it (dead=%v); re-assigning in %s unless it returns", e.Dead, c.cfg.LossGrace))
		c.suspect[e.Node] = time.AfterFunc(c.cfg.LossGrace, func() { c.declareLost(e.Node) })
	case cluster.Join:
		if t := c.suspect[e.Node]; t != nil && !r.isLost() {
			t.Stop()
			delete(c.suspect, e.Node)
			c.g.event(measure.EventWorkerBack, e.Node, "returned within the grace period")
			return
		}
		if r.isLost() {
			c.g.event(measure.EventWorkerReturned, e.Node, "lost earlier; its agents belong to others now: dismissed")
			go c.dismiss(e.Node)
		}
	}
}

// replacedLocked reports whether e comes from another incarnation of a
// planned worker than the plan's (Meta.Boot differs): a replacement, such
// as the new pod Kubernetes starts for an Indexed Job's index under the
// same worker name. The process that held the agents is gone for good (its
// successor holds its name), so it is lost now, without waiting out the
// grace period, and its agents go to the survivors; the newcomer holds no
// assignment and is dismissed, so no agent ever has two owners. Called
// with c.mu held.
func (c *ClusterRun) replacedLocked(e cluster.Event) bool {
	planned := c.boots[e.Node]
	if planned == "" || e.Meta.Boot == "" || e.Meta.Boot == planned {
		return false
	}
	if c.replaced[e.Node] == e.Meta.Boot {
		return true // this incarnation is being dismissed already
	}
	c.replaced[e.Node] = e.Meta.Boot
	if t := c.suspect[e.Node]; t != nil {
		t.Stop()
		delete(c.suspect, e.Node)
	}
	c.g.event(measure.EventWorkerReplaced, e.Node, fmt.Sprintf("a new incarnation (%s at %s) took its name: the old one is lost now, the new one dismissed", e.Meta.Boot, e.Addr))
	go func() {
		c.declareLost(e.Node) // a no-op when it was lost already
		c.dismiss(e.Node)
	}()
	return true
}

// dismissOnce dismisses a lost worker heard from again, once per second at
// most (a send fails until memberlist takes the worker back).
func (c *ClusterRun) dismissOnce(name string) {
	c.mu.Lock()
	last := c.dismissed[name]
	if time.Since(last) < time.Second {
		c.mu.Unlock()
		return
	}
	c.dismissed[name] = time.Now()
	c.mu.Unlock()
	go c.dismiss(name)
}

func (c *ClusterRun) dismiss(name string) {
	c.mu.Lock()
	handed := c.handed[name]
	c.mu.Unlock()
	b, err := wire.Encode(wire.KindDismiss, &wire.Dismiss{RunID: c.cfg.RunID, Reason: "declared lost; agents re-assigned", Transferred: handed})
	if err == nil {
		_ = c.send(name, b)
	}
}

// declareLost ends the grace period: the worker is lost, its agents go to
// the survivors.
func (c *ClusterRun) declareLost(name string) {
	c.mu.Lock()
	delete(c.suspect, name)
	r := c.remotes[name]
	if r.isLost() {
		c.mu.Unlock()
		return
	}
	r.markLost()
	c.lost = append(c.lost, name)
	c.mu.Unlock()
	c.g.event(measure.EventWorkerLost, name, fmt.Sprintf("gone for the %s grace period", c.cfg.LossGrace))
	if err := c.reassign(name); err != nil {
		c.g.event(measure.EventReassignFailed, name, err.Error())
	}
}

func (c *ClusterRun) stopTimers() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, t := range c.suspect {
		t.Stop()
	}
}

// errNoSurvivors: every worker is lost.
var errNoSurvivors = errors.New("no surviving worker to take the agents")
