package reports

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
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
	fmt.Fprintf(w, "\n## Figures (deltas against %s)\n\n", c.Runs[0].Label)
	c.figureTable().writeMarkdown(w)
	c.mdLatency(w)
	fmt.Fprintf(w, "\n## Errors by kind\n\n")
	c.errorTable().writeMarkdownOr(w, "No run had an error.")
	fmt.Fprintf(w, "\n## Scoring matrix\n\nEach score is computed by the formula shown from the run's named figures (in compare.json); in brackets its weighted points.\n\n")
	if err := c.Scoring.Markdown(w); err != nil {
		return err
	}
	c.mdCost(w)
	return w.Flush()
}

func (c *Comparison) mdRuns(w io.Writer) {
	fmt.Fprintf(w, "# mqherd comparison: %s\n\n", c.scenarios())
	c.runTable("`").writeMarkdown(w)
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

func (c *Comparison) mdLatency(w io.Writer) {
	fmt.Fprintf(w, "\n## Latency percentile distributions (ms)\n")
	for m := range c.Runs[0].Latency {
		fmt.Fprintf(w, "\n### %s\n\n", c.Runs[0].Latency[m].Metric)
		c.latencyTable(m).writeMarkdown(w)
	}
}

func (c *Comparison) mdCost(w io.Writer) {
	fmt.Fprintf(w, "\n## Cost (monthly, for each run's scenario)\n\n")
	c.costTable().writeMarkdown(w)
	fmt.Fprintf(w, "\nA target named aws-iot is priced as AWS IoT Core usage; any other as a self-hosted broker cluster. Each run's report has the itemized CAPEX/OPEX lines, the prices' dates and sources.\n")
}
