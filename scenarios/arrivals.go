package scenarios

import (
	"math"
	"time"
)

// Arrival is one job of the open model: the service sends it to Agent at At.
type Arrival struct {
	Agent int       // agent number, 0..Agents-1
	Seq   uint32    // the agent's job number, from 1
	At    time.Time // intended wall-clock send time
}

// Arrivals yields the jobs of a set of agents in time order. Each agent's
// jobs form a non-homogeneous Poisson process whose rate is its jobs per
// week shaped by the phase and multiplied by Speedup; its times depend only
// on (Seed, agent), never on the other agents in the set. It is not safe for
// concurrent use. Memory is one heap entry (48 bytes) per agent.
type Arrivals struct {
	start time.Time
	end   int64   // wall nanoseconds after start at which the schedule ends
	wall  float64 // wall nanoseconds per simulated second
	shape shape
	heap  []entry
}

// entry is one agent's next arrival.
type entry struct {
	at     int64   // wall nanoseconds after start
	tau    float64 // unit-rate arrival time: the sum of Seq exponential draws
	perJob float64 // 1 / jobs per week
	key    uint64  // the agent's arrival stream key
	agent  int
	seq    uint32
}

// Arrivals returns the schedule of agents first..first+count-1 over the
// phase, starting at start and ending at start+WallDuration(). The scenario
// must be valid; it is not retained, later changes to s do not affect the
// schedule.
func (s *Scenario) Arrivals(first, count int, start time.Time) *Arrivals {
	agents := make([]int, max(count, 0))
	for i := range agents {
		agents[i] = first + i
	}
	return s.ArrivalsOf(agents, start)
}

// ArrivalsOf is Arrivals for an arbitrary set of agent numbers, such as the
// union of several re-assigned ranges. Repeated numbers are generated twice.
func (s *Scenario) ArrivalsOf(agents []int, start time.Time) *Arrivals {
	a := &Arrivals{
		start: start,
		end:   int64(s.WallDuration()),
		wall:  1e9 / max(s.Speedup, 1),
		shape: s.phaseShape(),
		heap:  make([]entry, 0, len(agents)),
	}
	f := s.newFleet()
	for _, agent := range agents {
		jobs := f.jobsPerWeek(agent)
		if !(jobs > 0) {
			continue
		}
		e := entry{perJob: 1 / jobs, key: streamKey(s.Seed, purposeArrivals, agent), agent: agent}
		if a.advance(&e) {
			a.heap = append(a.heap, e)
		}
	}
	a.heapify()
	return a
}

// Next returns the next arrival in time order (ties by agent number), or
// false once the schedule has reached start+WallDuration().
func (a *Arrivals) Next() (Arrival, bool) {
	if len(a.heap) == 0 {
		return Arrival{}, false
	}
	top := &a.heap[0]
	out := Arrival{Agent: top.agent, Seq: top.seq, At: a.start.Add(time.Duration(top.at))}
	if a.advance(top) {
		a.down(0)
	} else {
		a.pop()
	}
	return out, true
}

// Remaining returns the number of agents that still have arrivals.
func (a *Arrivals) Remaining() int { return len(a.heap) }

// advance moves e to its next arrival and reports whether it is before the end.
func (a *Arrivals) advance(e *entry) bool {
	e.seq++
	e.tau += expDraw(streamAt(e.key, uint64(e.seq)))
	t := a.shape.simTime(e.tau*e.perJob) * a.wall
	if !(t < float64(a.end)) || e.seq == math.MaxUint32 {
		return false
	}
	e.at = max(int64(t), e.at) // rounding must not reorder an agent's jobs
	return true
}
