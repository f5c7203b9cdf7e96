package reports

import "github.com/mqherd/mqherd/scenarios"

// A month, as on AWS bills.
const (
	hoursPerMonth   = 730                  // hours in a billing month
	secondsPerMonth = hoursPerMonth * 3600 // 2,628,000
	minutesPerMonth = hoursPerMonth * 60   // 43,800
)

// CostInput is the traffic a cost estimate prices.
type CostInput struct {
	Agents         int     // agents, each connected all month
	AvgMsgsPerSec  float64 // average message rate, simulated time
	BusyMsgsPerSec float64 // busy-hour message rate, for reference
	PayloadBytes   int     // bytes per message
}

// CostInputOf takes the fleet's traffic from a scenario's profile; the
// profile's rates are in simulated time, which is what a real fleet sends.
func CostInputOf(p scenarios.Profile, payloadBytes int) CostInput {
	return CostInput{Agents: p.Total.Agents, AvgMsgsPerSec: p.Total.AvgMsgsPerSec,
		BusyMsgsPerSec: p.Total.BusyMsgsPerSec, PayloadBytes: payloadBytes}
}

// MonthlyMessages returns the messages of a month at the average rate:
// AvgMsgsPerSec x 2,628,000 s (730 h).
func (in CostInput) MonthlyMessages() float64 { return in.AvgMsgsPerSec * secondsPerMonth }

// ConnectionMinutes returns the connection-minutes of a month with every
// agent connected all the time: Agents x 43,800.
func (in CostInput) ConnectionMinutes() float64 { return float64(in.Agents) * minutesPerMonth }

// MeteredUnits returns how many increments of incrementBytes one message
// counts as, at least 1.
func (in CostInput) MeteredUnits(incrementBytes int) int {
	if incrementBytes < 1 || in.PayloadBytes <= incrementBytes {
		return 1
	}
	return (in.PayloadBytes + incrementBytes - 1) / incrementBytes
}

// CostLine is one line of an estimate: Quantity units at UnitUSD each.
type CostLine struct {
	Item        string  // what is paid for
	Quantity    float64 // units
	Unit        string  // what a unit is
	UnitUSD     float64 // price per unit
	USD         float64 // Quantity x UnitUSD
	PriceDate   string  // when the price was read, "" for assumptions
	PriceSource string  // where the price was read, or the file holding the assumption
}

// CostEstimate is the cost of one target, split as in the study into CAPEX
// (one-off setup) and OPEX (monthly running cost).
type CostEstimate struct {
	Target         string     // "aws-iot" or "self-hosted"
	CAPEX          []CostLine // one-off costs
	OPEX           []CostLine // monthly costs
	CAPEXUSD       float64    // sum of CAPEX
	MonthlyOPEXUSD float64    // sum of OPEX
	FirstYearUSD   float64    // CAPEXUSD + 12 x MonthlyOPEXUSD
}

// priceLine prices quantity units of pr.
func priceLine(item string, quantity float64, pr Price) CostLine {
	return CostLine{Item: item, Quantity: quantity, Unit: pr.Unit, UnitUSD: pr.USD,
		USD: quantity * pr.USD, PriceDate: pr.Date, PriceSource: pr.Source}
}

// setupLine is the CAPEX line of l.
func (p *Prices) setupLine(l Labour) CostLine {
	return CostLine{Item: "setup labour", Quantity: l.SetupHours, Unit: "hour", UnitUSD: l.SetupUSDPerHour,
		USD: l.SetupHours * l.SetupUSDPerHour, PriceSource: "assumption in " + p.label()}
}

// opsLine is the monthly labour line of l.
func (p *Prices) opsLine(l Labour) CostLine {
	return CostLine{Item: "operations labour", Quantity: l.OpsHoursPerMonth, Unit: "hour", UnitUSD: l.OpsUSDPerHour,
		USD: l.OpsHoursPerMonth * l.OpsUSDPerHour, PriceSource: "assumption in " + p.label()}
}

// totalled fills in the sums of e.
func totalled(e CostEstimate) CostEstimate {
	for _, l := range e.CAPEX {
		e.CAPEXUSD += l.USD
	}
	for _, l := range e.OPEX {
		e.MonthlyOPEXUSD += l.USD
	}
	e.FirstYearUSD = e.CAPEXUSD + 12*e.MonthlyOPEXUSD
	return e
}

// cmpFloat orders a and b.
func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
