package reports

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"
)

// WriteJSON writes the comparison as indented JSON (compare.json).
func (c *Comparison) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(c)
}

// WriteMarkdown writes the comparison as Markdown: the runs, the figures
// with deltas against the first run, latency percentiles, errors per kind,
// the scoring matrix and the cost per target.
func (c *Comparison) WriteMarkdown(out io.Writer) error {
	w := bufio.NewWriter(out)
	c.mdRuns(w)
	c.mdFigures(w)
	c.mdLatency(w)
	c.mdErrors(w)
	fmt.Fprintf(w, "\n## Scoring matrix\n\nEach score is computed by the formula shown from the run's named figures (in compare.json); in brackets its weighted points.\n\n")
	if err := c.Scoring.Markdown(w); err != nil {
		return err
	}
	c.mdCost(w)
	return w.Flush()
}

func (c *Comparison) mdRuns(w io.Writer) {
	fmt.Fprintf(w, "# mqherd comparison: %s\n\n", c.scenarios())
	t := newMDTable(w, "run", "target", "address", "scenario", "run id", "started", "agents", "duration")
	for _, r := range c.Runs {
		t.row(r.Label, r.Run.Target, r.Run.TargetAddress, r.Run.Scenario, "`"+r.Run.RunID+"`",
			r.Run.Started.UTC().Format(time.RFC3339), strconv.Itoa(r.Figures.Agents), fmtF(r.Figures.DurationS, 1)+" s")
	}
	for _, n := range c.notes() {
		fmt.Fprintf(w, "\n> **Note:** %s\n", n)
	}
}

// scenarios names the scenario, or says the runs differ.
func (c *Comparison) scenarios() string {
	s := c.Runs[0].Run.Scenario
	for _, r := range c.Runs[1:] {
		if r.Run.Scenario != s {
			return "runs of different scenarios"
		}
	}
	return s
}

// notes warns where the side-by-side is not like for like.
func (c *Comparison) notes() []string {
	var notes []string
	base := c.Runs[0]
	for _, r := range c.Runs[1:] {
		if r.Run.Scenario != base.Run.Scenario || r.Figures.Agents != base.Figures.Agents {
			notes = append(notes, fmt.Sprintf("%s ran %s with %d agents, the baseline %s with %d: the figures are not like for like.",
				r.Label, r.Run.Scenario, r.Figures.Agents, base.Run.Scenario, base.Figures.Agents))
		}
	}
	for _, r := range c.Runs {
		if !r.Run.Complete {
			notes = append(notes, fmt.Sprintf("%s did not finish (no summary.json): its figures stop at its last snapshot.", r.Label))
		}
	}
	return notes
}

func (c *Comparison) header(first string) []string {
	h := []string{first}
	for _, r := range c.Runs {
		h = append(h, r.Label)
	}
	return h
}

func (c *Comparison) mdFigures(w io.Writer) {
	fmt.Fprintf(w, "\n## Figures (deltas against %s)\n\n", c.Runs[0].Label)
	t := newMDTable(w, c.header("figure")...)
	for _, row := range compareRows() {
		cells := []string{row.name}
		base := row.get(&c.Runs[0].Figures)
		for i := range c.Runs {
			v := row.get(&c.Runs[i].Figures)
			cell := fmtValue(v)
			if i > 0 {
				cell += " (" + delta(row, base, v) + ")"
			}
			cells = append(cells, cell)
		}
		t.row(cells...)
	}
}

func (c *Comparison) mdLatency(w io.Writer) {
	fmt.Fprintf(w, "\n## Latency percentile distributions (ms)\n")
	for m := range c.Runs[0].Latency {
		fmt.Fprintf(w, "\n### %s\n\n", c.Runs[0].Latency[m].Metric)
		header := []string{"run", "samples"}
		for _, p := range mdPercentiles() {
			header = append(header, strconv.FormatFloat(p, 'f', -1, 64)+"%")
		}
		t := newMDTable(w, header...)
		for _, r := range c.Runs {
			l := r.Latency[m]
			cells := []string{r.Label, itoa(l.Percentiles.Count)}
			for _, p := range mdPercentiles() {
				cells = append(cells, valueAt(l.Distribution, p))
			}
			t.row(cells...)
		}
	}
}

func (c *Comparison) mdErrors(w io.Writer) {
	fmt.Fprintf(w, "\n## Errors by kind\n\n")
	if len(c.ErrorKeys) == 0 {
		fmt.Fprintf(w, "No run had an error.\n")
		return
	}
	t := newMDTable(w, c.header("error")...)
	for _, k := range c.ErrorKeys {
		cells := []string{k}
		for _, r := range c.Runs {
			cells = append(cells, itoa(r.Figures.ErrorsByKind[k]))
		}
		t.row(cells...)
	}
}

func (c *Comparison) mdCost(w io.Writer) {
	fmt.Fprintf(w, "\n## Cost (monthly, for each run's scenario)\n\n")
	t := newMDTable(w, "run", "priced as", "CAPEX (USD)", "OPEX per month (USD)", "first year (USD)")
	for _, r := range c.Runs {
		if r.Cost == nil {
			t.row(r.Label, "no cost section", "-", "-", "-")
			continue
		}
		e := r.Cost.EstimateFor(r.Run.Target)
		t.row(r.Label, e.Target, fmtF(e.CAPEXUSD, 2), fmtF(e.MonthlyOPEXUSD, 2), fmtF(e.FirstYearUSD, 2))
	}
	fmt.Fprintf(w, "\nA target named aws-iot is priced as AWS IoT Core usage; any other as a self-hosted broker cluster. Each run's report has the itemized CAPEX/OPEX lines, the prices' dates and sources.\n")
}
