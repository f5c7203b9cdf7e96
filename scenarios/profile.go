package scenarios

// Profile is the traffic profile of a scenario on one rate basis: the
// study's formulas applied per segment and to the whole fleet, in simulated
// time (before speedup).
type Profile struct {
	Name           string       // scenario name
	Basis          Basis        // rate basis the figures use
	Phase          Phase        // the scenario's measured phase
	Speedup        float64      // the scenario's speedup
	MessagesPerJob int          // messages per job
	BusyShare      float64      // share of the week's jobs in busy hours
	BusySeconds    float64      // busy seconds per simulated week
	Segments       []ProfileRow // one row per segment, in scenario order
	Total          ProfileRow   // the whole fleet
}

// ProfileRow holds the rates of one segment or of the whole fleet.
type ProfileRow struct {
	Segment         string  // segment name, "total" for the fleet
	Agents          int     // exact number of agents
	JobsPerWeek     float64 // per agent, for the average rate (mix: midpoint; study: average figure)
	BusyJobsPerWeek float64 // per agent, for the busy-hour rate (mix: midpoint; study: busy_hour figure)
	AvgMsgsPerSec   float64 // messages_per_job x agents x jobs_per_week / 604800
	BusyMsgsPerSec  float64 // messages_per_job x busy_share x agents x busy jobs_per_week / busy seconds
}

// Profile computes the traffic profile on the given basis. Under BasisMix a
// segment's agents run at its midpoint; under BasisStudy every agent runs at
// the study's figures, so for 500,000 agents the total is the study's
// 496.032 msg/s average and 6,000 msg/s busy hour.
func (s *Scenario) Profile(basis Basis) Profile {
	p := Profile{Name: s.Name, Basis: basis, Phase: s.Phase, Speedup: s.Speedup,
		MessagesPerJob: s.MessagesPerJob, BusyShare: s.Calendar.BusyShare,
		BusySeconds: s.Calendar.BusySecondsPerWeek()}
	counts := s.SegmentCounts()
	for k, seg := range s.Segments {
		avg, busy := seg.JobsPerWeek.Midpoint(), seg.JobsPerWeek.Midpoint()
		if basis == BasisStudy {
			avg, busy = s.StudyJobsPerWeek.Average, s.StudyJobsPerWeek.BusyHour
		}
		p.Segments = append(p.Segments, p.row(seg.Name, counts[k], avg, busy))
	}
	p.Total = p.total()
	return p
}

// row applies the study's formulas to one group of agents.
func (p *Profile) row(name string, agents int, avg, busy float64) ProfileRow {
	msgs := float64(p.MessagesPerJob)
	n := float64(agents)
	return ProfileRow{Segment: name, Agents: agents, JobsPerWeek: avg, BusyJobsPerWeek: busy,
		AvgMsgsPerSec:  msgs * n * avg / SecondsPerWeek,
		BusyMsgsPerSec: msgs * p.BusyShare * n * busy / p.BusySeconds}
}

// total computes the fleet row from agent-weighted jobs per week, so that a
// uniform figure gives exactly the study's single formula.
func (p *Profile) total() ProfileRow {
	agents := 0
	var avgJobs, busyJobs float64
	for _, r := range p.Segments {
		agents += r.Agents
		avgJobs += float64(r.Agents) * r.JobsPerWeek
		busyJobs += float64(r.Agents) * r.BusyJobsPerWeek
	}
	if agents == 0 {
		return ProfileRow{Segment: "total"}
	}
	avg, busy := avgJobs/float64(agents), busyJobs/float64(agents)
	if allEqual(p.Segments, func(r ProfileRow) float64 { return r.JobsPerWeek }) {
		avg = p.Segments[0].JobsPerWeek
	}
	if allEqual(p.Segments, func(r ProfileRow) float64 { return r.BusyJobsPerWeek }) {
		busy = p.Segments[0].BusyJobsPerWeek
	}
	return p.row("total", agents, avg, busy)
}

// allEqual reports whether f gives the same value for every row.
func allEqual(rows []ProfileRow, f func(ProfileRow) float64) bool {
	for _, r := range rows[1:] {
		if f(r) != f(rows[0]) {
			return false
		}
	}
	return true
}

// PhaseMsgsPerSec returns the wall-clock message rate of the scenario's
// phase after speedup: the busy-hour rate for busy-hour, the average rate
// for stability and for week (as its mean over the week).
func (p Profile) PhaseMsgsPerSec() float64 {
	rate := p.Total.AvgMsgsPerSec
	if p.Phase == PhaseBusyHour {
		rate = p.Total.BusyMsgsPerSec
	}
	return rate * max(p.Speedup, 1)
}

// PhaseJobsPerSec returns the wall-clock job rate of the scenario's phase.
func (p Profile) PhaseJobsPerSec() float64 {
	return p.PhaseMsgsPerSec() / float64(max(p.MessagesPerJob, 1))
}
