package reports

import (
	"fmt"
	"io"
	"strings"

	"github.com/mqherd/mqherd/internal/measure"
)

// ProgressLine prints one plain line per second and the final summary: the
// output for CI, EC2 logs and pipes. It implements coordinator.Sink.
type ProgressLine struct {
	w      io.Writer
	agents int
	prev   int64 // agents connected at the previous interval
}

// NewProgressLine writes to w for a run of agents agents.
func NewProgressLine(w io.Writer, agents int) *ProgressLine {
	return &ProgressLine{w: w, agents: agents}
}

// Snapshot is ignored.
func (p *ProgressLine) Snapshot(*measure.Snapshot) {}

// Event prints phase changes and notable events on their own line.
func (p *ProgressLine) Event(e measure.Event) {
	who := ""
	if e.Worker != "" {
		who = " " + e.Worker
	}
	fmt.Fprintf(p.w, "%s event %s%s %s\n", e.Time.Format("15:04:05"), e.Kind, who, e.Detail)
}

// Interval prints the state of the run.
func (p *ProgressLine) Interval(a *measure.Aggregate) {
	in, row := a.Interval, a.Row
	up := row.AgentsConnected
	rate := up - p.prev
	p.prev = up
	var b strings.Builder
	fmt.Fprintf(&b, "%s %-5s t=%3ds agents %d/%d", a.Time.Format("15:04:05"), row.Phase, row.Second, up, p.agents)
	if row.Phase == measure.PhaseRamp {
		fmt.Fprintf(&b, " (%+d/s, in flight %d%s)", rate, row.ConnectsInFlight, eta(p.agents-int(up), rate))
	}
	fmt.Fprintf(&b, " | sent %d/s recv %d/s | jobs %d done %d open %d",
		row.Counter(measure.MessagesSent), row.Counter(measure.MessagesReceived),
		a.Cumulative.Counter(measure.JobsDispatched), a.Cumulative.Counter(measure.JobsCompleted),
		row.JobsOutstanding)
	if e2e := in.Percentiles(measure.JobDelivery); e2e.Count > 0 {
		fmt.Fprintf(&b, " | delivery p50 %.1fms p99 %.1fms", e2e.P50, e2e.P99)
	}
	fmt.Fprintf(&b, " | errors %d (total %d)\n", row.ErrorsTotal(), a.Cumulative.ErrorsTotal())
	_, _ = io.WriteString(p.w, b.String())
}

func eta(left int, perSecond int64) string {
	if left <= 0 || perSecond <= 0 {
		return ""
	}
	return fmt.Sprintf(", ETA %ds", (int64(left)+perSecond-1)/perSecond)
}

// Close prints nothing: the caller prints the summary with WriteSummary.
func (p *ProgressLine) Close(*measure.Aggregate) error { return nil }
