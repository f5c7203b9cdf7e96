package reports

import (
	"bytes"
	_ "embed" // the page template
	"fmt"
	"html/template"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mqherd/mqherd/internal/measure"
)

// htmlTemplate is the page: its sections mirror WriteMarkdown's; its CSS
// is inline and it loads nothing (no script, stylesheet, font or image).
//
//go:embed html.tmpl
var htmlTemplate string

// compareTemplate is the comparison page; it uses htmlTemplate's parts.
//
//go:embed compare_html.tmpl
var compareTemplate string

// htmlPage is what the template renders.
type htmlPage struct {
	Title      string
	Run        RunInfo
	Started    string
	Ended      string
	Duration   string
	Notes      []string
	Summary    *table
	Exclusions *table // nil: nothing excluded
	Latency    *table
	Percentile *table
	Metrics    []htmlMetric
	Errors     *table // nil: no errors
	ErrorChart *htmlFigure
	Phases     *table
	Agents     htmlFigure
	Messages   htmlFigure
	AWS        *htmlAWS // nil without aws-metrics.json
	Workers    *table
	Endpoints  *table // nil: no endpoint recorded
	Changes    int64  // endpoint changes
	Events     *table
	Windows    []string
	Cost       template.HTML // "" without a cost section
}

// htmlFigure is one chart: its id (the anchor a reader or test finds it
// by), the inline SVG and its caption.
type htmlFigure struct {
	ID      string
	SVG     template.HTML
	Caption string
}

// htmlMetric is one latency metric's section.
type htmlMetric struct {
	Name         string
	ID           string
	Histogram    htmlFigure
	Distribution htmlFigure
	PerSecond    htmlFigure
}

// WriteHTML writes the report as one self-contained HTML page: the
// sections of WriteMarkdown, with charts as inline SVG (latency histogram,
// percentile distribution and per-second p50/p99/max for each metric,
// cumulative errors, connected agents, messages per second, AWS IoT's
// connects and messages beside mqherd's; the marked windows shaded). The page loads nothing: no script, stylesheet, font or
// image, and it holds no http:// or https:// address.
func (r *Report) WriteHTML(w io.Writer) error {
	page, err := r.htmlPage()
	if err != nil {
		return err
	}
	return executeHTML(w, "page", page)
}

// executeHTML runs the named template of the page on data and writes the
// page to w only once it is whole (a failed page writes nothing).
func executeHTML(w io.Writer, name string, data any) error {
	t, err := template.New("report").Funcs(template.FuncMap{"num": numeric}).Parse(htmlTemplate)
	if err == nil {
		t, err = t.Parse(compareTemplate)
	}
	if err != nil {
		return fmt.Errorf("html report template: %w", err)
	}
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, name, data); err != nil {
		return fmt.Errorf("html report: %w", err)
	}
	_, err = w.Write(b.Bytes())
	return err
}

// numeric reports whether a table cell reads as a number (right-aligned):
// 12, 1.39, -3, $4.50, 300 / 300, or "-" for none.
func numeric(cell string) bool {
	s := strings.TrimLeft(cell, "-$")
	return cell == "-" || (s != "" && s[0] >= '0' && s[0] <= '9')
}

func (r *Report) htmlPage() (*htmlPage, error) {
	ri := r.Run
	p := &htmlPage{Title: fmt.Sprintf("mqherd report: %s against %s", ri.Scenario, ri.Target), Run: ri,
		Started: ri.Started.UTC().Format(time.RFC3339), Ended: ri.Ended.UTC().Format(time.RFC3339),
		Duration: ri.Ended.Sub(ri.Started).Round(time.Second).String(), Notes: r.Notes,
		Summary: r.summaryTable(), Exclusions: r.exclusionTable(), Latency: r.latencyTable(),
		Percentile: r.percentileTable(), Errors: r.errorTable(), Phases: r.phaseTable(),
		Workers: r.workerTable(), Endpoints: endpointTable(&r.Figures), Changes: r.Figures.EndpointChanges,
		Events: r.eventTable(), Windows: windowList(r.Windows)}
	var err error
	if p.Metrics, err = r.htmlMetrics(); err != nil {
		return nil, err
	}
	if p.ErrorChart, err = r.htmlErrorChart(); err != nil {
		return nil, err
	}
	if p.Agents, p.Messages, err = r.htmlActivity(); err != nil {
		return nil, err
	}
	if r.AWS != nil {
		if p.AWS, err = r.AWS.htmlAWS(r.Windows); err != nil {
			return nil, err
		}
	}
	if r.Cost != nil {
		var b bytes.Buffer
		if err := r.Cost.writeHTML(&b); err != nil {
			return nil, err
		}
		p.Cost = template.HTML(b.String()) //nolint:gosec // html/template escaped it
	}
	return p, nil
}

// htmlMetrics charts each latency metric: histogram, percentile
// distribution and p50/p99/max per second.
func (r *Report) htmlMetrics() ([]htmlMetric, error) {
	var out []htmlMetric
	shaded := windowCaption(r.Windows)
	for _, l := range r.Latency {
		m := htmlMetric{Name: l.Metric, ID: "latency-" + anchor(l.Metric)}
		n := strconv.FormatInt(l.Percentiles.Count, 10)
		hist, err := HistogramChart(l.Metric+": histogram", Bars{Bins: l.Histogram})
		if err != nil {
			return nil, err
		}
		dist, err := PercentileChart(l.Metric+": percentile distribution", Curve{Points: l.Distribution})
		if err != nil {
			return nil, err
		}
		per, err := TimeSeriesChart(TimeChart{Title: l.Metric + ": p50 / p99 / max per second",
			YLabel: "latency (ms, log scale)", Lines: latencyLines(r.Series, l.Metric), Windows: r.Windows, LogY: true})
		if err != nil {
			return nil, err
		}
		m.Histogram = htmlFigure{ID: "fig-" + m.ID + "-histogram", SVG: trusted(hist),
			Caption: "Samples per log-spaced latency bin (" + n + " samples, excluded windows removed)."}
		m.Distribution = htmlFigure{ID: "fig-" + m.ID + "-percentiles", SVG: trusted(dist),
			Caption: "Latency at or below which the given share of samples fall; the x axis is 1/(1-p) on a log scale, as HdrHistogram plots it."}
		m.PerSecond = htmlFigure{ID: "fig-" + m.ID + "-per-second", SVG: trusted(per),
			Caption: "p50 / p99 / max of each second, in ms. Gaps: seconds without samples, or excluded." + shaded}
		out = append(out, m)
	}
	return out, nil
}

// trusted marks chart markup as safe: charts escape every text they draw.
func trusted(svg string) template.HTML { return template.HTML(svg) } //nolint:gosec // generated SVG, text escaped

// anchor turns a name into an id: lower case, runs of other characters
// as one "-".
func anchor(name string) string {
	var b strings.Builder
	dash := false
	for _, c := range strings.ToLower(name) {
		if (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') {
			b.WriteRune(c)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}

// rowLine is one line over the rows of the run: v's value for each row,
// NaN where v has none. v is never called for an excluded row (its
// point is NaN: excluded seconds are not drawn as data).
func rowLine(rows []measure.Second, name string, v func(*measure.Second) (float64, bool)) Line {
	l := Line{Name: name, X: make([]float64, len(rows)), Y: make([]float64, len(rows))}
	for i := range rows {
		l.X[i], l.Y[i] = float64(rows[i].Second), math.NaN()
		if rows[i].Excluded {
			continue
		}
		if y, ok := v(&rows[i]); ok {
			l.Y[i] = y
		}
	}
	return l
}

// latencyLines are metric's p50, p99 and max per second.
func latencyLines(rows []measure.Second, metric string) []Line {
	pick := func(f func(measure.SecondLatency) float64) func(*measure.Second) (float64, bool) {
		return func(r *measure.Second) (float64, bool) {
			l, ok := r.Latency[metric]
			return f(l), ok
		}
	}
	maxLine := rowLine(rows, "max", pick(func(l measure.SecondLatency) float64 { return l.Max }))
	maxLine.Dashed = true // over p99, which it equals in seconds with few samples
	return []Line{
		rowLine(rows, "p50", pick(func(l measure.SecondLatency) float64 { return l.P50 })),
		rowLine(rows, "p99", pick(func(l measure.SecondLatency) float64 { return l.P99 })),
		maxLine,
	}
}

// cumulativeErrorLines are the running totals of each error key, counting
// only the rows that are not excluded.
func cumulativeErrorLines(rows []measure.Second, keys []string) []Line {
	lines := make([]Line, 0, len(keys))
	for _, k := range keys {
		total := 0.0
		lines = append(lines, rowLine(rows, k, func(r *measure.Second) (float64, bool) {
			total += float64(r.Errors[k])
			return total, true
		}))
	}
	return lines
}

// counterLine is counter c per second.
func counterLine(rows []measure.Second, name string, c measure.Counter) Line {
	return rowLine(rows, name, func(r *measure.Second) (float64, bool) { return float64(r.Counter(c)), true })
}

// htmlErrorChart is the cumulative errors chart; nil: no errors.
func (r *Report) htmlErrorChart() (*htmlFigure, error) {
	if len(r.ErrorKeys) == 0 {
		return nil, nil
	}
	svg, err := TimeSeriesChart(TimeChart{Title: "Cumulative errors by kind", YLabel: "errors since start",
		Lines: cumulativeErrorLines(r.Series, r.ErrorKeys), Windows: r.Windows})
	if err != nil {
		return nil, err
	}
	return &htmlFigure{ID: "fig-errors-cumulative", SVG: trusted(svg),
		Caption: "Running total of each error kind; excluded seconds are left out of the totals and not drawn." + windowCaption(r.Windows)}, nil
}

// htmlActivity charts connected agents and messages per second.
func (r *Report) htmlActivity() (agents, messages htmlFigure, err error) {
	connected := rowLine(r.Series, "agents connected", func(row *measure.Second) (float64, bool) {
		return float64(row.AgentsConnected), true
	})
	svg, err := TimeSeriesChart(TimeChart{Title: "Connected agents", YLabel: "agents", Lines: []Line{connected}, Windows: r.Windows})
	if err != nil {
		return agents, messages, err
	}
	shaded := windowCaption(r.Windows)
	agents = htmlFigure{ID: "fig-agents-connected", SVG: trusted(svg),
		Caption: fmt.Sprintf("Agents with a live session at the end of each second (fleet: %d).%s", r.Figures.Agents, shaded)}
	svg, err = TimeSeriesChart(TimeChart{Title: "Messages per second", YLabel: "messages per second", Windows: r.Windows,
		Lines: []Line{counterLine(r.Series, "sent", measure.MessagesSent), counterLine(r.Series, "received", measure.MessagesReceived)}})
	if err != nil {
		return agents, messages, err
	}
	messages = htmlFigure{ID: "fig-messages", SVG: trusted(svg),
		Caption: "PUBLISH packets sent and received (this run's) in each second." + shaded}
	return agents, messages, nil
}

// windowCaption lists the shaded windows for a chart's caption.
func windowCaption(ws []Window) string {
	if len(ws) == 0 {
		return ""
	}
	return " Shaded: " + strings.Join(windowList(ws), "; ") + "."
}

func windowList(ws []Window) []string {
	out := make([]string, 0, len(ws))
	for _, w := range ws {
		out = append(out, fmt.Sprintf("%s-%s s: %s", fmtF(w.FromS, 1), fmtF(w.ToS, 1), w.Label))
	}
	return out
}

// htmlCost is the cost section's view.
type htmlCost struct {
	Inputs     table
	Prices     string
	Estimates  []htmlEstimate
	Comparison string
}

// htmlEstimate is one target's estimate: its CAPEX and OPEX lines, then totals.
type htmlEstimate struct {
	Target string
	Lines  table
	Totals [][2]string
}

// writeHTML writes the cost section (without its heading) as HTML, with
// the content of WriteCostMarkdown. Price sources are shown without their
// scheme: the page holds no address a browser would fetch.
func (c *CostReport) writeHTML(w io.Writer) error {
	in := c.Input
	v := htmlCost{Inputs: table{Head: []string{"input", "value"}, Num: true}}
	v.Inputs.add("agents", grouped(float64(in.Agents), 0))
	v.Inputs.add("average rate", number(in.AvgMsgsPerSec, 3)+" msg/s")
	v.Inputs.add("busy-hour rate", number(in.BusyMsgsPerSec, 3)+" msg/s")
	v.Inputs.add("payload", grouped(float64(in.PayloadBytes), 0)+" bytes")
	v.Inputs.add("messages per month", grouped(in.MonthlyMessages(), 0)+" (average rate × 2,628,000 s, a 730-hour month)")
	v.Inputs.add("connection-minutes per month", grouped(in.ConnectionMinutes(), 0)+" (every agent connected 43,800 minutes)")
	dates, sources := priceOrigins(c.Estimates)
	for i := range sources {
		sources[i] = withoutScheme(sources[i])
	}
	label, region := "built-in prices.yaml", ""
	if c.prices != nil {
		label, region = c.prices.label(), c.prices.Region
	}
	v.Prices = fmt.Sprintf("Prices: %s, region %s, read %s from %s. They are list prices copied by hand, "+
		"not fetched and not quotes: check them before use. Labour figures are assumptions.",
		withoutScheme(label), region, strings.Join(dates, ", "), strings.Join(sources, ", "))
	for _, e := range c.Estimates {
		v.Estimates = append(v.Estimates, htmlEstimateOf(e))
	}
	v.Comparison = costComparison(c.Estimates)
	return executeHTML(w, "cost", v)
}

func htmlEstimateOf(e CostEstimate) htmlEstimate {
	h := htmlEstimate{Target: e.Target, Lines: table{Head: []string{"", "item", "quantity", "unit", "unit price", "USD"}, Num: true}}
	for _, part := range []struct {
		kind  string
		lines []CostLine
	}{{"CAPEX", e.CAPEX}, {"OPEX", e.OPEX}} {
		for k, l := range part.lines {
			kind := part.kind
			if k > 0 {
				kind = ""
			}
			h.Lines.add(kind, l.Item, number(l.Quantity, 3), l.Unit, dollars(l.UnitUSD, -1), dollars(l.USD, 2))
		}
	}
	h.Totals = [][2]string{{"CAPEX total (one-off)", dollars(e.CAPEXUSD, 2)},
		{"OPEX per month", dollars(e.MonthlyOPEXUSD, 2)},
		{"First year (CAPEX + 12 × OPEX)", dollars(e.FirstYearUSD, 2)}}
	return h
}

// costComparison says which estimate costs least in the first year.
func costComparison(estimates []CostEstimate) string {
	if len(estimates) == 0 {
		return ""
	}
	sorted := slices.Clone(estimates)
	slices.SortStableFunc(sorted, func(a, b CostEstimate) int { return cmpFloat(a.FirstYearUSD, b.FirstYearUSD) })
	parts := make([]string, 0, len(sorted))
	for _, e := range sorted {
		parts = append(parts, fmt.Sprintf("%s %s (%s + 12 × %s a month)", e.Target,
			dollars(e.FirstYearUSD, 2), dollars(e.CAPEXUSD, 2), dollars(e.MonthlyOPEXUSD, 2)))
	}
	s := "Comparison, first year: " + strings.Join(parts, "; ") + "."
	if len(sorted) > 1 {
		s += fmt.Sprintf(" Lowest: %s, %s less than %s.", sorted[0].Target,
			dollars(sorted[1].FirstYearUSD-sorted[0].FirstYearUSD, 2), sorted[1].Target)
	}
	return s
}

// withoutScheme drops the http:// or https:// of every address in s.
func withoutScheme(s string) string {
	return strings.NewReplacer("https://", "", "http://", "").Replace(s)
}
