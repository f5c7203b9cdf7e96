package reports

import (
	"fmt"
	"math"
)

// AWSIoT estimates AWS IoT Core: connectivity for every agent all month,
// tiered messaging on metered messages, and labour.
func (p *Prices) AWSIoT(in CostInput) CostEstimate {
	a := p.IoTCore
	opex := []CostLine{priceLine("connectivity", in.ConnectionMinutes()/1e6, a.Connectivity)}
	opex = append(opex, p.messagingLines(in)...)
	return totalled(CostEstimate{Target: "aws-iot",
		CAPEX: []CostLine{p.setupLine(a.Labour)},
		OPEX:  append(opex, p.opsLine(a.Labour))})
}

// messagingLines prices the month's metered messages: each message counts
// one unit per started increment of its payload.
func (p *Prices) messagingLines(in CostInput) []CostLine {
	units := in.MeteredUnits(p.IoTCore.MessageIncrementBytes) * p.IoTCore.LegsMetered
	return splitTiers(in.MonthlyMessages()*float64(units), units, p.IoTCore.Messaging)
}

// splitTiers spreads metered messages over the tiers, one line per tier
// used (at least the first); units is the metered count per message.
func splitTiers(metered float64, units int, tiers []PriceTier) []CostLine {
	var lines []CostLine
	lo := 0.0
	for k, t := range tiers {
		hi := t.UpToMessages
		if k == len(tiers)-1 {
			hi = math.Inf(1)
		}
		if n := math.Min(metered, hi) - lo; n > 0 || k == 0 {
			lines = append(lines, priceLine(tierItem(lo, hi, units), math.Max(n, 0)/1e6, t.Price))
		}
		lo = hi
	}
	return lines
}

// tierItem names a messaging tier in millions of messages.
func tierItem(lo, hi float64, units int) string {
	per := ""
	if units > 1 {
		per = fmt.Sprintf(" (%d metered per message)", units)
	}
	switch {
	case lo == 0 && math.IsInf(hi, 1):
		return "messaging" + per
	case lo == 0:
		return fmt.Sprintf("messaging, first %s M%s", grouped(hi/1e6, 0), per)
	case math.IsInf(hi, 1):
		return fmt.Sprintf("messaging, above %s M%s", grouped(lo/1e6, 0), per)
	}
	return fmt.Sprintf("messaging, %s M to %s M%s", grouped(lo/1e6, 0), grouped(hi/1e6, 0), per)
}
