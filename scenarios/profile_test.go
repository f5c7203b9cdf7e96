package scenarios

import (
	"bytes"
	"flag"
	"math"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

// near reports whether got is within a relative 1e-12 of want.
func near(got, want float64) bool {
	return math.Abs(got-want) <= 1e-12*math.Max(1, math.Abs(want))
}

func mustBuiltin(t testing.TB, name string) *Scenario {
	t.Helper()
	s, err := Builtin(name)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestProfileTotals(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, builtin       string
		agents              int
		basis               Basis
		avg, busy           float64
		avgText, busyText   string
		phaseMsgs, phaseJob float64
	}{
		// The study: 2 x 500,000 x 300 / 604,800 and 2 x 0.9 x 500,000 x 240 / 36,000.
		{"study", "print-fleet-study", 500000, BasisStudy, 2 * 500000 * 300 / 604800.0, 6000, "496.032", "6000.000", 6000, 3000},
		// The mix at midpoints averages 50.75 jobs per agent per week.
		{"mix 500k", "print-fleet-study", 500000, BasisMix, 2 * 500000 * 50.75 / 604800.0, 1268.75, "83.912", "1268.750", 1268.75, 634.375},
		// The laptop built-in: 5.075 msg/s busy hour, x60 = 304.5 msg/s wall-clock.
		{"print-fleet", "print-fleet", 2000, BasisMix, 2 * 2000 * 50.75 / 604800.0, 5.075, "0.336", "5.075", 304.5, 152.25},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustBuiltin(t, tt.builtin)
			p := s.Profile(tt.basis)
			if p.Total.Agents != tt.agents {
				t.Errorf("agents = %d, want %d", p.Total.Agents, tt.agents)
			}
			if !near(p.Total.AvgMsgsPerSec, tt.avg) || formatRate(p.Total.AvgMsgsPerSec) != tt.avgText {
				t.Errorf("average = %v, want %v (%s)", p.Total.AvgMsgsPerSec, tt.avg, tt.avgText)
			}
			if !near(p.Total.BusyMsgsPerSec, tt.busy) || formatRate(p.Total.BusyMsgsPerSec) != tt.busyText {
				t.Errorf("busy hour = %v, want %v (%s)", p.Total.BusyMsgsPerSec, tt.busy, tt.busyText)
			}
			if !near(p.PhaseMsgsPerSec(), tt.phaseMsgs) || !near(p.PhaseJobsPerSec(), tt.phaseJob) {
				t.Errorf("phase = %v msg/s %v jobs/s, want %v, %v", p.PhaseMsgsPerSec(), p.PhaseJobsPerSec(), tt.phaseMsgs, tt.phaseJob)
			}
		})
	}
}

func TestProfileSegments(t *testing.T) {
	t.Parallel()
	p := mustBuiltin(t, "print-fleet").Profile(BasisMix)
	want := []ProfileRow{
		{"consumer", 1000, 2.5, 2.5, 2 * 1000 * 2.5 / 604800.0, 2 * 0.9 * 1000 * 2.5 / 36000},
		{"smb", 600, 15, 15, 2 * 600 * 15 / 604800.0, 2 * 0.9 * 600 * 15 / 36000},
		{"enterprise", 400, 225, 225, 2 * 400 * 225 / 604800.0, 2 * 0.9 * 400 * 225 / 36000},
	}
	if len(p.Segments) != len(want) {
		t.Fatalf("segments = %+v", p.Segments)
	}
	for i, w := range want {
		g := p.Segments[i]
		if g.Segment != w.Segment || g.Agents != w.Agents || g.JobsPerWeek != w.JobsPerWeek ||
			!near(g.AvgMsgsPerSec, w.AvgMsgsPerSec) || !near(g.BusyMsgsPerSec, w.BusyMsgsPerSec) {
			t.Errorf("segment %d = %+v, want %+v", i, g, w)
		}
	}
	if !near(p.Segments[2].BusyMsgsPerSec, 4.5) {
		t.Errorf("enterprise busy hour = %v msg/s, want 4.5", p.Segments[2].BusyMsgsPerSec)
	}
}

func TestProfileFormatGolden(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		builtin string
		basis   Basis
	}{{"print-fleet", BasisMix}, {"print-fleet-study", BasisStudy}} {
		var buf bytes.Buffer
		if err := mustBuiltin(t, tt.builtin).Profile(tt.basis).Format(&buf); err != nil {
			t.Fatal(err)
		}
		golden := filepath.Join("testdata", "profile-"+tt.builtin+"-"+string(tt.basis)+".golden")
		if *update {
			if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (run go test -update to create it)", err)
		}
		if !bytes.Equal(buf.Bytes(), want) {
			t.Errorf("%s differs from golden:\n%s\nwant:\n%s", golden, buf.Bytes(), want)
		}
	}
}

func TestGroupThousands(t *testing.T) {
	t.Parallel()
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 500000: "500,000", 10000000: "10,000,000", -1234: "-1,234"} {
		if got := groupThousands(n); got != want {
			t.Errorf("groupThousands(%d) = %q, want %q", n, got, want)
		}
	}
}
