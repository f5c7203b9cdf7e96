package reports

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"time"
)

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

func fmtMs(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) }

func fmtF(v float64, prec int) string { return strconv.FormatFloat(v, 'f', prec, 64) }

// WriteMarkdown writes the report as Markdown: summary, exclusions,
// latency, errors, phases, AWS IoT's own figures, workers, events and
// cost.
func (r *Report) WriteMarkdown(out io.Writer) error {
	w := bufio.NewWriter(out)
	r.mdHeader(w)
	fmt.Fprintf(w, "\n## Summary\n\n")
	r.summaryTable().writeMarkdown(w)
	if t := r.exclusionTable(); t != nil {
		fmt.Fprintf(w, "\n## Excluded windows\n\nThese windows are left out of every figure above except the \"whole run\" column, and shaded on the charts.\n\n")
		t.writeMarkdown(w)
	}
	fmt.Fprintf(w, "\n## Latency (ms)\n\n")
	r.latencyTable().writeMarkdown(w)
	fmt.Fprintf(w, "\nPercentile distribution (value in ms at or below which the given share of samples fall):\n\n")
	r.percentileTable().writeMarkdown(w)
	fmt.Fprintf(w, "\n## Errors by kind\n\n")
	r.errorTable().writeMarkdownOr(w, "No errors.")
	fmt.Fprintf(w, "\n## Over time, by phase\n\nPer-second figures are in the JSON report and timeseries.csv; the HTML report charts them.\n\n")
	r.phaseTable().writeMarkdown(w)
	if r.AWS != nil {
		r.AWS.mdAWS(w)
	}
	fmt.Fprintf(w, "\n## Workers\n\n")
	r.workerTable().writeMarkdown(w)
	r.mdEndpoints(w)
	r.mdEvents(w)
	if r.Cost != nil {
		fmt.Fprintln(w)
		if err := r.Cost.writeMarkdown(w); err != nil {
			return err
		}
	}
	return w.Flush()
}

func (r *Report) mdHeader(w io.Writer) {
	ri := r.Run
	fmt.Fprintf(w, "# mqherd report: %s against %s\n\n", ri.Scenario, ri.Target)
	fmt.Fprintf(w, "- run: `%s`\n", ri.RunID)
	fmt.Fprintf(w, "- target: %s at %s\n", ri.Target, ri.TargetAddress)
	fmt.Fprintf(w, "- started %s, ended %s (%s)\n", ri.Started.UTC().Format(time.RFC3339), ri.Ended.UTC().Format(time.RFC3339),
		ri.Ended.Sub(ri.Started).Round(time.Second))
	fmt.Fprintf(w, "- %d workers; coordinator host %s (%s/%s, %d CPUs); mqherd %s\n",
		ri.Workers, ri.Host.Name, ri.Host.OS, ri.Host.Arch, ri.Host.CPUs, ri.Mqherd)
	for _, n := range r.Notes {
		fmt.Fprintf(w, "\n> **Note:** %s\n", n)
	}
}

func (r *Report) mdEvents(w io.Writer) {
	fmt.Fprintf(w, "\n## Events\n\n")
	r.eventTable().writeMarkdown(w)
	if len(r.Windows) == 0 {
		return
	}
	fmt.Fprintf(w, "\nMarked windows (shaded on the HTML charts):\n\n")
	for _, line := range windowList(r.Windows) {
		fmt.Fprintf(w, "- %s\n", line)
	}
}
