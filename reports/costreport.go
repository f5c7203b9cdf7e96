package reports

import (
	"fmt"
	"io"
	"path/filepath"

	"github.com/mqherd/mqherd/internal/rundir"
	"github.com/mqherd/mqherd/scenarios"
)

// CostReport is a report's cost section: the monthly cost of the run's
// traffic profile on AWS IoT Core (usage-based) and on a self-hosted broker
// cluster, each split into CAPEX and OPEX.
type CostReport struct {
	Input     CostInput      `json:"input"`
	Estimates []CostEstimate `json:"estimates"` // aws-iot, then self-hosted
	Prices    string         `json:"prices"`    // the price file, or "built-in"
	prices    *Prices
}

// runCost prices the traffic profile of r's scenario (its effective
// scenario.yaml) for fleet agents (0: the scenario's own).
func runCost(r *rundir.Run, pricesFile string, fleet int) (*CostReport, error) {
	if len(r.Scenario) == 0 {
		return nil, nil // nothing to price; the report says so by having no cost section
	}
	sc, err := scenarios.Parse(filepath.Join(r.Path, rundir.ScenarioFile), r.Scenario)
	if err != nil {
		return nil, fmt.Errorf("price the run: %w", err)
	}
	if fleet > 0 {
		sc.Agents = fleet
	}
	prices, err := LoadPrices(pricesFile)
	if err != nil {
		return nil, err
	}
	in := CostInputOf(sc.Profile(sc.Basis), sc.PayloadBytes)
	return &CostReport{Input: in, Estimates: []CostEstimate{prices.AWSIoT(in), prices.SelfHosted(in)},
		Prices: prices.label(), prices: prices}, nil
}

// EstimateFor is the estimate that prices target: AWS IoT Core for
// aws-iot, the self-hosted cluster for any other broker.
func (c *CostReport) EstimateFor(target string) CostEstimate {
	if target == "aws-iot" {
		return c.Estimates[0]
	}
	return c.Estimates[1]
}

// MonthlyUSD is target's monthly running cost (OPEX).
func (c *CostReport) MonthlyUSD(target string) float64 { return c.EstimateFor(target).MonthlyOPEXUSD }

func (c *CostReport) writeMarkdown(w io.Writer) error {
	return WriteCostMarkdown(w, c.Input, c.Estimates, c.prices)
}
