package reports

import (
	"strconv"
	"time"
)

// The tables of the comparison's sections, shown as they are by
// WriteMarkdown and WriteHTML.

// runTable lists the runs compared; quote is set on either side of each
// run id (Markdown shows it as code).
func (c *Comparison) runTable(quote string) *table {
	t := &table{Head: []string{"run", "target", "address", "scenario", "run id", "started", "agents", "duration"}}
	for _, r := range c.Runs {
		t.add(r.Label, r.Run.Target, r.Run.TargetAddress, r.Run.Scenario, quote+r.Run.RunID+quote,
			r.Run.Started.UTC().Format(time.RFC3339), strconv.Itoa(r.Figures.Agents), fmtF(r.Figures.DurationS, 1)+" s")
	}
	return t
}

// header is a table header: first, then one column per run.
func (c *Comparison) header(first string) []string {
	h := []string{first}
	for _, r := range c.Runs {
		h = append(h, r.Label)
	}
	return h
}

// figureTable is each figure of every run, with its delta against the first.
func (c *Comparison) figureTable() *table {
	t := &table{Head: c.header("figure"), Num: true}
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
		t.add(cells...)
	}
	return t
}

// latencyTable is every run's samples and distribution of latency metric m.
func (c *Comparison) latencyTable(m int) *table {
	t := &table{Head: percentileHead("run", "samples"), Num: true}
	for _, r := range c.Runs {
		l := r.Latency[m]
		t.add(percentileCells(l.Levels, r.Label, itoa(l.Percentiles.Count))...)
	}
	return t
}

// errorTable is every run's count of each error kind; nil: no run had one.
func (c *Comparison) errorTable() *table {
	if len(c.ErrorKeys) == 0 {
		return nil
	}
	t := &table{Head: c.header("error"), Num: true}
	for _, k := range c.ErrorKeys {
		cells := []string{k}
		for _, r := range c.Runs {
			cells = append(cells, itoa(r.Figures.ErrorsByKind[k]))
		}
		t.add(cells...)
	}
	return t
}

// costTable is each run's cost estimate for its own target.
func (c *Comparison) costTable() *table {
	t := &table{Head: []string{"run", "priced as", "CAPEX (USD)", "OPEX per month (USD)", "first year (USD)"}, Num: true}
	for _, r := range c.Runs {
		if r.Cost == nil {
			t.add(r.Label, "no cost section", "-", "-", "-")
			continue
		}
		e := r.Cost.EstimateFor(r.Run.Target)
		t.add(r.Label, e.Target, fmtF(e.CAPEXUSD, 2), fmtF(e.MonthlyOPEXUSD, 2), fmtF(e.FirstYearUSD, 2))
	}
	return t
}
