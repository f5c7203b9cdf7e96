package dashboard

import (
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/mqherd/mqherd/internal/measure"
)

var t0 = time.Date(2026, 11, 22, 9, 36, 45, 0, time.UTC)

// lat builds percentiles in ms from a p50 (the others follow from it).
func lat(count int64, p50 float64) measure.Percentiles {
	if count == 0 {
		return measure.Percentiles{}
	}
	return measure.Percentiles{Count: count, P50: p50, P90: 2 * p50, P99: 4 * p50, P999: 6 * p50, Max: 8 * p50}
}

// rampFrame: second s of the ramp with connected agents of 2000.
func rampFrame(s int, connected, rate int64) Frame {
	f := Frame{Second: s, Time: t0.Add(time.Duration(s) * time.Second), Phase: "ramp", Elapsed: time.Duration(s) * time.Second,
		PhaseElapsed: time.Duration(s) * time.Second, Wall: time.Minute, Agents: 2000, Connected: connected,
		ConnectRate: rate, InFlight: 50}
	f.Latency[measure.Connect] = Latency{Interval: lat(rate, 40), Run: lat(connected, 45)}
	f.Workers = []WorkerRow{
		{Name: "w0", State: "running", Assigned: 1000, Connected: connected / 2, SnapshotAge: 250 * time.Millisecond},
		{Name: "w1", State: "running", Assigned: 1000, Connected: connected - connected/2, SnapshotAge: 250 * time.Millisecond},
	}
	return f
}

// runFrame: second s of the run phase, which began at second 5.
func runFrame(s int, sent int64) Frame {
	f := rampFrame(s, 2000, 0)
	f.Phase, f.PhaseElapsed, f.InFlight = "run", time.Duration(s-5)*time.Second, 0
	f.Sent, f.Received = sent, sent-3
	f.JobsDispatched, f.JobsCompleted, f.Outstanding = int64(s)*sent/2, int64(s)*sent/2-40, 40
	f.Latency[measure.JobDelivery] = Latency{Interval: lat(sent/2, 0.9+float64(s%5)/10), Run: lat(int64(s)*sent/2, 1.1)}
	f.Latency[measure.StatusDelivery] = Latency{Interval: lat(sent/2, 0.8), Run: lat(int64(s)*sent/2, 0.85)}
	f.Latency[measure.JobEndToEnd] = Latency{Interval: lat(sent/2, 290), Run: lat(int64(s)*sent/2, 294.4)}
	f.Latency[measure.Connect].Interval = measure.Percentiles{}
	for i := range f.Workers {
		f.Workers[i].MsgPerSec, f.Workers[i].P99, f.Workers[i].P99Count = sent, 3.6, sent/2
	}
	return f
}

// sequence is a run as the view tests see it: the ramp (1500/2000 at
// second 3), the run, worker w1 lost at second 20, then errors.
func sequence() []tea.Msg {
	msgs := []tea.Msg{
		measure.Event{Time: t0, Kind: "worker_joined", Worker: "w0"},
		measure.Event{Time: t0, Kind: "worker_joined", Worker: "w1"},
		measure.Event{Time: t0, Kind: "phase", Detail: "ramp"},
		rampFrame(1, 500, 500), rampFrame(2, 1000, 500), rampFrame(3, 1500, 500), rampFrame(4, 2000, 500),
		measure.Event{Time: t0.Add(4 * time.Second), Kind: "ramp_complete", Detail: "2000 agents connected"},
		measure.Event{Time: t0.Add(4 * time.Second), Kind: "phase", Detail: "run"},
	}
	for s := 5; s <= 40; s++ {
		f := runFrame(s, 200+int64(s%7)*10)
		if s >= 20 {
			f.Workers[1].State, f.Workers[1].SnapshotAge, f.Workers[1].MsgPerSec = "lost", time.Duration(s-15)*time.Second, 0
			f.Workers[1].P99Count = 0
		}
		if s >= 30 {
			f.ErrorsInterval, f.ErrorsTotal = 12, int64(s-29)*12
			f.Errors = []ErrorCount{{Kind: "connection_lost", Interval: 10, Total: int64(s-29) * 10},
				{Kind: "late_dispatch", Interval: 2, Total: int64(s-29) * 2}}
		}
		msgs = append(msgs, f)
		switch s {
		case 15:
			msgs = append(msgs, measure.Event{Time: f.Time, Kind: "worker_suspect", Worker: "w1", Detail: "memberlist lost it (dead=true); re-assigning in 5s unless it returns"})
		case 20:
			msgs = append(msgs, measure.Event{Time: f.Time, Kind: "worker_lost", Worker: "w1", Detail: "gone for the 5s grace period"},
				measure.Event{Time: f.Time, Kind: "reassigned", Worker: "w1", Detail: "agents 1000-1999 to w0; 40 outstanding jobs inherited"})
		case 30:
			msgs = append(msgs, measure.Event{Time: f.Time, Kind: "disconnect_burst", Detail: "12 connections lost in one second"})
		}
	}
	return msgs
}

// feed applies msgs to m in order, as the program would.
func feed(m Model, msgs ...tea.Msg) Model {
	for _, msg := range msgs {
		next, _ := m.Update(msg)
		m = next.(Model)
	}
	return m
}

// sized is a model told the terminal is w x h.
func sized(w, h int) Model {
	return feed(NewModel(ModelConfig{Title: "print-fleet 20261122T093645Z", Agents: 2000}), tea.WindowSizeMsg{Width: w, Height: h})
}

// upTo feeds the sequence until the frame of second s (inclusive).
func upTo(m Model, s int) Model {
	for _, msg := range sequence() {
		if f, ok := msg.(Frame); ok && f.Second > s {
			break
		}
		m = feed(m, msg)
	}
	return m
}

// plain is the view without styling, one string per line.
func plain(v string) []string {
	return strings.Split(ansi.Strip(v), "\n")
}
