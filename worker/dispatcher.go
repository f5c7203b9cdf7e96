package worker

import (
	"context"
	"sync"
	"time"

	"github.com/mqherd/mqherd/internal/measure"
	"github.com/mqherd/mqherd/internal/wire"
	"github.com/mqherd/mqherd/scenarios"
)

// jobKey identifies one job of this run: agent number and sequence.
type jobKey uint64

func keyOf(agent int, seq uint32) jobKey { return jobKey(uint64(agent)<<32 | uint64(seq)) }

// dispatcher plays the print service for this worker's agents: it publishes
// each job at its intended time (open model), tracks it until its completion
// status arrives, and declares it lost after the job timeout.
type dispatcher struct {
	w        *Worker
	services []*service
	inFlight chan struct{} // bounds concurrent job publishes

	mu          sync.Mutex                  // guards the fields below
	outstanding map[jobKey]int64            // job -> intended time (unix ns)
	lost        map[jobKey]int64            // declared lost -> intended (unix ns); a late completion is counted apart
	busy        map[int][]scenarios.Arrival // agent -> jobs waiting behind the one being published
	wg          sync.WaitGroup              // job publishes under way
}

func newDispatcher(w *Worker) *dispatcher {
	return &dispatcher{
		w:           w,
		inFlight:    make(chan struct{}, 256),
		outstanding: map[jobKey]int64{},
		lost:        map[jobKey]int64{},
		busy:        map[int][]scenarios.Arrival{},
	}
}

// arrivals yields jobs in intended-time order (scenarios.Arrivals).
type arrivals interface {
	Next() (scenarios.Arrival, bool)
}

// run publishes jobs from start until the phase's wall duration has passed
// or ctx ends. Sends that fall behind are sent late and counted, never
// skipped.
func (d *dispatcher) run(ctx context.Context, arrivals arrivals) {
	timer := time.NewTimer(0)
	<-timer.C
	defer timer.Stop()
	for ctx.Err() == nil {
		a, ok := arrivals.Next()
		if !ok {
			return
		}
		if wait := time.Until(a.At); wait > 0 {
			timer.Reset(wait)
			select {
			case <-ctx.Done():
				return
			case <-timer.C:
			}
		}
		d.register(a)
		if !d.submit(ctx, a) {
			return
		}
	}
}

// register counts a job as dispatched and outstanding from its intended
// time on, before it is published: a completion can then never arrive for
// a job the dispatcher does not know.
func (d *dispatcher) register(a scenarios.Arrival) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.outstanding[keyOf(a.Agent, a.Seq)] = a.At.UnixNano()
	d.w.rec.Count(measure.JobsDispatched, 1)
	d.w.rec.Gauge(measure.JobsOutstanding, 1)
}

// known reports whether a's job is already tracked (inherited from a lost
// worker whose last report listed it).
func (d *dispatcher) known(a scenarios.Arrival) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	_, ok := d.outstanding[keyOf(a.Agent, a.Seq)]
	return ok
}

// inherit tracks jobs another (lost) worker dispatched and left
// outstanding: their completions count here, or they time out as lost.
func (d *dispatcher) inherit(jobs []wire.Job) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, j := range jobs {
		d.outstanding[keyOf(j.Agent, j.Seq)] = j.Intended
	}
	d.w.rec.Gauge(measure.JobsOutstanding, int64(len(jobs)))
}

// transfer drops jobs that survivors inherited from this worker: they are
// counted there, so here they are neither completed nor lost.
func (d *dispatcher) transfer(jobs []wire.Job) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, j := range jobs {
		k := keyOf(j.Agent, j.Seq)
		if _, ok := d.outstanding[k]; ok {
			delete(d.outstanding, k)
			d.w.rec.Gauge(measure.JobsOutstanding, -1)
		}
	}
}

// outstandingJobs lists the jobs outstanding now; d.mu held.
func (d *dispatcher) outstandingJobs() []wire.Job {
	out := make([]wire.Job, 0, len(d.outstanding))
	for k, t := range d.outstanding {
		out = append(out, wire.Job{Agent: int(k >> 32), Seq: uint32(k), Intended: t})
	}
	return out
}

// submit publishes a's job on its own goroutine, unless a job of the same
// agent is being published: then it queues behind it. Jobs of one agent are
// published one after another (the next after the previous PUBACK), so the
// harness never reorders what the broker is asked to deliver. It reports
// false when ctx ended.
func (d *dispatcher) submit(ctx context.Context, a scenarios.Arrival) bool {
	d.mu.Lock()
	if q, ok := d.busy[a.Agent]; ok {
		d.busy[a.Agent] = append(q, a)
		d.mu.Unlock()
		return true
	}
	d.busy[a.Agent] = nil
	d.mu.Unlock()
	select {
	case d.inFlight <- struct{}{}:
	case <-ctx.Done():
		return false
	}
	d.wg.Add(1)
	go d.publishChain(ctx, a)
	return true
}

// publishChain publishes a, then whatever queued behind it for that agent.
func (d *dispatcher) publishChain(ctx context.Context, a scenarios.Arrival) {
	defer func() { <-d.inFlight; d.wg.Done() }()
	for {
		d.publishJob(ctx, a)
		d.mu.Lock()
		q := d.busy[a.Agent]
		if len(q) == 0 {
			delete(d.busy, a.Agent)
			d.mu.Unlock()
			return
		}
		a, d.busy[a.Agent] = q[0], q[1:]
		d.mu.Unlock()
	}
}

// publishJob publishes a registered job once.
func (d *dispatcher) publishJob(ctx context.Context, a scenarios.Arrival) {
	now := time.Now()
	if now.Sub(a.At) > d.w.cfg.Scenario.Run.LateDispatch {
		d.w.rec.Error(measure.LateDispatch, 0)
	}
	svc := d.services[a.Agent%len(d.services)]
	c := svc.current()
	if c == nil {
		d.w.rec.Error(measure.PublishTimeout, 0) // the print service is offline: the job will time out
		return
	}
	id := agentID(a.Agent)
	m := message{Run: d.w.cfg.RunID, Agent: id, Seq: a.Seq, Intended: a.At.UnixNano(), Sent: now.UnixNano()}
	svc.publish(ctx, c, "agents/"+id+"/jobs", m.encode(d.w.cfg.Scenario.PayloadBytes))
}

// completed records a status: end-to-end and status-delivery latency for a
// job still outstanding; otherwise a late completion or a duplicate.
func (d *dispatcher) completed(m message, at time.Time) {
	n, ok := parseAgentID(m.Agent)
	if !ok {
		d.w.rec.Count(measure.Stale, 1)
		return
	}
	k := keyOf(n, m.Seq)
	d.mu.Lock()
	defer d.mu.Unlock()
	_, found := d.outstanding[k]
	delete(d.outstanding, k)
	_, wasLost := d.lost[k]
	delete(d.lost, k)
	// A job lost so long ago that it was forgotten (see expire) is late too.
	wasLost = wasLost || m.JobIntended < at.Add(-d.lostMemory()).UnixNano()
	switch {
	case found:
		d.w.rec.Count(measure.JobsCompleted, 1)
		d.w.rec.Gauge(measure.JobsOutstanding, -1)
		d.w.rec.Latency(measure.JobEndToEnd, n, at.Sub(unixTime(m.JobIntended)))
		d.w.rec.Latency(measure.StatusDelivery, n, at.Sub(unixTime(m.Intended)))
	case wasLost:
		d.w.rec.Count(measure.LateCompletions, 1)
	default:
		d.w.rec.Count(measure.Duplicates, 1)
	}
}

// expire declares lost every job older than the job timeout at now (or
// every outstanding job when all is true) and returns how many remain.
func (d *dispatcher) expire(now time.Time, all bool) int {
	limit := now.Add(-d.w.cfg.Scenario.Run.JobTimeout).UnixNano()
	var expired int64
	d.mu.Lock()
	for k, intended := range d.outstanding {
		if all || intended < limit {
			delete(d.outstanding, k)
			d.lost[k] = intended
			expired++
		}
	}
	forget := now.Add(-d.lostMemory()).UnixNano()
	for k, intended := range d.lost { // bounded: lost jobs are remembered for lostMemory
		if intended < forget {
			delete(d.lost, k)
		}
	}
	left := len(d.outstanding)
	if expired > 0 {
		d.w.rec.Count(measure.Lost, expired)
		d.w.rec.Gauge(measure.JobsOutstanding, -expired)
		for range expired {
			d.w.rec.Error(measure.JobTimeout, 0)
		}
	}
	d.mu.Unlock()
	return left
}

// lostMemory is how long a lost job is remembered by key, to tell its late
// completion from a duplicate; older ones are recognised by their intended time.
func (d *dispatcher) lostMemory() time.Duration { return 10 * d.w.cfg.Scenario.Run.JobTimeout }

// sweep expires timed-out jobs every interval until ctx ends.
func (d *dispatcher) sweep(ctx context.Context, interval time.Duration) {
	every(ctx, interval, func(now time.Time) { d.expire(now, false) })
}

// expireAll declares every outstanding job lost and returns how many.
func (d *dispatcher) expireAll() int {
	d.mu.Lock()
	n := len(d.outstanding)
	d.mu.Unlock()
	d.expire(time.Now(), true)
	return n
}
