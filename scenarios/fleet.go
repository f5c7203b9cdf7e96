package scenarios

import "math"

// fleet assigns agents to segments and jobs per week.
//
// Segment assignment: agent i has the rank r = (i x step + seed) mod agents,
// where step is the integer nearest to agents x 0.618... (the golden ratio)
// that is coprime with agents, so i -> r is a permutation of 0..agents-1.
// Segment k holds the ranks [round(c(k-1) x agents), round(c(k) x agents)),
// c being the cumulative shares, so the count per segment is exact and
// fixed, and the segments interleave evenly along the agent numbers: any
// contiguous range of agents holds each segment close to its share, which
// keeps workers' ranges balanced. It depends on (seed, agents, shares) only.
type fleet struct {
	n, step, offset uint64
	bounds          []uint64 // bounds[k] is the end rank of segment k
	segments        []Segment
	seed            uint64
	basis           Basis
	study           float64 // the study's figure for the phase
}

// newFleet precomputes the assignment of s.
func (s *Scenario) newFleet() *fleet {
	n := uint64(max(s.Agents, 1))
	f := &fleet{n: n, step: coprimeStep(n), offset: s.Seed % n,
		segments: s.Segments, seed: s.Seed, basis: s.Basis, study: s.StudyJobsPerWeek.Average}
	if s.Phase == PhaseBusyHour {
		f.study = s.StudyJobsPerWeek.BusyHour
	}
	cum := 0.0
	for _, seg := range s.Segments {
		cum += seg.Share
		end := min(uint64(max(math.Round(cum*float64(n)), 0)), n)
		if k := len(f.bounds); k > 0 {
			end = max(end, f.bounds[k-1]) // only for invalid shares
		}
		f.bounds = append(f.bounds, end)
	}
	if k := len(f.bounds); k > 0 {
		f.bounds[k-1] = n
	}
	return f
}

// coprimeStep returns the integer nearest to n/phi that is coprime with n.
func coprimeStep(n uint64) uint64 {
	step := max(uint64(math.Round(float64(n)*0.6180339887498949)), 1)
	for gcd(step, n) != 1 {
		step++
	}
	return step
}

func gcd(a, b uint64) uint64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// segment returns the segment index of the agent, -1 if there are none.
func (f *fleet) segment(agent int) int {
	r := (uint64(agent)%f.n*f.step + f.offset) % f.n
	for k, end := range f.bounds {
		if r < end {
			return k
		}
	}
	return len(f.bounds) - 1
}

// jobsPerWeek returns the agent's jobs per week in the scenario's phase.
func (f *fleet) jobsPerWeek(agent int) float64 {
	if f.basis == BasisStudy {
		return f.study
	}
	k := f.segment(agent)
	if k < 0 {
		return 0
	}
	r := f.segments[k].JobsPerWeek
	u := unit(streamAt(streamKey(f.seed, purposeJobs, agent), 0))
	return r.Min + u*(r.Max-r.Min)
}

// SegmentOf returns the index in Segments of the agent's segment. The
// assignment is a fixed permutation of the agent numbers cut into blocks by
// the cumulative shares: counts per segment are exact (see SegmentCounts),
// segments interleave evenly along the agent numbers so every contiguous
// range holds each segment close to its share, and it depends only on
// (Seed, Agents, shares), never on how agents are partitioned.
func (s *Scenario) SegmentOf(agent int) int {
	return s.newFleet().segment(agent)
}

// SegmentCounts returns the exact number of agents in each segment:
// segment k holds round(c(k) x Agents) - round(c(k-1) x Agents) agents, c
// being the cumulative shares.
func (s *Scenario) SegmentCounts() []int {
	f := s.newFleet()
	counts := make([]int, len(f.bounds))
	prev := uint64(0)
	for k, end := range f.bounds {
		counts[k] = int(end - prev)
		prev = end
	}
	return counts
}

// JobsPerWeek returns the agent's jobs per week as the arrival schedule uses
// it: under basis mix a uniform draw in its segment's range that depends on
// (Seed, agent) only; under basis study the study's figure for the phase
// (busy_hour for the busy-hour phase, average otherwise).
func (s *Scenario) JobsPerWeek(agent int) float64 {
	return s.newFleet().jobsPerWeek(agent)
}
