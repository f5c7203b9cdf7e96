package scenarios

import (
	"math"
	"reflect"
	"slices"
	"testing"
	"time"
	"unsafe"
)

var t0 = time.Date(2025, 1, 6, 9, 0, 0, 0, time.UTC)

// collect drains a schedule.
func collect(a *Arrivals) []Arrival {
	var out []Arrival
	for {
		arr, ok := a.Next()
		if !ok {
			return out
		}
		out = append(out, arr)
	}
}

// fleetScenario returns print-fleet with n agents and the given changes.
func fleetScenario(t testing.TB, n int, change func(*Scenario)) *Scenario {
	t.Helper()
	s := mustBuiltin(t, "print-fleet")
	s.Agents = n
	if change != nil {
		change(s)
	}
	if ps := s.Validate(); len(ps) > 0 {
		t.Fatalf("test scenario invalid: %v", ps)
	}
	return s
}

func TestArrivalsMeanMatchesRate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		agents int
		change func(*Scenario)
	}{
		{"busy-hour mix 20k", 20000, nil},
		{"busy-hour study 20k", 20000, func(s *Scenario) { s.Basis = BasisStudy }},
		{"stability mix week", 5000, func(s *Scenario) { s.Phase, s.Duration, s.Speedup = PhaseStability, 168*time.Hour, 3600 }},
		{"week mix 3 days", 5000, func(s *Scenario) { s.Phase, s.Duration, s.Speedup = PhaseWeek, 75*time.Hour, 3600 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := fleetScenario(t, tt.agents, tt.change)
			sh := s.phaseShape()
			expected := 0.0
			for i := range tt.agents {
				expected += s.JobsPerWeek(i) * sh.massUntil(s.Duration.Seconds())
			}
			got := float64(len(collect(s.Arrivals(0, tt.agents, t0))))
			if sigma := math.Sqrt(expected); math.Abs(got-expected) > 3*sigma {
				t.Errorf("got %v jobs, want %.0f +- %.0f (3 sigma)", got, expected, 3*sigma)
			}
		})
	}
}

func TestArrivalsBusyHourMatchesProfile(t *testing.T) {
	t.Parallel()
	// The schedule of print-fleet must carry the profile's wall-clock rate.
	s := fleetScenario(t, 2000, nil)
	want := s.Profile(BasisMix).PhaseJobsPerSec() * s.WallDuration().Seconds()
	got := float64(len(collect(s.Arrivals(0, s.Agents, t0))))
	// Per-agent draws vary around the midpoints: allow 3 sigma of the Poisson count
	// plus 3 sigma of the sum of uniform jobs/week draws (enterprise dominates).
	sigma := math.Sqrt(want + math.Pow(want/50.75*(150/math.Sqrt(12))/math.Sqrt(400)*0.2*20, 2))
	if math.Abs(got-want) > 3*sigma {
		t.Errorf("got %v jobs in %v, profile says %.0f +- %.0f", got, s.WallDuration(), want, 3*sigma)
	}
}

func TestArrivalsWeekBusyShare(t *testing.T) {
	t.Parallel()
	s := fleetScenario(t, 2000, func(s *Scenario) { s.Phase, s.Duration, s.Speedup = PhaseWeek, 168*time.Hour, 3600 })
	spans := s.Calendar.busySpans()
	var busy, weekend, total float64
	for _, a := range collect(s.Arrivals(0, s.Agents, t0)) {
		sim := a.At.Sub(t0).Seconds() * s.Speedup
		total++
		if slices.ContainsFunc(spans, func(sp span) bool { return sim >= sp.start && sim < sp.end }) {
			busy++
		}
		if sim >= 5*secondsPerDay {
			weekend++
		}
	}
	p := s.Calendar.BusyShare
	if share, sd := busy/total, math.Sqrt(p*(1-p)/total); math.Abs(share-p) > 3*sd {
		t.Errorf("busy share %.4f of %v jobs, want %v +- %.4f", share, total, p, 3*sd)
	}
	// Off-peak time is spread evenly: the weekend holds 2 days of the 6.58 off days.
	wantWeekend := (1 - p) * 2 * secondsPerDay / (SecondsPerWeek - 36000)
	if share, sd := weekend/total, math.Sqrt(wantWeekend*(1-wantWeekend)/total); math.Abs(share-wantWeekend) > 3*sd {
		t.Errorf("weekend share %.4f, want %.4f +- %.4f", share, wantWeekend, 3*sd)
	}
}

func TestArrivalsOrderSeqAndEnd(t *testing.T) {
	t.Parallel()
	s := fleetScenario(t, 3000, nil)
	got := collect(s.Arrivals(0, s.Agents, t0))
	end := t0.Add(s.WallDuration())
	next := map[int]uint32{}
	for i, a := range got {
		if a.At.Before(t0) || !a.At.Before(end) {
			t.Fatalf("arrival %d at %v outside [%v, %v)", i, a.At, t0, end)
		}
		if i > 0 && (a.At.Before(got[i-1].At) || a.At.Equal(got[i-1].At) && a.Agent < got[i-1].Agent) {
			t.Fatalf("arrival %d out of order: %+v after %+v", i, a, got[i-1])
		}
		if want := next[a.Agent] + 1; a.Seq != want {
			t.Fatalf("agent %d seq %d, want %d", a.Agent, a.Seq, want)
		}
		next[a.Agent] = a.Seq
	}
	// At ~230 jobs/s the last job comes well within a second of the end.
	if last := got[len(got)-1].At; end.Sub(last) > time.Second {
		t.Errorf("last arrival %v before the end: schedule stops early", end.Sub(last))
	}
	if a, ok := s.Arrivals(0, 0, t0).Next(); ok {
		t.Errorf("empty agent set yields %+v", a)
	}
}

func TestArrivalsEntrySize(t *testing.T) {
	t.Parallel()
	if size := unsafe.Sizeof(entry{}); size > 48 {
		t.Errorf("heap entry is %d bytes, documented as 48", size)
	}
}

func TestArrivalsDeterministic(t *testing.T) {
	t.Parallel()
	s := fleetScenario(t, 2000, nil)
	a, b := collect(s.Arrivals(0, 2000, t0)), collect(s.Arrivals(0, 2000, t0))
	if !reflect.DeepEqual(a, b) {
		t.Error("same seed gives different schedules")
	}
	other := s.Clone()
	other.Seed = 2
	if c := collect(other.Arrivals(0, 2000, t0)); reflect.DeepEqual(a[:100], c[:100]) {
		t.Error("different seeds give the same schedule")
	}
}

func TestArrivalsIndependentOfSubset(t *testing.T) {
	t.Parallel()
	s := fleetScenario(t, 2000, func(s *Scenario) { s.Speedup = 600 })
	all := collect(s.Arrivals(0, 2000, t0))
	tests := []struct {
		name   string
		agents []int
		got    []Arrival
	}{
		{"range", nil, collect(s.Arrivals(500, 100, t0))},
		{"scattered", []int{3, 777, 1999}, collect(s.ArrivalsOf([]int{1999, 3, 777}, t0))},
	}
	tests[0].agents = make([]int, 100)
	for i := range tests[0].agents {
		tests[0].agents[i] = 500 + i
	}
	for _, tt := range tests {
		want := slices.DeleteFunc(slices.Clone(all), func(a Arrival) bool { return !slices.Contains(tt.agents, a.Agent) })
		if len(want) == 0 || !reflect.DeepEqual(tt.got, want) {
			t.Errorf("%s: %d arrivals differ from the same agents' %d in the full fleet", tt.name, len(tt.got), len(want))
		}
	}
}

func TestArrivalsNoJobs(t *testing.T) {
	t.Parallel()
	s := fleetScenario(t, 100, func(s *Scenario) {
		s.Segments = []Segment{{Name: "idle", Share: 1, JobsPerWeek: JobsRange{Min: 0, Max: 0}}}
	})
	if got := collect(s.Arrivals(0, 100, t0)); len(got) != 0 {
		t.Errorf("agents without jobs got %d arrivals", len(got))
	}
	s = fleetScenario(t, 100, func(s *Scenario) { s.Calendar.BusyShare = 0 })
	if got := collect(s.Arrivals(0, 100, t0)); len(got) != 0 {
		t.Errorf("busy hour carrying no jobs got %d arrivals", len(got))
	}
}

func TestExecutionTime(t *testing.T) {
	t.Parallel()
	s := fleetScenario(t, 10, nil) // 5s..30s at x60: 83ms..500ms
	lo, hi := s.Execution.Min/60, s.Execution.Max/60
	var sum time.Duration
	const n = 20000
	for seq := range uint32(n) {
		d := s.ExecutionTime(7, seq)
		if d < lo || d > hi {
			t.Fatalf("ExecutionTime(7, %d) = %v outside [%v, %v]", seq, d, lo, hi)
		}
		if d != s.ExecutionTime(7, seq) {
			t.Fatal("ExecutionTime is not deterministic")
		}
		sum += d
	}
	mean, want := sum/n, (lo+hi)/2
	if sd := (hi - lo) / time.Duration(math.Sqrt(12*n)); (mean - want).Abs() > 4*sd {
		t.Errorf("mean execution %v, want %v +- %v", mean, want, 4*sd)
	}
	if s.ExecutionTime(7, 1) == s.ExecutionTime(8, 1) {
		t.Error("agents 7 and 8 draw the same execution time")
	}
}

func BenchmarkArrivals(b *testing.B) {
	s := mustBuiltin(b, "print-fleet")
	s.Agents, s.Duration, s.Speedup = 20000, 10000*time.Hour, 1
	a := s.Arrivals(0, s.Agents, t0)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, ok := a.Next(); !ok {
			b.Fatal("schedule ended")
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "arrivals/s")
}

func BenchmarkArrivalsWeek(b *testing.B) {
	s := mustBuiltin(b, "print-fleet")
	s.Agents, s.Phase, s.Duration, s.Speedup = 20000, PhaseWeek, 10000*time.Hour, 1
	a := s.Arrivals(0, s.Agents, t0)
	b.ResetTimer()
	for range b.N {
		if _, ok := a.Next(); !ok {
			b.Fatal("schedule ended")
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "arrivals/s")
}

func BenchmarkArrivalsSetup(b *testing.B) {
	s := mustBuiltin(b, "print-fleet")
	s.Agents = 20000
	for range b.N {
		s.Arrivals(0, s.Agents, t0)
	}
}
