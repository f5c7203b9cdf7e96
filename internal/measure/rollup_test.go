package measure

import (
	"testing"
	"time"
)

var rollStart = time.Date(2025, 3, 14, 9, 30, 0, 400e6, time.UTC) // origin 09:30:00

// at is a snapshot of worker w for second sec (its interval ends at
// origin+sec s): jobs dispatched, one delivery sample per job, and an
// agents_connected reading.
func at(t *testing.T, w string, sec int, jobs int64, connected int64) *Decoded {
	t.Helper()
	end := rollStart.Truncate(time.Second).Add(time.Duration(sec) * time.Second)
	r := NewRecorder(w, end.Add(-time.Second))
	r.Count(JobsDispatched, jobs)
	r.Count(Connects, jobs)
	for i := range jobs {
		r.Latency(JobDelivery, int(i), time.Duration(i+1)*time.Millisecond)
	}
	r.Gauge(AgentsConnected, connected)
	s, err := r.Swap(end)
	if err != nil {
		t.Fatal(err)
	}
	d, err := DecodeHistograms(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func event(kind EventKind, worker, detail string, sec float64) Event {
	return Event{Time: rollStart.Truncate(time.Second).Add(time.Duration(sec * float64(time.Second))), Kind: kind, Worker: worker, Detail: detail}
}

// Seconds are keyed by the end of each snapshot's interval, not by when
// it arrives; a second closes on CloseThrough or once a snapshot lag+1
// seconds later arrives; a snapshot for a closed second counts in the
// totals only.
func TestRollupBucketsByIntervalEndAndClosesOnce(t *testing.T) {
	var closed []int
	r := NewRollup(RollupConfig{Started: rollStart, Lag: 2, OnClose: func(c Closed) { closed = append(closed, c.Row.Second) }})
	r.Add(at(t, "w0", 2, 3, 10)) // second 2 arrives before second 1
	r.Add(at(t, "w0", 1, 5, 8))
	r.CloseThrough(1)
	r.Add(at(t, "w1", 1, 7, 4))  // late: second 1 is closed
	r.Add(at(t, "w0", 5, 1, 10)) // closes 2 by the lag rule (5-2-1 = 2)
	if len(closed) != 2 || closed[0] != 1 || closed[1] != 2 {
		t.Fatalf("closed %v, want [1 2]", closed)
	}
	r.Finish(rollStart.Add(4 * time.Second))
	rows := r.Rows()
	if len(rows) != 5 {
		t.Fatalf("%d rows, want 5 (through the last snapshot's second)", len(rows))
	}
	if got := [4]int64{rows[0].Counter(JobsDispatched), rows[1].Counter(JobsDispatched), rows[2].Counter(JobsDispatched), rows[4].Counter(JobsDispatched)}; got != [4]int64{5, 3, 0, 1} {
		t.Errorf("jobs per row %v, want [5 3 0 1]: the late snapshot in no row", got)
	}
	if r.Late() != 1 || r.All().Counter(JobsDispatched) != 16 {
		t.Errorf("late %d, total jobs %d: want 1 late and all 16 jobs in the totals", r.Late(), r.All().Counter(JobsDispatched))
	}
	if got := rows[0].Latency[JobDelivery.String()]; got.Max < 4.99 || got.Max > 5.01 {
		t.Errorf("second 1 latency %+v, want its own 5 samples (max 5 ms)", got)
	}
	if rows[1].AgentsConnected != 10 {
		t.Errorf("second 2 agents connected %d, want w0's 10 (w1's late reading never made a row)", rows[1].AgentsConnected)
	}
}

// Gauges sum each worker's latest reading; a worker declared lost stops
// counting from the second of its loss; phases and the ramp come from events.
func TestRollupRowsFollowLossesAndPhases(t *testing.T) {
	r := NewRollup(RollupConfig{Started: rollStart})
	r.Event(event(EventPhase, "", "ramp", 0.5))
	r.Event(event(EventRampComplete, "", "", 1.5))
	r.Event(event(EventPhase, "", "run", 1.5))
	r.Event(event(EventWorkerLost, "w1", "", 2.5))
	for sec := 1; sec <= 3; sec++ {
		r.Add(at(t, "w0", sec, 2, 6))
		if sec < 3 {
			r.Add(at(t, "w1", sec, 2, 4))
		}
	}
	r.Finish(rollStart.Truncate(time.Second).Add(3 * time.Second))
	rows := r.Rows()
	want := []struct {
		phase     Phase
		connected int64
	}{{PhaseRamp, 10}, {PhaseRun, 10}, {PhaseRun, 6}}
	for i, w := range want {
		if rows[i].Phase != w.phase || rows[i].AgentsConnected != w.connected {
			t.Errorf("second %d: phase %s connected %d, want %s %d", i+1, rows[i].Phase, rows[i].AgentsConnected, w.phase, w.connected)
		}
	}
	workers := r.Workers(true)
	if workers[0].State != WorkerDone || workers[1].State != WorkerLost || r.Workers(false)[0].State != WorkerUnknown {
		t.Errorf("worker states %s %s (incomplete run: %s), want done, lost, unknown", workers[0].State, workers[1].State, r.Workers(false)[0].State)
	}
	f := r.Figures(20)
	if f.AgentsConnectedPeak != 10 || f.ConnectRateMean != 8 || f.ConnectedAgentSecondsPct != 40 || f.JobsDispatched != 10 {
		t.Errorf("figures peak %d ramp rate %v connected %v%% jobs %d, want 10, 8 connects/s (seconds 1-2 over the 1 s ramp), 40%%, 10",
			f.AgentsConnectedPeak, f.ConnectRateMean, f.ConnectedAgentSecondsPct, f.JobsDispatched)
	}
}

// An excluded span keeps its rows (flagged) but leaves the figures; what it
// took out is accounted for.
func TestRollupExcludesSpansFromFigures(t *testing.T) {
	r := NewRollup(RollupConfig{Started: rollStart, Exclude: []Span{{From: time.Second, To: 2 * time.Second}}})
	for sec := 1; sec <= 3; sec++ {
		r.Add(at(t, "w0", sec, int64(sec), 1))
	}
	r.Finish(rollStart.Truncate(time.Second).Add(3 * time.Second))
	if !r.Rows()[1].Excluded || r.Rows()[0].Excluded {
		t.Errorf("excluded flags %v %v, want only second 2", r.Rows()[0].Excluded, r.Rows()[1].Excluded)
	}
	f, all := r.Figures(1), r.Unexcluded(1)
	if f.JobsDispatched != 4 || all.JobsDispatched != 6 || r.Removed(0).Counter(JobsDispatched) != 2 {
		t.Errorf("jobs %d (unexcluded %d, removed %d), want 4, 6, 2", f.JobsDispatched, all.JobsDispatched, r.Removed(0).Counter(JobsDispatched))
	}
	if all.DurationS-f.DurationS != 1 {
		t.Errorf("duration %v vs %v: want one excluded second less", f.DurationS, all.DurationS)
	}
}
