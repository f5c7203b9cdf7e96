package worker

import (
	"context"
	"fmt"
	"time"

	"github.com/mqherd/mqherd/internal/wire"
	"github.com/mqherd/mqherd/scenarios"
)

// materialAdder is implemented by identities that can take more agents
// (pki.Fleet built from an assignment's material).
type materialAdder interface {
	AddMaterial([]wire.ShardMaterial, []wire.ShardLeaves) error
}

// Takeover makes this worker the owner of agents a lost worker held, while
// the run goes on. In order, so that no completion arrives for a job this
// worker does not know:
//  1. the print service subscribes to the new agents' status topics;
//  2. the jobs the lost worker left outstanding are tracked here;
//  3. if dispatching, the new agents' jobs due since the lost worker's last
//     report are sent at once (late, and counted so), and their future jobs
//     are scheduled on the run's shared clock;
//  4. the agents connect: their persistent sessions hold the jobs queued
//     for them meanwhile.
//
// It returns how many of the worker's agents are connected and how long
// connecting the new ones took.
func (w *Worker) Takeover(ctx context.Context, t wire.Takeover) (int, time.Duration, error) {
	if len(t.Shards) > 0 || len(t.Leaves) > 0 {
		adder, ok := w.cfg.Identities.(materialAdder)
		if !ok {
			return 0, 0, fmt.Errorf("worker %s: cannot take shard material", w.cfg.Name)
		}
		if err := adder.AddMaterial(t.Shards, t.Leaves); err != nil {
			return 0, 0, err
		}
	}
	var added []*agent
	for _, r := range t.Agents {
		added = append(added, w.addAgents(r)...)
	}
	for _, a := range added {
		a.skipOnboarding() // its onboarding began at the lost worker
	}
	w.disp.inherit(t.Inherited)
	w.dispatchTakenOver(ctx, added, t.Since)
	start := time.Now()
	n := w.connectAgents(ctx, added)
	return n, time.Since(start), nil
}

// dispatchTakenOver joins the new agents to a dispatch under way: jobs due
// from since to now are registered and sent at once, later ones on time.
func (w *Worker) dispatchTakenOver(ctx context.Context, added []*agent, since time.Time) {
	w.mu.Lock()
	start := w.dispatchStart
	if start.IsZero() {
		w.mu.Unlock()
		return // not dispatching yet: Dispatch will include them
	}
	w.dispatching.Add(1)
	w.mu.Unlock()
	ctx, cancel := w.untilStop(ctx)
	arr := &sinceArrivals{next: w.cfg.Scenario.ArrivalsOf(agentNumbers(added), start), since: since}
	now := time.Now()
	for {
		a, ok := arr.Next()
		if !ok || a.At.After(now) {
			arr.pending, arr.hasPending = a, ok
			break
		}
		if w.disp.known(a) {
			continue // the lost worker sent it and listed it: inherited, not sent again
		}
		w.disp.register(a)
		w.disp.submit(ctx, a)
	}
	go func() {
		defer w.dispatching.Done()
		defer cancel()
		w.disp.run(ctx, arr)
	}()
}

// sinceArrivals skips arrivals before since, and can hand back one that
// was read ahead.
type sinceArrivals struct {
	next       arrivals
	since      time.Time
	pending    scenarios.Arrival
	hasPending bool
}

func (s *sinceArrivals) Next() (scenarios.Arrival, bool) {
	if s.hasPending {
		s.hasPending = false
		return s.pending, true
	}
	for {
		a, ok := s.next.Next()
		if !ok || !a.At.Before(s.since) {
			return a, ok
		}
	}
}
