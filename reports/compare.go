package reports

import (
	"fmt"
	"maps"
	"slices"
	"strconv"

	"github.com/mqherd/mqherd/internal/measure"
)

// ComparisonVersion is the version of the comparison's JSON form.
const ComparisonVersion = 1

// Comparison sets runs side by side (typically one scenario against
// several brokers): figures with deltas against the first run, latency
// distributions, errors per kind and the weighted scoring matrix.
type Comparison struct {
	Version int           `json:"version"`
	Runs    []ComparedRun `json:"runs"` // the first is the baseline
	// ErrorKeys is every error key seen in any run, sorted.
	ErrorKeys []string `json:"error_keys"`
	Scoring   Matrix   `json:"scoring"`
	// ScoringSource is the scoring file used, or "built-in".
	ScoringSource string `json:"scoring_source"`
}

// ComparedRun is one run of a comparison.
type ComparedRun struct {
	Label   string             `json:"label"` // the target, made unique
	Run     RunInfo            `json:"run"`
	Figures measure.Figures    `json:"figures"`
	Named   map[string]float64 `json:"named_figures"` // what the scoring formulas read
	Latency []Latency          `json:"latency"`
	Windows []Window           `json:"windows,omitempty"`
	Cost    *CostReport        `json:"cost,omitempty"`
	series  []measure.Second   // for the time charts of the HTML page
}

// Compare sets the reports side by side and scores them. The first report
// is the baseline the deltas are taken against.
func Compare(reps []*Report, s *Scoring) (*Comparison, error) {
	if len(reps) < 2 {
		return nil, fmt.Errorf("compare needs at least two runs, got %d", len(reps))
	}
	c := &Comparison{Version: ComparisonVersion, ScoringSource: s.Source}
	keys := map[string]bool{}
	labels, targets, named := make([]string, len(reps)), make([]string, len(reps)), make([]map[string]float64, len(reps))
	for i, r := range reps {
		labels[i], targets[i] = uniqueLabel(r.Run.Target, labels[:i]), r.Run.Target
		named[i] = r.Figures.Named()
		if r.Cost != nil {
			named[i]["monthly_cost_usd"] = r.Cost.MonthlyUSD(r.Run.Target)
		}
		c.Runs = append(c.Runs, ComparedRun{Label: labels[i], Run: r.Run, Figures: r.Figures, Named: named[i],
			Latency: r.Latency, Windows: r.Windows, Cost: r.Cost, series: r.Series})
		for k := range r.Figures.ErrorsByKind {
			keys[k] = true
		}
	}
	c.ErrorKeys = slices.Sorted(maps.Keys(keys))
	m, err := s.Score(labels, targets, named)
	if err != nil {
		return nil, err
	}
	c.Scoring = m
	return c, nil
}

// uniqueLabel is name, or name#2, name#3 ... if an earlier run took it.
func uniqueLabel(name string, taken []string) string {
	label := name
	for n := 2; slices.Contains(taken, label); n++ {
		label = name + "#" + strconv.Itoa(n)
	}
	return label
}

// compareRow is one figure of the side-by-side table.
type compareRow struct {
	name string
	// points: the figure is a percentage, its delta is in points, not %.
	points bool
	get    func(*measure.Figures) float64
}

// compareRows are the figures of the side-by-side table, in order.
func compareRows() []compareRow {
	rows := []compareRow{
		{"agents connected (peak)", false, func(f *measure.Figures) float64 { return float64(f.AgentsConnectedPeak) }},
		{"connected agent-seconds %", true, func(f *measure.Figures) float64 { return f.ConnectedAgentSecondsPct }},
		{"connect rate, ramp mean (/s)", false, func(f *measure.Figures) float64 { return f.ConnectRateMean }},
		{"connect rate, peak second (/s)", false, func(f *measure.Figures) float64 { return f.ConnectRatePeak }},
		{"jobs dispatched", false, func(f *measure.Figures) float64 { return float64(f.JobsDispatched) }},
		{"jobs completed", false, func(f *measure.Figures) float64 { return float64(f.JobsCompleted) }},
		{"messages sent", false, func(f *measure.Figures) float64 { return float64(f.MessagesSent) }},
		{"messages received", false, func(f *measure.Figures) float64 { return float64(f.MessagesReceived) }},
		{"errors", false, func(f *measure.Figures) float64 { return float64(f.Errors) }},
		{"error %", true, func(f *measure.Figures) float64 { return f.ErrorPct }},
		{"out of order", false, func(f *measure.Figures) float64 { return float64(f.OutOfOrder) }},
		{"duplicates", false, func(f *measure.Figures) float64 { return float64(f.Duplicates) }},
		{"lost jobs", false, func(f *measure.Figures) float64 { return float64(f.Lost) }},
		{"reconnects", false, func(f *measure.Figures) float64 { return float64(f.Reconnects) }},
	}
	for _, m := range []string{"job_delivery", "status_delivery", "job_end_to_end", "connect"} {
		for _, p := range []struct {
			name string
			get  func(f *measure.Figures, m string) float64
		}{
			{"p50", func(f *measure.Figures, m string) float64 { return f.LatencyMs[m].P50 }},
			{"p99", func(f *measure.Figures, m string) float64 { return f.LatencyMs[m].P99 }},
			{"p99.9", func(f *measure.Figures, m string) float64 { return f.LatencyMs[m].P999 }},
		} {
			rows = append(rows, compareRow{m + " " + p.name + " (ms)", false, func(f *measure.Figures) float64 { return p.get(f, m) }})
		}
	}
	return rows
}

// delta says how v differs from the baseline: a relative change in %, or
// for percentages a difference in points.
func delta(row compareRow, base, v float64) string {
	switch {
	case row.points:
		return fmt.Sprintf("%+.3f pp", v-base)
	case base == v:
		return "="
	case base == 0:
		return "new"
	}
	return fmt.Sprintf("%+.1f%%", 100*(v-base)/base)
}

func fmtValue(v float64) string {
	if v == float64(int64(v)) {
		return strconv.FormatInt(int64(v), 10)
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}
