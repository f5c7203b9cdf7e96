package scenarios

import (
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Format writes the profile as an aligned table, one row per segment and a
// total row, followed by the wall-clock rate of the scenario's phase, e.g.
//
//	profile print-fleet, basis mix: 2 messages/job, busy hours 10h/week carry 90% of jobs
//	segment     agents  jobs/week  avg msg/s  busy-hour msg/s
//	consumer     1,000        2.5      0.008            0.125
//	...
//	this run: phase busy-hour x60 speedup: 304.500 msg/s, 152.250 jobs/s
func (p Profile) Format(w io.Writer) error {
	fmt.Fprintf(w, "profile %s, basis %s: %d messages/job, busy hours %s/week carry %s of jobs\n",
		p.Name, p.Basis, p.MessagesPerJob, formatHours(p.BusySeconds), formatPercent(p.BusyShare))
	rows := [][]string{{"segment", "agents", "jobs/week", "avg msg/s", "busy-hour msg/s"}}
	for _, r := range append(p.Segments, p.Total) {
		rows = append(rows, []string{r.Segment, groupThousands(r.Agents), formatJobs(r),
			formatRate(r.AvgMsgsPerSec), formatRate(r.BusyMsgsPerSec)})
	}
	writeTable(w, rows)
	if p.Basis == BasisStudy {
		fmt.Fprintln(w, "jobs/week a/b: a for the average rate, b for the busy hour, as the study's formulas did")
	}
	_, err := fmt.Fprintf(w, "this run: phase %s x%s speedup: %s msg/s, %s jobs/s\n",
		p.Phase, strconv.FormatFloat(p.Speedup, 'f', -1, 64),
		formatRate(p.PhaseMsgsPerSec()), formatRate(p.PhaseJobsPerSec()))
	return err
}

// writeTable writes rows with the first column left-aligned and the others
// right-aligned, two spaces apart.
func writeTable(w io.Writer, rows [][]string) {
	widths := make([]int, len(rows[0]))
	for _, row := range rows {
		for i, cell := range row {
			widths[i] = max(widths[i], len(cell))
		}
	}
	for _, row := range rows {
		var b strings.Builder
		for i, cell := range row {
			pad := strings.Repeat(" ", widths[i]-len(cell))
			if i == 0 {
				b.WriteString(cell + pad)
				continue
			}
			b.WriteString("  " + pad + cell)
		}
		fmt.Fprintln(w, b.String())
	}
}

// formatJobs shows one figure, or average/busy when they differ.
func formatJobs(r ProfileRow) string {
	avg := strconv.FormatFloat(r.JobsPerWeek, 'f', -1, 64)
	if r.BusyJobsPerWeek == r.JobsPerWeek {
		return avg
	}
	return avg + "/" + strconv.FormatFloat(r.BusyJobsPerWeek, 'f', -1, 64)
}

// formatRate prints a rate with three decimals, as the study did.
func formatRate(v float64) string { return strconv.FormatFloat(v, 'f', 3, 64) }

// formatHours prints seconds as hours, e.g. 10h or 7.5h.
func formatHours(secs float64) string {
	return strconv.FormatFloat(secs/3600, 'f', -1, 64) + "h"
}

// formatPercent prints a share as a percentage, e.g. 90%.
func formatPercent(share float64) string {
	return strconv.FormatFloat(roundFloat(share*100), 'f', -1, 64) + "%"
}

// groupThousands prints n with comma thousands separators.
func groupThousands(n int) string {
	digits := strconv.Itoa(n)
	sign := ""
	if n < 0 {
		sign, digits = "-", digits[1:]
	}
	var b strings.Builder
	for i, d := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(d)
	}
	return sign + b.String()
}
