package reports

import (
	"fmt"
	"sort"
	"time"

	"github.com/mqherd/mqherd/internal/measure"
)

// Window is a stretch of the run marked on every time chart: a worker
// lost until its agents were taken over, a burst of disconnects, or a
// window excluded from the figures.
type Window struct {
	FromS float64 `json:"from_s"`
	ToS   float64 `json:"to_s"`
	Kind  string  `json:"kind"` // worker_lost, disconnect_burst, excluded
	Label string  `json:"label"`
}

func eventRows(start time.Time, events []measure.Event) []EventRow {
	rows := make([]EventRow, 0, len(events))
	for _, e := range events {
		rows = append(rows, EventRow{AtS: offset(start, e.Time), Event: e})
	}
	return rows
}

func offset(start, t time.Time) float64 { return measure.Round3(t.Sub(start).Seconds()) }

// windows derives the marked windows from the events and the exclusions.
func windows(start time.Time, events []measure.Event, ex []Exclusion) []Window {
	var out []Window
	out = append(out, lossWindows(start, events)...)
	out = append(out, burstWindows(start, events)...)
	for _, e := range ex {
		out = append(out, Window{FromS: e.From.Seconds(), ToS: e.To.Seconds(), Kind: "excluded", Label: "excluded: " + e.Why})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].FromS < out[j].FromS })
	return out
}

// lossWindows: from a worker's suspicion (or loss) to the last takeover
// that followed it (or its loss, if nothing took over).
func lossWindows(start time.Time, events []measure.Event) []Window {
	var out []Window
	for i, e := range events {
		if e.Kind != measure.EventWorkerSuspect && e.Kind != measure.EventWorkerLost {
			continue
		}
		if e.Kind == measure.EventWorkerLost && suspectedBefore(events[:i], e.Worker) {
			continue
		}
		end, label := lossEnd(e, events[i+1:])
		out = append(out, Window{FromS: offset(start, e.Time), ToS: offset(start, end), Kind: "worker_lost", Label: label})
	}
	return out
}

// lossEnd is where the loss window opened by e ends among the later
// events: at the worker's return, else at the last of its loss, its
// re-assignment and any takeover connected; with none of them, at e.
func lossEnd(e measure.Event, later []measure.Event) (time.Time, string) {
	end, label := e.Time, fmt.Sprintf("%s lost", e.Worker)
	for _, f := range later {
		switch {
		case f.Kind == measure.EventWorkerBack && f.Worker == e.Worker:
			return f.Time, fmt.Sprintf("%s unreachable, came back", e.Worker)
		case f.Kind == measure.EventWorkerLost && f.Worker == e.Worker:
			end = f.Time
		case f.Kind == measure.EventTakeoverConnected || (f.Kind == measure.EventReassigned && f.Worker == e.Worker):
			end, label = f.Time, fmt.Sprintf("%s lost, agents taken over", e.Worker)
		}
	}
	return end, label
}

func suspectedBefore(events []measure.Event, worker string) bool {
	for _, e := range events {
		if e.Kind == measure.EventWorkerSuspect && e.Worker == worker {
			return true
		}
	}
	return false
}

// burstWindows: each disconnect burst covers the second before its event;
// bursts in consecutive seconds merge into one window.
func burstWindows(start time.Time, events []measure.Event) []Window {
	var out []Window
	for _, e := range events {
		if e.Kind != measure.EventDisconnectBurst {
			continue
		}
		to := offset(start, e.Time)
		if n := len(out); n > 0 && to-out[n-1].ToS <= 1.001 {
			out[n-1].ToS = to
			out[n-1].Label = "disconnect bursts"
			continue
		}
		out = append(out, Window{FromS: max(0, to-1), ToS: to, Kind: "disconnect_burst", Label: "disconnect burst: " + e.Detail})
	}
	return out
}
