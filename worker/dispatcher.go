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
	inFlight chan struct{} // bounds concurrent publish chains
	chains   *tasks        // publish chains under way (publishChain)

	mu          sync.Mutex       // guards the fields below
	outstanding map[jobKey]int64 // job -> intended time (unix ns)
	lost        map[jobKey]int64 // declared lost -> intended (unix ns); a late completion is counted apart
	// busy holds, per agent with a publish chain running or parked, the
	// jobs waiting behind the one being published (a parked chain's job is
	// first). A job never overtakes an earlier one of its agent.
	busy map[int][]job
	// parked lists, per print-service client, the agents whose chains
	// stopped because it had no connection; resume restarts them.
	parked map[*service][]int
}

// job is one arrival on its way to the broker.
type job struct {
	scenarios.Arrival
	lateCounted bool // its late_dispatch was counted (it is being sent again)
}

func newDispatcher(w *Worker) *dispatcher {
	return &dispatcher{
		w:           w,
		inFlight:    make(chan struct{}, 256),
		chains:      newTasks(),
		outstanding: map[jobKey]int64{},
		lost:        map[jobKey]int64{},
		busy:        map[int][]job{},
		parked:      map[*service][]int{},
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

// submit publishes a's job on a chain of its own, unless a job of the same
// agent is being published or is parked: then it queues behind it. Jobs of
// one agent are written one after another, so the harness never reorders
// what the broker is asked to deliver; none waits for the previous one's
// acknowledgement. It reports false when ctx ended.
func (d *dispatcher) submit(ctx context.Context, a scenarios.Arrival) bool {
	j := job{Arrival: a}
	d.mu.Lock()
	start := d.enqueue(j)
	d.mu.Unlock()
	return !start || d.startChain(ctx, j)
}

// enqueue queues j behind its agent's chain, or reports that j starts a
// chain of its own; d.mu held.
func (d *dispatcher) enqueue(j job) bool {
	if q, ok := d.busy[j.Agent]; ok {
		d.busy[j.Agent] = append(q, j)
		return false
	}
	d.busy[j.Agent] = nil
	return true
}

// startChain runs publishChain from j; false when ctx ended or the worker
// stopped.
func (d *dispatcher) startChain(ctx context.Context, j job) bool {
	select {
	case d.inFlight <- struct{}{}:
	case <-ctx.Done():
		return false
	}
	if !d.chains.start(func() { d.publishChain(ctx, j) }) {
		<-d.inFlight
		return false
	}
	return true
}

// publishChain publishes j, then whatever queued behind it for that agent,
// until the queue is empty or the chain parks.
func (d *dispatcher) publishChain(ctx context.Context, j job) {
	defer func() { <-d.inFlight }()
	for d.publishJob(ctx, j) {
		d.mu.Lock()
		q := d.busy[j.Agent]
		if len(q) == 0 {
			delete(d.busy, j.Agent)
			d.mu.Unlock()
			return
		}
		j, d.busy[j.Agent] = q[0], q[1:]
		d.mu.Unlock()
	}
}

// publishJob publishes a registered job once, unless it was declared lost
// meanwhile (its time is past: sending it would only make a late
// completion). It returns false when it parked the chain instead: the
// job's print-service client has no connection.
func (d *dispatcher) publishJob(ctx context.Context, j job) bool {
	svc := d.services[j.Agent%len(d.services)]
	for try := 0; try < 3 && ctx.Err() == nil; try++ { // a connection lost under the publish: look again
		c, ok := d.clientOrPark(svc, j)
		if !ok {
			return false
		}
		if c == nil {
			return true // no longer outstanding
		}
		now := time.Now()
		if !j.lateCounted && now.Sub(j.At) > d.w.cfg.Scenario.Run.LateDispatch {
			d.w.rec.Error(measure.LateDispatch, 0)
		}
		j.lateCounted = true
		id := agentID(j.Agent)
		m := message{Run: d.w.cfg.RunID, Agent: id, Seq: j.Seq, Intended: j.At.UnixNano(), Sent: now.UnixNano()}
		if svc.publish(ctx, c, "agents/"+id+"/jobs", m.encode(d.w.cfg.Scenario.PayloadBytes)) != notSent {
			break
		}
	}
	return true
}

// clientOrPark returns svc's live connection for j; nil and true when j
// is no longer outstanding (declared lost, or handed to another worker);
// false when svc has no connection: j then goes back to the head of its
// agent's queue and the agent is parked until svc connects (resume).
func (d *dispatcher) clientOrPark(svc *service, j job) (*mqttConn, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.outstanding[keyOf(j.Agent, j.Seq)]; !ok {
		return nil, true
	}
	if c := svc.current(); c != nil {
		return c, true
	}
	d.busy[j.Agent] = append([]job{j}, d.busy[j.Agent]...)
	d.parked[svc] = append(d.parked[svc], j.Agent)
	return nil, false
}

// resume restarts the chains parked while svc had no connection, each from
// the job it stopped at, so the jobs that fell due meanwhile go out now
// (late, and counted so). svc calls it once connected and subscribed.
func (d *dispatcher) resume(ctx context.Context, svc *service) {
	d.mu.Lock()
	var starts []job
	for _, agent := range d.parked[svc] {
		if q := d.busy[agent]; len(q) > 0 {
			starts = append(starts, q[0])
			d.busy[agent] = q[1:]
		}
	}
	delete(d.parked, svc)
	d.mu.Unlock()
	for _, j := range starts {
		if !d.startChain(ctx, j) {
			return
		}
	}
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
