package reports

import (
	"fmt"
	"io"

	"github.com/mqherd/mqherd/internal/measure"
)

// comparePage is what the comparison template renders.
type comparePage struct {
	Title         string
	Runs          *table
	Notes         []string
	Baseline      string
	Figures       *table
	Metrics       []compareMetric
	Errors        *table // nil: no run had an error
	ErrorChart    htmlFigure
	Agents        htmlFigure
	Scoring       *table
	Whys          []string
	ScoringSource string
	Cost          *table
}

// compareMetric is one latency metric: every run's percentile
// distribution overlaid, and the table of its percentiles.
type compareMetric struct {
	Name  string
	Chart htmlFigure
	Table *table
}

// WriteHTML writes the comparison as one self-contained HTML page (inline
// CSS and SVG; nothing loaded, no http:// or https:// address): the runs,
// figures with deltas, overlaid percentile distributions, errors, the
// connected agents and cumulative errors of every run over time, the
// scoring matrix and the cost.
func (c *Comparison) WriteHTML(w io.Writer) error {
	p := &comparePage{Title: "mqherd comparison: " + c.scenarios(), Notes: c.notes(), Baseline: c.Runs[0].Label,
		Runs: c.runTable(""), Figures: c.figureTable(), Errors: c.errorTable(), ScoringSource: c.ScoringSource,
		Scoring: c.htmlScoring(), Cost: c.costTable()}
	for _, a := range c.Scoring.Attributes {
		p.Whys = append(p.Whys, a.Name+": "+a.Why)
	}
	var err error
	if p.Metrics, err = c.htmlMetrics(); err != nil {
		return err
	}
	if p.ErrorChart, p.Agents, err = c.htmlTimeCharts(); err != nil {
		return err
	}
	return executeHTML(w, "comparepage", p)
}

func (c *Comparison) htmlMetrics() ([]compareMetric, error) {
	var out []compareMetric
	for m := range c.Runs[0].Latency {
		name := c.Runs[0].Latency[m].Metric
		curves := make([]Curve, 0, len(c.Runs))
		for _, r := range c.Runs {
			curves = append(curves, Curve{Name: r.Label, Points: r.Latency[m].Distribution})
		}
		svg, err := PercentileChart(name+": percentile distribution (ms)", curves...)
		if err != nil {
			return nil, err
		}
		out = append(out, compareMetric{Name: name, Table: c.latencyTable(m), Chart: htmlFigure{ID: "compare-" + anchor(name),
			SVG: trusted(svg), Caption: fmt.Sprintf("%s latency against percentile (log scale), one curve per run.", name)}})
	}
	return out, nil
}

// htmlTimeCharts are every run's cumulative errors and connected agents
// over its seconds, overlaid (each run on its own clock).
func (c *Comparison) htmlTimeCharts() (errs, agents htmlFigure, err error) {
	var errLines, agentLines []Line
	for _, r := range c.Runs {
		total := 0.0
		errLines = append(errLines, rowLine(r.series, r.Label, func(row *measure.Second) (float64, bool) {
			for _, v := range row.Errors {
				total += float64(v)
			}
			return total, true
		}))
		agentLines = append(agentLines, rowLine(r.series, r.Label, func(row *measure.Second) (float64, bool) {
			return float64(row.AgentsConnected), true
		}))
	}
	svg, err := TimeSeriesChart(TimeChart{Title: "Errors, cumulative", YLabel: "errors", Lines: errLines})
	if err != nil {
		return errs, agents, err
	}
	errs = htmlFigure{ID: "compare-errors", SVG: trusted(svg), Caption: "Every run's errors of all kinds, cumulative, against seconds since its start."}
	if svg, err = TimeSeriesChart(TimeChart{Title: "Agents connected", YLabel: "agents", Lines: agentLines}); err != nil {
		return errs, agents, err
	}
	agents = htmlFigure{ID: "compare-agents", SVG: trusted(svg), Caption: "Every run's connected agents against seconds since its start."}
	return errs, agents, nil
}

func (c *Comparison) htmlScoring() *table {
	m := c.Scoring
	t := &table{Head: append([]string{"attribute", "weight", "formula"}, m.Labels...)}
	for _, a := range m.Attributes {
		cells := []string{a.Name, fmtValue(a.Weight), a.Formula}
		for j := range a.Scores {
			cells = append(cells, fmt.Sprintf("%.2f (%.2f)", a.Scores[j], a.Weighted[j]))
		}
		t.add(cells...)
	}
	total := []string{"total", "100", ""}
	for _, v := range m.Totals {
		total = append(total, fmtF(v, 2))
	}
	t.add(total...)
	return t
}
