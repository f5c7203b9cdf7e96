package scenarios

import (
	"math"
	"testing"
)

func TestParseWindow(t *testing.T) {
	t.Parallel()
	tests := []struct {
		text   string
		want   window
		wantOK bool
	}{
		{"09:00-10:00", window{9 * 3600, 10 * 3600}, true},
		{"00:00-24:00", window{0, 86400}, true},
		{"14:30-14:45", window{52200, 53100}, true},
		{"10:00-09:00", window{}, false},
		{"10:00-10:00", window{}, false},
		{"24:00-24:30", window{}, false},
		{"9:00-10:00", window{}, false},
		{"09:60-10:00", window{}, false},
		{"09:00~10:00", window{}, false},
		{"+9:00-10:00", window{}, false},
		{"", window{}, false},
	}
	for _, tt := range tests {
		got, err := parseWindow(tt.text)
		if (err == nil) != tt.wantOK || got != tt.want {
			t.Errorf("parseWindow(%q) = %v, %v; want %v, ok %v", tt.text, got, err, tt.want, tt.wantOK)
		}
	}
}

func TestBusySecondsPerWeek(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cal  Calendar
		want float64
	}{
		{"study", DefaultCalendar(), 36000},
		{"weekend mornings", Calendar{BusyDays: []string{"sat", "sun"}, BusyHours: []string{"08:00-11:30"}}, 2 * 3.5 * 3600},
		{"repeats and junk ignored", Calendar{BusyDays: []string{"mon", "mon", "xyz"}, BusyHours: []string{"09:00-10:00", "09:30-10:30", "bad"}}, 1.5 * 3600},
	}
	for _, tt := range tests {
		if got := tt.cal.BusySecondsPerWeek(); got != tt.want {
			t.Errorf("%s: %v busy seconds, want %v", tt.name, got, tt.want)
		}
	}
}

func TestShapeInversion(t *testing.T) {
	t.Parallel()
	s := Default()
	for _, phase := range []Phase{PhaseBusyHour, PhaseStability, PhaseWeek} {
		s.Phase = phase
		sh := s.phaseShape()
		if phase == PhaseWeek && math.Abs(sh.massUntil(SecondsPerWeek)-1) > 1e-12 {
			t.Errorf("week shape holds %v of the weekly jobs, want 1", sh.massUntil(SecondsPerWeek))
		}
		// Times inside pieces with jobs map back to themselves.
		for _, tm := range []float64{1, 3600, 9.5 * 3600, 14.2 * 3600, 86400 + 9*3600 + 1, 6 * 86400, 2*SecondsPerWeek + 33000} {
			if phase == PhaseWeek || tm < sh.period {
				if got := sh.simTime(sh.massUntil(tm)); math.Abs(got-tm) > 1e-6 {
					t.Errorf("%s: simTime(massUntil(%v)) = %v", phase, tm, got)
				}
			}
		}
	}
	s.Phase = PhaseWeek
	sh := s.phaseShape()
	// Busy windows of the week carry busy_share of the jobs.
	busy := 0.0
	for _, sp := range s.Calendar.busySpans() {
		busy += sh.massUntil(sp.end) - sh.massUntil(sp.start)
	}
	if math.Abs(busy-0.9) > 1e-12 {
		t.Errorf("busy spans hold %v of the jobs, want 0.9", busy)
	}
}

func TestShapeSinglePieceNotAtWeekStart(t *testing.T) {
	t.Parallel()
	// One busy hour on Monday 00:00 with busy_share 1: the only piece starts
	// at 0 but does not fill the period, so jobs repeat weekly, not hourly.
	sh := weekShape([]span{{0, 3600}}, 3600, 1)
	if got := sh.simTime(1.5); math.Abs(got-(SecondsPerWeek+1800)) > 1e-6 {
		t.Errorf("simTime(1.5 weeks of jobs) = %v, want %v", got, SecondsPerWeek+1800)
	}
}
