package reports

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/mqherd/mqherd/internal/measure"
)

// ReportVersion is the version of the report's JSON form.
const ReportVersion = 1

// Report is everything a report shows, rebuilt from a run directory alone.
// Its JSON form is report.json; the Markdown and HTML forms render it.
type Report struct {
	Version int     `json:"version"`
	Run     RunInfo `json:"run"`
	// Figures are the headline numbers, with every exclusion removed.
	Figures Figures `json:"figures"`
	// Exclusions lists the windows removed, why, and what each removed;
	// Unexcluded holds the figures with nothing removed (nil when nothing was).
	Exclusions []ExcludedWindow `json:"exclusions,omitempty"`
	Unexcluded *Figures         `json:"unexcluded,omitempty"`
	Latency    []Latency        `json:"latency"`
	Series     []SecondRow      `json:"series"`
	ErrorKeys  []string         `json:"error_keys"` // every error key seen, sorted
	Workers    []WorkerRow      `json:"workers"`
	Events     []EventRow       `json:"events"`
	Windows    []Window         `json:"windows"` // marked on the time charts
	Cost       *CostReport      `json:"cost,omitempty"`
	Notes      []string         `json:"notes,omitempty"` // caveats about the data
}

// RunInfo says which run a report is of.
type RunInfo struct {
	Path          string    `json:"-"`
	RunID         string    `json:"run_id"`
	Scenario      string    `json:"scenario"`
	Target        string    `json:"target"`
	TargetAddress string    `json:"target_address"`
	Started       time.Time `json:"started"`
	Ended         time.Time `json:"ended"`
	Workers       int       `json:"workers"`
	Host          Host      `json:"host"`
	Mqherd        string    `json:"mqherd_version"`
	Complete      bool      `json:"complete"` // the run wrote its summary
}

// ExcludedWindow is one exclusion and what it took out of the figures.
type ExcludedWindow struct {
	FromS    float64          `json:"from_s"`
	ToS      float64          `json:"to_s"`
	Why      string           `json:"why"`
	Seconds  int              `json:"seconds"` // rows of the run removed
	Counters map[string]int64 `json:"counters"`
	Errors   map[string]int64 `json:"errors"`
	Samples  map[string]int64 `json:"latency_samples"` // per metric
}

// WorkerRow is one worker's part of the figures.
type WorkerRow struct {
	Name                string             `json:"name"`
	State               string             `json:"state"` // done or lost
	AgentsAssigned      int64              `json:"agents_assigned"`
	AgentsConnectedPeak int64              `json:"agents_connected_peak"`
	JobsDispatched      int64              `json:"jobs_dispatched"`
	JobsCompleted       int64              `json:"jobs_completed"`
	MessagesSent        int64              `json:"messages_sent"`
	MessagesReceived    int64              `json:"messages_received"`
	Errors              int64              `json:"errors"`
	Lost                int64              `json:"lost"`
	P99Ms               map[string]float64 `json:"p99_ms"`
}

// EventRow is one run event, placed on the report's clock.
type EventRow struct {
	AtS float64 `json:"at_s"` // seconds after the report's origin (see Build)
	measure.Event
}

// Options tune a report.
type Options struct {
	Exclusions []Exclusion
	Cost       *CostReport // the cost section, if the caller computed one
}

// Build rebuilds the report of run r. The report's clock starts at the
// whole second in which the run started (workers' snapshots end on whole
// seconds): row n of the series covers (n-1 s, n s], and event times,
// windows and exclusions are seconds on that clock.
func Build(r *Run, opt Options) (*Report, error) {
	start := r.Manifest.Started
	origin := start.Truncate(time.Second) // the charts' t=0: snapshots end on whole seconds
	b := newRebuild(origin, opt.Exclusions, r.Events)
	if err := r.EachSnapshot(func(d *measure.Decoded) error { b.add(d); return nil }); err != nil {
		return nil, err
	}
	ended := r.ended()
	b.finish(b.secondOf(ended))
	rep := &Report{Version: ReportVersion, Run: r.info(ended, len(b.order)), Series: b.rows, Cost: opt.Cost}
	run := runShape{agents: r.agents(), durationS: ended.Sub(start).Seconds(), ramp: r.ramp(b)}
	rep.Figures = figures(b.included, b.rows, true, run)
	if len(opt.Exclusions) > 0 {
		all := figures(b.all, b.rows, false, run)
		rep.Unexcluded = &all
		rep.Exclusions = excludedWindows(opt.Exclusions, b)
	}
	for _, m := range measure.Metrics() {
		rep.Latency = append(rep.Latency, newLatency(m, b.included.Histograms[m]))
	}
	rep.ErrorKeys = errorKeys(b.all)
	rep.Workers = workerRows(b, r)
	rep.Events, rep.Windows = eventRows(origin, r.Events), windows(origin, r.Events, opt.Exclusions)
	rep.Notes = r.notes(b)
	return rep, nil
}

// ended is when the run ended: its summary's end, else its last event.
func (r *Run) ended() time.Time {
	if r.Summary != nil {
		return r.Summary.Ended
	}
	end := r.Manifest.Started
	for _, e := range r.Events {
		if e.Time.After(end) {
			end = e.Time
		}
	}
	return end
}

func (r *Run) info(ended time.Time, workers int) RunInfo {
	m := r.Manifest
	return RunInfo{Path: r.Path, RunID: m.RunID, Scenario: m.Scenario, Target: m.Target.Name,
		TargetAddress: m.Target.Address, Started: m.Started, Ended: ended, Workers: workers,
		Host: m.Host, Mqherd: m.Mqherd, Complete: r.Summary != nil}
}

// agents is the fleet size: the plan's agents.
func (r *Run) agents() int {
	n := 0
	for _, a := range r.Manifest.Plan {
		n += a.Agents.Count
	}
	if n == 0 && r.Summary != nil {
		n = r.Summary.Agents
	}
	return n
}

// ramp is the connect ramp: from the ramp phase to ramp_complete (or
// ramp_incomplete); without those events, the rows in the ramp phase.
func (r *Run) ramp(b *rebuild) rampSpan {
	var from, to time.Time
	for _, e := range r.Events {
		switch {
		case e.Kind == "phase" && e.Detail == "ramp" && from.IsZero():
			from = e.Time
		case (e.Kind == "ramp_complete" || e.Kind == "ramp_incomplete") && to.IsZero():
			to = e.Time
		}
	}
	if !from.IsZero() && to.After(from) {
		return rampSpan{seconds: to.Sub(from).Seconds(), lastSecond: b.secondOf(to)}
	}
	n := 0
	for _, row := range b.rows {
		if row.Phase == "ramp" {
			n = row.Second
		}
	}
	return rampSpan{seconds: float64(n), lastSecond: n}
}

func excludedWindows(ex []Exclusion, b *rebuild) []ExcludedWindow {
	out := make([]ExcludedWindow, len(ex))
	for i, e := range ex {
		t := b.removed[i]
		w := ExcludedWindow{FromS: e.From.Seconds(), ToS: e.To.Seconds(), Why: e.Why,
			Counters: t.Counters, Errors: t.Errors, Samples: map[string]int64{}}
		for _, row := range b.rows {
			if e.Covers(row.Second) {
				w.Seconds++
			}
		}
		for _, m := range measure.Metrics() {
			w.Samples[m.String()] = t.Histogram(m).TotalCount()
		}
		out[i] = w
	}
	return out
}

func workerRows(b *rebuild, r *Run) []WorkerRow {
	names := slices.Sorted(maps.Keys(b.workers))
	rows := make([]WorkerRow, 0, len(names))
	for _, name := range names {
		w := b.workers[name]
		c := w.totals
		row := WorkerRow{Name: name, State: "done", AgentsConnectedPeak: w.peak,
			AgentsAssigned: b.lastGauges[name][measure.AgentsAssigned.String()],
			JobsDispatched: c.Counter(measure.JobsDispatched), JobsCompleted: c.Counter(measure.JobsCompleted),
			MessagesSent: c.Counter(measure.MessagesSent), MessagesReceived: c.Counter(measure.MessagesReceived),
			Errors: c.ErrorsTotal(), Lost: c.Counter(measure.Lost), P99Ms: map[string]float64{}}
		if _, lost := b.lostAt[name]; lost {
			row.State = "lost"
		} else if !r.complete() {
			row.State = "unknown"
		}
		for _, m := range measure.Metrics() {
			row.P99Ms[m.String()] = c.Percentiles(m).P99
		}
		rows = append(rows, row)
	}
	return rows
}

func (r *Run) complete() bool { return r.Summary != nil }

func (r *Run) notes(b *rebuild) []string {
	var notes []string
	if !r.complete() {
		notes = append(notes, "The run did not write summary.json (interrupted or crashed): figures cover what it measured up to its last snapshot.")
	}
	if b.late > 0 {
		notes = append(notes, fmt.Sprintf("%d snapshots arrived more than %d s after their second: counted in the totals, not in that second's percentiles.", b.late, seriesLag))
	}
	if r.Summary != nil && r.Summary.SnapshotsDropped > 0 {
		notes = append(notes, fmt.Sprintf("The coordinator dropped %d snapshots it could not take in time: their measurements are missing.", r.Summary.SnapshotsDropped))
	}
	return notes
}
