package reports

import (
	"fmt"
	"io"
	"slices"
	"strings"
)

// WriteCostMarkdown writes the cost section of a report: the inputs, the
// prices' date and source, one CAPEX/OPEX table per estimate and a
// comparison line.
func WriteCostMarkdown(w io.Writer, in CostInput, estimates []CostEstimate, prices *Prices) error {
	out := &mdOut{w: w}
	out.printf("## Cost estimate\n\n| Input | Value |\n|---|--:|\n")
	out.printf("| agents | %s |\n| average rate | %s msg/s |\n| busy-hour rate | %s msg/s |\n",
		grouped(float64(in.Agents), 0), number(in.AvgMsgsPerSec, 3), number(in.BusyMsgsPerSec, 3))
	out.printf("| payload | %s bytes |\n| messages per month | %s (average rate × 2,628,000 s, a 730-hour month) |\n",
		grouped(float64(in.PayloadBytes), 0), grouped(in.MonthlyMessages(), 0))
	out.printf("| connection-minutes per month | %s (every agent connected 43,800 minutes) |\n\n",
		grouped(in.ConnectionMinutes(), 0))
	dates, sources := priceOrigins(estimates)
	out.printf("Prices: %s, region %s, read %s from %s. They are list prices copied by hand, "+
		"not fetched and not quotes: check them before use. Labour figures are assumptions.\n",
		prices.label(), prices.Region, strings.Join(dates, ", "), strings.Join(sources, ", "))
	for _, e := range estimates {
		writeEstimate(out, e)
	}
	writeComparison(out, estimates)
	return out.err
}

// priceOrigins returns the distinct dates and sources of the list prices
// the estimates use, in order.
func priceOrigins(estimates []CostEstimate) (dates, sources []string) {
	for _, e := range estimates {
		for _, l := range append(slices.Clone(e.CAPEX), e.OPEX...) {
			if l.PriceDate == "" {
				continue
			}
			if !slices.Contains(dates, l.PriceDate) {
				dates = append(dates, l.PriceDate)
			}
			if !slices.Contains(sources, l.PriceSource) {
				sources = append(sources, l.PriceSource)
			}
		}
	}
	return dates, sources
}

// writeEstimate writes one estimate as a table of CAPEX and OPEX lines.
func writeEstimate(out *mdOut, e CostEstimate) {
	out.printf("\n### %s\n\n|  | Item | Quantity | Unit | Unit price | USD |\n|---|---|--:|---|--:|--:|\n", e.Target)
	writeLines(out, "CAPEX", e.CAPEX)
	out.printf("|  | **CAPEX total (one-off)** |  |  |  | **%s** |\n", dollars(e.CAPEXUSD, 2))
	writeLines(out, "OPEX", e.OPEX)
	out.printf("|  | **OPEX per month** |  |  |  | **%s** |\n", dollars(e.MonthlyOPEXUSD, 2))
	out.printf("|  | **First year (CAPEX + 12 × OPEX)** |  |  |  | **%s** |\n", dollars(e.FirstYearUSD, 2))
}

// writeLines writes cost lines, the first labelled with kind.
func writeLines(out *mdOut, kind string, lines []CostLine) {
	for k, l := range lines {
		if k > 0 {
			kind = ""
		}
		out.printf("| %s | %s | %s | %s | %s | %s |\n", kind, mdCell(l.Item), number(l.Quantity, 3),
			mdCell(l.Unit), dollars(l.UnitUSD, -1), dollars(l.USD, 2))
	}
}

// writeComparison writes which estimate costs least in the first year.
func writeComparison(out *mdOut, estimates []CostEstimate) {
	if len(estimates) == 0 {
		return
	}
	sorted := slices.Clone(estimates)
	slices.SortStableFunc(sorted, func(a, b CostEstimate) int { return cmpFloat(a.FirstYearUSD, b.FirstYearUSD) })
	var parts []string
	for _, e := range sorted {
		parts = append(parts, fmt.Sprintf("%s %s (%s + 12 × %s a month)", e.Target,
			dollars(e.FirstYearUSD, 2), dollars(e.CAPEXUSD, 2), dollars(e.MonthlyOPEXUSD, 2)))
	}
	out.printf("\n**Comparison, first year:** %s.", strings.Join(parts, "; "))
	if len(sorted) > 1 {
		out.printf(" Lowest: %s, %s less than %s.", sorted[0].Target,
			dollars(sorted[1].FirstYearUSD-sorted[0].FirstYearUSD, 2), sorted[1].Target)
	}
	out.printf("\n")
}
