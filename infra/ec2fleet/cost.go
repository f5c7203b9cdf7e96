package ec2fleet

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"time"
)

// Price is an instance-hour list price from the price file, with the day it
// was read and where (cmd/mqherd copies it from reports' price file).
type Price struct {
	USD    float64 // US dollars per instance-hour
	Date   string  // YYYY-MM-DD the price was read
	Source string  // where it was read
}

// PriceList is the instance-hour prices by instance type, and the file they
// come from.
type PriceList struct {
	Types  map[string]Price // by instance type
	Region string           // the region the prices are for
	File   string           // the price file, for messages
}

// lookup is the price of one instance type, or an error naming the file.
func (p PriceList) lookup(typ string) (Price, error) {
	pr, ok := p.Types[typ]
	if !ok {
		known := make([]string, 0, len(p.Types))
		for k := range p.Types {
			known = append(known, k)
		}
		slices.Sort(known)
		return Price{}, fmt.Errorf("instance type %s has no price in %s (priced: %s): add it under ec2_on_demand "+
			"in a copy of the price file and pass --prices FILE", typ, p.File, strings.Join(known, ", "))
	}
	return pr, nil
}

// EstimateLine is one role's share of an estimate.
type EstimateLine struct {
	Role  string
	Type  string
	Count int
	Price Price
	USD   float64 // Count x Hours x Price.USD
}

// Estimate is the cost of a fleet running for its whole TTL, the most it
// can cost since every instance terminates itself then.
type Estimate struct {
	Lines []EstimateLine
	Hours float64
	USD   float64
	Spot  bool   // workers on spot: their line is an upper bound (on-demand price)
	File  string // the price file
}

// EstimateCost is instances x hours(TTL) x on-demand price, per role.
func EstimateCost(c *Config, workers int, prices PriceList) (Estimate, error) {
	e := Estimate{Hours: c.TTL.Hours(), Spot: c.Spot, File: prices.File}
	roles := []struct {
		role, typ string
		n         int
	}{{RoleCoordinator, c.coordinatorType(), 1}, {RoleWorker, c.InstanceType, workers}}
	for _, r := range roles {
		pr, err := prices.lookup(r.typ)
		if err != nil {
			return Estimate{}, err
		}
		usd := float64(r.n) * e.Hours * pr.USD
		e.Lines = append(e.Lines, EstimateLine{Role: r.role, Type: r.typ, Count: r.n, Price: pr, USD: usd})
		e.USD += usd
	}
	return e, nil
}

// Print writes the estimate, each price with its date and source.
func (e Estimate) Print(w io.Writer) {
	fmt.Fprintf(w, "cost estimate (the whole --ttl of %s; every instance terminates itself then):\n", fmtHours(e.Hours))
	for _, l := range e.Lines {
		note := ""
		if l.Role == RoleWorker && e.Spot {
			note = " (spot: at most this; the on-demand price is the bound)"
		}
		fmt.Fprintf(w, "  %-11s %3d x %-11s x %s x $%.4f/h = $%.2f%s  [price of %s, %s]\n",
			l.Role, l.Count, l.Type, fmtHours(e.Hours), l.Price.USD, l.USD, note, l.Price.Date, l.Price.Source)
	}
	fmt.Fprintf(w, "  total $%.2f (list prices from %s; not a quote)\n", e.USD, e.File)
}

// CheckBudget refuses an estimate above maxUSD (0: no limit).
func (e Estimate) CheckBudget(maxUSD float64) error {
	if maxUSD > 0 && e.USD > maxUSD {
		return fmt.Errorf("%w: estimate $%.2f is above --max-cost $%.2f; nothing was created "+
			"(lower --workers or --ttl, pick a cheaper --instance-type, or raise --max-cost)", ErrOverBudget, e.USD, maxUSD)
	}
	return nil
}

// ErrOverBudget is the refusal of a fleet above --max-cost.
var ErrOverBudget = fmt.Errorf("over budget")

// CostSoFar is what the instances have cost from their launch to now (or
// to their end, when known), at the list price; unpriced types count 0 and
// are named in the second result.
func CostSoFar(insts []Instance, prices PriceList, now time.Time) (float64, []string) {
	var usd float64
	var unpriced []string
	for _, in := range insts {
		pr, err := prices.lookup(in.Type)
		if err != nil {
			unpriced = append(unpriced, in.Type)
			continue
		}
		end := now
		if !in.Ended.IsZero() {
			end = in.Ended
		}
		if h := end.Sub(in.Launched).Hours(); h > 0 {
			usd += h * pr.USD
		}
	}
	return usd, unpriced
}

func fmtHours(h float64) string {
	if h == math.Trunc(h) {
		return fmt.Sprintf("%.0f h", h)
	}
	return fmt.Sprintf("%.2f h", h)
}
