package reports

import "github.com/mqherd/mqherd/internal/rundir"

// BuildRequest says how to build a report from a run directory.
type BuildRequest struct {
	Exclusions []Exclusion
	PricesFile string // "" for the built-in list prices
	// Fleet prices the scenario's traffic for this many agents (0: the
	// run's own), e.g. the full 500,000 after a run at laptop scale.
	Fleet int
}

// BuildFromDir reads the run directory at path and builds its report,
// with the cost section computed from the run's scenario and the prices.
func BuildFromDir(path string, req BuildRequest) (*Report, error) {
	r, err := rundir.Read(path)
	if err != nil {
		return nil, err
	}
	cost, err := runCost(r, req.PricesFile, req.Fleet)
	if err != nil {
		return nil, err
	}
	return Build(r, Options{Exclusions: req.Exclusions, Cost: cost})
}
