package scenarios

import (
	"encoding"
	"fmt"
)

// Basis selects which jobs-per-week figure the rate math and the arrival
// schedule use for an agent.
type Basis string

const (
	// BasisMix draws each agent's jobs per week from its segment's range;
	// the profile uses each segment's midpoint.
	BasisMix Basis = "mix"
	// BasisStudy gives every agent the study's single figure, as the study's
	// formulas did: study_jobs_per_week.average for the average rate and the
	// stability and week phases, study_jobs_per_week.busy_hour for the busy hour.
	BasisStudy Basis = "study"
)

var (
	_ encoding.TextUnmarshaler = (*Basis)(nil)
	_ encoding.TextMarshaler   = Basis("")
	_ fmt.Stringer             = Basis("")
)

// String returns the basis as written in scenario files.
func (b Basis) String() string { return string(b) }

// MarshalText encodes the basis as written in scenario files.
func (b Basis) MarshalText() ([]byte, error) { return []byte(b), nil }

// UnmarshalText parses "mix" or "study", for flags and config files.
func (b *Basis) UnmarshalText(text []byte) error {
	v := Basis(text)
	if !v.valid() {
		return fmt.Errorf("%q is not one of mix, study", text)
	}
	*b = v
	return nil
}

func (b Basis) valid() bool { return b == BasisMix || b == BasisStudy }
