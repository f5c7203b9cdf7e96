package scenarios

import (
	"encoding"
	"fmt"
)

// Phase selects which part of the simulated week a run measures.
type Phase string

const (
	// PhaseBusyHour runs at the constant busy-hour rate: an agent's
	// jobs per week x busy_share / busy seconds per week.
	PhaseBusyHour Phase = "busy-hour"
	// PhaseStability runs at the constant average rate: jobs per week / 604800 s.
	PhaseStability Phase = "stability"
	// PhaseWeek follows the calendar from Monday 00:00 of simulated time:
	// busy windows at the busy rate, all other time at the off-peak rate.
	PhaseWeek Phase = "week"
)

var (
	_ encoding.TextUnmarshaler = (*Phase)(nil)
	_ encoding.TextMarshaler   = Phase("")
	_ fmt.Stringer             = Phase("")
)

// String returns the phase as written in scenario files.
func (p Phase) String() string { return string(p) }

// MarshalText encodes the phase as written in scenario files.
func (p Phase) MarshalText() ([]byte, error) { return []byte(p), nil }

// UnmarshalText parses busy-hour, stability or week, for flags and config files.
func (p *Phase) UnmarshalText(text []byte) error {
	v := Phase(text)
	if !v.valid() {
		return fmt.Errorf("%q is not one of busy-hour, stability, week", text)
	}
	*p = v
	return nil
}

func (p Phase) valid() bool {
	return p == PhaseBusyHour || p == PhaseStability || p == PhaseWeek
}
