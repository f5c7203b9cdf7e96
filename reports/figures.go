package reports

import (
	"math"

	"github.com/mqherd/mqherd/internal/measure"
)

// Figures are a run's headline numbers: the summary table of a report and
// the named figures a scoring formula reads.
type Figures struct {
	DurationS           float64 `json:"duration_s"` // wall clock, less any excluded seconds
	Agents              int     `json:"agents"`
	AgentsConnectedPeak int64   `json:"agents_connected_peak"`
	JobsDispatched      int64   `json:"jobs_dispatched"`
	JobsCompleted       int64   `json:"jobs_completed"`
	MessagesSent        int64   `json:"messages_sent"`
	MessagesReceived    int64   `json:"messages_received"`
	Errors              int64   `json:"errors"`
	// ErrorPct is errors per attempted operation (publish or connect), in %.
	ErrorPct     float64          `json:"error_pct"`
	ErrorsByKind map[string]int64 `json:"errors_by_kind"`
	OutOfOrder   int64            `json:"out_of_order"`
	Duplicates   int64            `json:"duplicates"`
	Lost         int64            `json:"lost"`
	LostPct      float64          `json:"lost_pct"` // lost jobs per dispatched job, in %
	Connects     int64            `json:"connects"`
	Reconnects   int64            `json:"reconnects"`
	// ConnectRateMean is connects per second over the ramp (start to every
	// agent connected, or to the ramp deadline); ConnectRatePeak the most
	// connects completed in one second of the run.
	ConnectRateMean float64 `json:"connect_rate_mean"`
	ConnectRatePeak float64 `json:"connect_rate_peak"`
	// ConnectedAgentSecondsPct is the share of agent-seconds of the run
	// phase during which agents were connected: the availability seen.
	ConnectedAgentSecondsPct float64                        `json:"connected_agent_seconds_pct"`
	LatencyMs                map[string]measure.Percentiles `json:"latency_ms"`
}

// runShape is what the figures need of the run besides its measurements.
type runShape struct {
	agents    int      // fleet size
	durationS float64  // wall clock, start to end
	ramp      rampSpan // the connect ramp
}

// figures computes the figures from totals t and the rows; with
// skipExcluded, excluded rows count neither in the row-based figures nor
// in the duration (t must then hold only what was not excluded).
func figures(t *measure.Totals, rows []SecondRow, skipExcluded bool, run runShape) Figures {
	f := Figures{
		Agents:         run.agents,
		JobsDispatched: t.Counter(measure.JobsDispatched), JobsCompleted: t.Counter(measure.JobsCompleted),
		MessagesSent: t.Counter(measure.MessagesSent), MessagesReceived: t.Counter(measure.MessagesReceived),
		Errors: t.ErrorsTotal(), ErrorsByKind: t.Errors,
		OutOfOrder: t.Counter(measure.OutOfOrder), Duplicates: t.Counter(measure.Duplicates),
		Lost: t.Counter(measure.Lost), Connects: t.Counter(measure.Connects), Reconnects: t.Counter(measure.Reconnects),
		LatencyMs: map[string]measure.Percentiles{},
	}
	f.ErrorPct = pct(f.Errors, f.MessagesSent+f.Connects)
	f.LostPct = pct(f.Lost, f.JobsDispatched)
	for _, m := range measure.Metrics() {
		f.LatencyMs[m.String()] = t.Percentiles(m)
	}
	var rampConnects, connectedSum, runSeconds, excluded int64
	for i := range rows {
		r := &rows[i]
		if skipExcluded && r.Excluded {
			excluded++
			continue
		}
		f.AgentsConnectedPeak = max(f.AgentsConnectedPeak, r.AgentsConnected)
		f.ConnectRatePeak = max(f.ConnectRatePeak, float64(r.Counter(measure.Connects)))
		if r.Second <= run.ramp.lastSecond {
			rampConnects += r.Counter(measure.Connects)
		}
		if r.Phase == "run" {
			connectedSum += r.AgentsConnected
			runSeconds++
		}
	}
	if run.ramp.seconds > 0 {
		f.ConnectRateMean = round3(float64(rampConnects) / run.ramp.seconds)
	}
	f.ConnectedAgentSecondsPct = pct(connectedSum, int64(run.agents)*runSeconds)
	f.DurationS = round3(max(0, run.durationS-float64(excluded)))
	return f
}

// rampSpan is how long the connect ramp took and the last second it touched.
type rampSpan struct {
	seconds    float64
	lastSecond int
}

func pct(part, whole int64) float64 {
	if whole <= 0 {
		return 0
	}
	return round3(100 * float64(part) / float64(whole))
}

func round3(v float64) float64 { return math.Round(v*1000) / 1000 }

// Named returns the figures under the names scoring formulas use
// (FigureNames lists them). monthly_cost_usd is set by the caller.
func (f Figures) Named() map[string]float64 {
	n := map[string]float64{
		"duration_s": f.DurationS, "agents": float64(f.Agents),
		"agents_connected_peak": float64(f.AgentsConnectedPeak),
		"jobs_dispatched":       float64(f.JobsDispatched), "jobs_completed": float64(f.JobsCompleted),
		"messages_sent": float64(f.MessagesSent), "messages_received": float64(f.MessagesReceived),
		"errors": float64(f.Errors), "error_pct": f.ErrorPct,
		"out_of_order": float64(f.OutOfOrder), "duplicates": float64(f.Duplicates),
		"lost": float64(f.Lost), "lost_pct": f.LostPct,
		"reconnects": float64(f.Reconnects), "connects": float64(f.Connects),
		"connect_rate_mean": f.ConnectRateMean, "connect_rate_peak": f.ConnectRatePeak,
		"connected_agent_seconds_pct": f.ConnectedAgentSecondsPct,
		"monthly_cost_usd":            0,
	}
	for _, m := range measure.Metrics() {
		p := f.LatencyMs[m.String()]
		n[m.String()+"_p50_ms"], n[m.String()+"_p99_ms"] = p.P50, p.P99
		n[m.String()+"_p999_ms"], n[m.String()+"_max_ms"] = p.P999, p.Max
	}
	return n
}
