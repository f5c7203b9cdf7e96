package reports

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/mqherd/mqherd/internal/measure"
	"github.com/mqherd/mqherd/internal/rundir"
)

// ReportVersion is the version of the report's JSON form.
const ReportVersion = 1

// Report is everything a report shows, rebuilt from a run directory alone.
// Its JSON form is report.json; the Markdown and HTML forms render it.
type Report struct {
	Version int     `json:"version"`
	Run     RunInfo `json:"run"`
	// Figures are the headline numbers, with every exclusion removed.
	Figures measure.Figures `json:"figures"`
	// Exclusions lists the windows removed, why, and what each removed;
	// Unexcluded holds the figures with nothing removed (nil when nothing was).
	Exclusions []ExcludedWindow    `json:"exclusions,omitempty"`
	Unexcluded *measure.Figures    `json:"unexcluded,omitempty"`
	Latency    []Latency           `json:"latency"`
	Series     []measure.Second    `json:"series"`
	ErrorKeys  []string            `json:"error_keys"` // every error key seen, sorted
	Workers    []measure.WorkerRow `json:"workers"`
	Events     []EventRow          `json:"events"`
	Windows    []Window            `json:"windows"`       // marked on the time charts
	AWS        *AWSSection         `json:"aws,omitempty"` // AWS IoT's own figures, when the run has aws-metrics.json
	Cost       *CostReport         `json:"cost,omitempty"`
	Notes      []string            `json:"notes,omitempty"` // caveats about the data
}

// RunInfo says which run a report is of.
type RunInfo struct {
	Path          string      `json:"-"`
	RunID         string      `json:"run_id"`
	Scenario      string      `json:"scenario"`
	Target        string      `json:"target"`
	TargetAddress string      `json:"target_address"`
	Started       time.Time   `json:"started"`
	Ended         time.Time   `json:"ended"`
	Workers       int         `json:"workers"`
	Host          rundir.Host `json:"host"`
	Mqherd        string      `json:"mqherd_version"`
	Complete      bool        `json:"complete"` // the run wrote its summary
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
func Build(r *rundir.Run, opt Options) (*Report, error) {
	roll, err := r.Replay(spans(opt.Exclusions))
	if err != nil {
		return nil, err
	}
	origin := roll.Origin()
	views := roll.Views()
	rep := &Report{Version: ReportVersion, Run: info(r, roll.Ended(), len(views)), Series: roll.Rows(), Cost: opt.Cost,
		Figures: roll.Figures(r.Agents()), Workers: roll.Workers(r.Complete())}
	if len(opt.Exclusions) > 0 {
		all := roll.Unexcluded(r.Agents())
		rep.Unexcluded = &all
		rep.Exclusions = excludedWindows(opt.Exclusions, roll)
	}
	for _, m := range measure.Metrics() {
		rep.Latency = append(rep.Latency, newLatency(m, roll.Included().Histograms[m]))
	}
	rep.ErrorKeys = slices.Sorted(maps.Keys(roll.All().Errors))
	rep.Events, rep.Windows = eventRows(origin, r.Events), windows(origin, r.Events, opt.Exclusions)
	rep.Notes = notes(r, roll)
	if r.AWSMetrics != nil {
		rep.AWS = awsSection(r.AWSMetrics, origin, r.Manifest.Started, roll.Ended(), rep.Series)
	}
	return rep, nil
}

func info(r *rundir.Run, ended time.Time, workers int) RunInfo {
	m := r.Manifest
	return RunInfo{Path: r.Path, RunID: m.RunID, Scenario: m.Scenario, Target: m.Target.Name,
		TargetAddress: m.Target.Address, Started: m.Started, Ended: ended, Workers: workers,
		Host: m.Host, Mqherd: m.Mqherd, Complete: r.Complete()}
}

func excludedWindows(ex []Exclusion, roll *measure.Rollup) []ExcludedWindow {
	out := make([]ExcludedWindow, len(ex))
	for i, e := range ex {
		t := roll.Removed(i)
		w := ExcludedWindow{FromS: e.From.Seconds(), ToS: e.To.Seconds(), Why: e.Why,
			Counters: t.Counters, Errors: t.Errors, Samples: map[string]int64{}}
		for _, row := range roll.Rows() {
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

func notes(r *rundir.Run, roll *measure.Rollup) []string {
	var notes []string
	if !r.Complete() {
		notes = append(notes, "The run did not write summary.json (interrupted or crashed): figures cover what it measured up to its last snapshot.")
	}
	if p := r.Manifest.Partial; p != nil {
		notes = append(notes, fmt.Sprintf("This is worker %s's partial run directory (%s): only its own measurements.", p.Worker, p.Reason))
	}
	if n := roll.Late(); n > 0 {
		notes = append(notes, fmt.Sprintf("%d snapshots arrived after their second was closed: counted in the totals, not in any second's row.", n))
	}
	if r.Summary != nil && r.Summary.SnapshotsDropped > 0 {
		notes = append(notes, fmt.Sprintf("The coordinator dropped %d snapshots it could not take in time: their measurements are missing.", r.Summary.SnapshotsDropped))
	}
	return notes
}
