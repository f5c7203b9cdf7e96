package reports

import (
	_ "embed" // the built-in scoring file

	"github.com/expr-lang/expr/vm"
)

//go:embed defaults/scoring.yaml
var defaultScoringYAML []byte

// FigureNames returns the names of the figures a run provides to scoring
// formulas, in report order. Percentages are 0..100, latencies milliseconds.
func FigureNames() []string {
	return []string{
		"duration_s", "agents", "agents_connected_peak", "jobs_dispatched", "jobs_completed",
		"messages_sent", "messages_received", "errors", "error_pct", "out_of_order",
		"duplicates", "lost", "lost_pct", "reconnects", "connects", "connect_rate_mean",
		"connect_rate_peak", "connected_agent_seconds_pct",
		"job_delivery_p50_ms", "job_delivery_p99_ms", "job_delivery_p999_ms", "job_delivery_max_ms",
		"status_delivery_p50_ms", "status_delivery_p99_ms", "status_delivery_p999_ms", "status_delivery_max_ms",
		"job_end_to_end_p50_ms", "job_end_to_end_p99_ms", "job_end_to_end_p999_ms", "job_end_to_end_max_ms",
		"connect_p50_ms", "connect_p99_ms", "connect_p999_ms", "connect_max_ms",
		"monthly_cost_usd",
	}
}

// Scoring is a weighted scoring matrix: quality attributes whose weights
// total 100, each scored 0..10 per run by a formula over the run's figures
// or by a manual score per target. Build it with LoadScoring.
type Scoring struct {
	Attributes []Attribute // rows, in table order
	Source     string      // the file it was loaded from, or "built-in"
}

// Attribute is one row of the scoring matrix. Exactly one of Formula and
// Manual is set.
type Attribute struct {
	Name    string             `yaml:"name"`    // quality attribute, unique
	Weight  float64            `yaml:"weight"`  // share of the 100 points, 0..100
	Formula string             `yaml:"formula"` // expr-lang expression giving the score 0..10
	Manual  map[string]float64 `yaml:"manual"`  // score 0..10 by target name
	Why     string             `yaml:"why"`     // what the score means, one line

	program *vm.Program // compiled Formula
	reads   []string    // figures Formula reads, directly or through min_of/max_of
}

// LoadScoring reads a scoring file and compiles every formula against the
// known figure names; path "" loads the built-in default. The error lists
// every problem, each naming the file and the field.
func LoadScoring(path string, known []string) (*Scoring, error) {
	label, source, data, err := readOrBuiltin(path, "scoring.yaml", defaultScoringYAML)
	if err != nil {
		return nil, err
	}
	var f struct {
		Attributes []Attribute `yaml:"attributes"`
	}
	if err := decodeStrictYAML(label, data, &f); err != nil {
		return nil, err
	}
	s := &Scoring{Attributes: f.Attributes, Source: source}
	if err := s.compile(label, known); err != nil {
		return nil, err
	}
	return s, nil
}

// DefaultScoring returns the built-in scoring matrix compiled against the
// known figure names. It panics if the built-in file does not load, which
// its tests rule out for FigureNames().
func DefaultScoring(known []string) *Scoring {
	s, err := LoadScoring("", known)
	if err != nil {
		panic(err)
	}
	return s
}
