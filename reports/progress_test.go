package reports

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/mqherd/mqherd/internal/measure"
)

// interval builds one second of an aggregate by hand.
type interval struct {
	phase               measure.Phase
	connected, inFlight int64
	open                int64
	sent, received      int64
	errs                int
	cumJobs, cumDone    int64
	cumErrs             int
	deliveryMs          []int // job delivery samples, ms
}

func (iv interval) aggregate(t *testing.T, second int) *measure.Aggregate {
	s := swap(t, "w0", t0.Add(time.Duration(second)*time.Second), func(r *measure.Recorder) {
		for i, ms := range iv.deliveryMs {
			r.Latency(measure.JobDelivery, i, time.Duration(ms)*time.Millisecond)
		}
		for range iv.errs {
			r.Error(measure.ConnectRefused, 0x87)
		}
	})
	in := totalsOf(t, map[string]int64{
		measure.AgentsConnected.String(): iv.connected, measure.ConnectsInFlight.String(): iv.inFlight,
		measure.JobsOutstanding.String(): iv.open,
	}, s)
	in.Counters[measure.MessagesSent.String()] = iv.sent
	in.Counters[measure.MessagesReceived.String()] = iv.received
	cum := measure.NewTotals()
	cum.Counters[measure.JobsDispatched.String()] = iv.cumJobs
	cum.Counters[measure.JobsCompleted.String()] = iv.cumDone
	cum.Errors[measure.ConnectionLost.String()] = int64(iv.cumErrs)
	row := &measure.Second{Second: second, Phase: iv.phase, AgentsConnected: iv.connected, ConnectsInFlight: iv.inFlight,
		JobsOutstanding: iv.open, Counters: in.Counters, Errors: in.Errors}
	return &measure.Aggregate{Row: row, Time: t0.Add(time.Duration(second) * time.Second), Interval: in, Cumulative: cum}
}

func millis(from, to int) []int {
	var out []int
	for v := from; v <= to; v++ {
		out = append(out, v)
	}
	return out
}

// The progress line: during the ramp, how fast agents connect and when the
// ramp will be done; during the run, message rates, delivery latency and
// errors.
func TestProgressLine(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	p := NewProgressLine(&out, 1000)
	p.Event(measure.Event{Time: t0, Kind: "phase", Detail: "ramp"})
	seconds := []interval{
		{phase: "ramp", connected: 120, inFlight: 40},
		{phase: "ramp", connected: 400, inFlight: 60, errs: 3, cumErrs: 3},
		{phase: "run", connected: 1000, sent: 1500, received: 1480, open: 10, cumJobs: 700, cumDone: 690, errs: 2, cumErrs: 5, deliveryMs: millis(1, 100)},
	}
	for i, iv := range seconds {
		if iv.phase == "run" && seconds[i-1].phase != "run" {
			p.Event(measure.Event{Time: t0.Add(time.Duration(i) * time.Second), Kind: "phase", Detail: "run"})
		}
		p.Interval(iv.aggregate(t, i+1))
	}
	p.Event(measure.Event{Time: t0.Add(3 * time.Second), Kind: "disconnect_burst", Worker: "w1", Detail: "12 connections lost in one second"})
	if err := p.Close(nil); err != nil {
		t.Fatal(err)
	}

	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 6 {
		t.Fatalf("%d lines, want 6 (2 events, 3 seconds, 1 event):\n%s", len(lines), out.String())
	}
	for _, c := range []struct {
		line int
		want []string
		not  []string
	}{
		{0, []string{"09:30:00", "event phase", "ramp"}, nil},
		{1, []string{"09:30:01", "ramp", "t=  1s", "agents 120/1000", "+120/s", "in flight 40", "ETA 8s"}, []string{"delivery"}},
		{2, []string{"agents 400/1000", "+280/s", "in flight 60", "ETA 3s", "errors 3 (total 3)"}, nil},
		{4, []string{"run", "t=  3s", "agents 1000/1000", "sent 1500/s recv 1480/s", "jobs 700 done 690 open 10",
			"delivery p50 50.0ms p99 99.0ms", "errors 2 (total 5)"}, []string{"ETA", "in flight"}},
		{5, []string{"event disconnect_burst w1 12 connections lost"}, nil},
	} {
		for _, w := range c.want {
			if !strings.Contains(lines[c.line], w) {
				t.Errorf("line %d %q lacks %q", c.line, lines[c.line], w)
			}
		}
		for _, w := range c.not {
			if strings.Contains(lines[c.line], w) {
				t.Errorf("line %d %q should not show %q", c.line, lines[c.line], w)
			}
		}
	}
	golden(t, "progress.golden", out.Bytes())
}
