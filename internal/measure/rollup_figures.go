package measure

import (
	"maps"
	"slices"
)

// Figures are the run's figures with the excluded spans left out; agents
// is the fleet size. Call after Finish.
func (r *Rollup) Figures(agents int) Figures { return r.figures(r.included, true, agents) }

// Unexcluded are the run's figures with nothing left out.
func (r *Rollup) Unexcluded(agents int) Figures { return r.figures(r.all, false, agents) }

// figures computes the figures from totals t and the rows; with
// skipExcluded, excluded rows count neither in the row-based figures nor
// in the duration (t must then hold only what was not excluded).
func (r *Rollup) figures(t *Totals, skipExcluded bool, agents int) Figures {
	f := totalsFigures(t, agents)
	ramp := r.ramp()
	var rampConnects, connectedSum, runSeconds, excluded int64
	for i := range r.rows {
		row := &r.rows[i]
		if skipExcluded && row.Excluded {
			excluded++
			continue
		}
		f.AgentsConnectedPeak = max(f.AgentsConnectedPeak, row.AgentsConnected)
		f.ConnectRatePeak = max(f.ConnectRatePeak, float64(row.Counter(Connects)))
		if row.Second <= ramp.lastSecond {
			rampConnects += row.Counter(Connects)
		}
		if row.Phase == PhaseRun {
			connectedSum += row.AgentsConnected
			runSeconds++
		}
	}
	if ramp.seconds > 0 {
		f.ConnectRateMean = Round3(float64(rampConnects) / ramp.seconds)
	}
	f.ConnectedAgentSecondsPct = pct(connectedSum, int64(agents)*runSeconds)
	f.DurationS = Round3(max(0, r.ended.Sub(r.cfg.Started).Seconds()-float64(excluded)))
	return f
}

// rampSpan is how long the connect ramp took and the last second it touched.
type rampSpan struct {
	seconds    float64
	lastSecond int
}

// ramp is the connect ramp: from the ramp phase to ramp_complete (or
// ramp_incomplete); without those events, the rows in the ramp phase.
func (r *Rollup) ramp() rampSpan {
	if !r.rampFrom.IsZero() && r.rampTo.After(r.rampFrom) {
		return rampSpan{seconds: r.rampTo.Sub(r.rampFrom).Seconds(), lastSecond: r.SecondOf(r.rampTo)}
	}
	n := 0
	for _, row := range r.rows {
		if row.Phase == PhaseRamp {
			n = row.Second
		}
	}
	return rampSpan{seconds: float64(n), lastSecond: n}
}

// Workers are the workers' rows, by name. complete says whether the run
// finished: a worker not lost then is done; otherwise its end is unknown.
func (r *Rollup) Workers(complete bool) []WorkerRow {
	rows := make([]WorkerRow, 0, len(r.workers))
	for _, name := range slices.Sorted(maps.Keys(r.workers)) {
		w := r.workers[name]
		state := WorkerUnknown
		switch {
		case r.isLost(name):
			state = WorkerLost
		case complete:
			state = WorkerDone
		}
		rows = append(rows, workerRow(name, state, w.view.Gauges, w.view.AgentsConnectedPeak, w.view.Cumulative))
	}
	return rows
}

func (r *Rollup) isLost(name string) bool {
	_, lost := r.lostAt[name]
	return lost
}
