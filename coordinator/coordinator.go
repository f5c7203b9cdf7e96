package coordinator

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/mqherd/mqherd/internal/measure"
)

// Worker is one load node as the coordinator drives it through the run's
// barriers. Each method blocks until its phase is over on that worker; the
// coordinator calls each phase on every worker concurrently and waits for
// all before the next barrier.
type Worker interface {
	// Name is unique in the run.
	Name() string
	// Start begins sending a snapshot every second to emit (which never
	// blocks; it may be called from the worker's own goroutine).
	Start(emit func(*measure.Snapshot))
	// Connect ramps the worker's agents; it returns how many are connected.
	Connect(ctx context.Context) (int, error)
	// Dispatch plays the print service from start until the phase ends.
	Dispatch(ctx context.Context, start time.Time)
	// Drain waits for outstanding jobs; it returns how many were lost.
	Drain(ctx context.Context) int
	// Stop disconnects and sends a last snapshot. Idempotent.
	Stop()
}

// Config is the coordinator's part of a run.
type Config struct {
	// Agents is the fleet size, to report how much of it connected.
	Agents int
	// StartLead is the time between the start barrier and the first job
	// (so every worker starts on the same instant). Default 200ms.
	StartLead time.Duration
	// DrainGrace bounds the drain after an abort. Default 10s.
	DrainGrace time.Duration
	// Started is when the run started, as the manifest says: t=0 of the
	// rollup's clock is the whole second it falls in. Default: now.
	Started time.Time
}

// Run drives workers through ramp, run, drain and stop, aggregating their
// snapshots into sinks every second. Cancelling ctx (the first Ctrl-C)
// aborts the current phase but still drains, stops the workers and closes
// the sinks, so nothing measured is lost. It returns the final aggregate.
func Run(ctx context.Context, cfg Config, workers []Worker, sinks ...Sink) (*measure.Aggregate, error) {
	return runWith(ctx, cfg, workers, newAggregator(cfg.started(), sinks))
}

func (cfg Config) started() time.Time {
	if cfg.Started.IsZero() {
		return time.Now()
	}
	return cfg.Started
}

// runWith is Run with an aggregator made by the caller (the cluster layer
// reports worker losses and takeovers into it).
func runWith(ctx context.Context, cfg Config, workers []Worker, g *aggregator) (*measure.Aggregate, error) {
	if cfg.StartLead <= 0 {
		cfg.StartLead = 200 * time.Millisecond
	}
	if cfg.DrainGrace <= 0 {
		cfg.DrainGrace = 10 * time.Second
	}
	stop := make(chan struct{})
	final := make(chan *measure.Aggregate, 1)
	go func() { final <- g.loop(stop) }()
	for _, w := range workers {
		g.event(measure.EventWorkerJoined, w.Name(), "")
		w.Start(g.ingest)
	}
	runErr := drive(ctx, cfg, g, workers)
	each(workers, func(w Worker) { w.Stop() })
	g.setPhase(ctx, measure.PhaseDone)
	close(stop)
	agg := <-final
	var closeErrs []error
	for _, s := range g.sinks {
		if err := s.Close(agg); err != nil {
			closeErrs = append(closeErrs, err)
		}
	}
	return agg, errors.Join(append([]error{runErr}, closeErrs...)...)
}

// drive runs the barriers. An abort (ctx cancelled) skips to the drain.
func drive(ctx context.Context, cfg Config, g *aggregator, workers []Worker) error {
	g.setPhase(ctx, measure.PhaseRamp)
	var mu sync.Mutex
	connected := 0
	each(workers, func(w Worker) {
		n, err := w.Connect(ctx)
		if err != nil && ctx.Err() == nil {
			g.event(measure.EventWorkerError, w.Name(), err.Error())
		}
		mu.Lock()
		connected += n
		mu.Unlock()
	})
	if connected < cfg.Agents {
		g.event(measure.EventRampIncomplete, "", fmt.Sprintf("%d of %d agents connected at the ramp deadline", connected, cfg.Agents))
	} else {
		g.event(measure.EventRampComplete, "", fmt.Sprintf("%d agents connected", connected))
	}
	if ctx.Err() == nil {
		g.setPhase(ctx, measure.PhaseRun)
		start := time.Now().Add(cfg.StartLead)
		each(workers, func(w Worker) { w.Dispatch(ctx, start) })
	}
	g.setPhase(ctx, measure.PhaseDrain)
	drainCtx := context.Background()
	if ctx.Err() != nil {
		var cancel context.CancelFunc
		drainCtx, cancel = context.WithTimeout(drainCtx, cfg.DrainGrace)
		defer cancel()
	}
	var lost int
	each(workers, func(w Worker) {
		n := w.Drain(drainCtx)
		mu.Lock()
		lost += n
		mu.Unlock()
	})
	if lost > 0 {
		g.event(measure.EventDrainLost, "", fmt.Sprintf("%d jobs still outstanding at the end of the drain were counted lost", lost))
	}
	if ctx.Err() != nil {
		g.event(measure.EventAborted, "", "interrupted: drained and stopped early")
	}
	return nil
}

// each calls f on every worker concurrently and waits for all.
func each(workers []Worker, f func(Worker)) {
	var wg sync.WaitGroup
	for _, w := range workers {
		wg.Add(1)
		go func() { defer wg.Done(); f(w) }()
	}
	wg.Wait()
}
