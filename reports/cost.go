package reports

import (
	_ "embed" // the built-in price file
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mqherd/mqherd/scenarios"
)

//go:embed defaults/prices.yaml
var defaultPricesYAML []byte

// A month, as on AWS bills.
const (
	hoursPerMonth   = 730                  // hours in a billing month
	secondsPerMonth = hoursPerMonth * 3600 // 2,628,000
	minutesPerMonth = hoursPerMonth * 60   // 43,800
)

// Prices holds the list prices and labour assumptions of a cost estimate,
// from a user-editable file. Build it with LoadPrices.
type Prices struct {
	Region  string            `yaml:"region"`        // region of every price
	IoTCore AWSIoTPrices      `yaml:"aws_iot"`       // AWS IoT Core, usage-based
	EC2     map[string]Price  `yaml:"ec2_on_demand"` // per instance-hour, by instance type
	EBSGP3  Price             `yaml:"ebs_gp3"`       // per GB-month
	Cluster SelfHostedCluster `yaml:"self_hosted"`   // the self-hosted cluster priced
	Source  string            `yaml:"-"`             // the file it was loaded from, or "built-in"
}

// Price is one list price as read by hand from a public page.
type Price struct {
	USD    float64 `yaml:"usd"`    // US dollars per unit, >= 0
	Unit   string  `yaml:"unit"`   // what one unit is
	Date   string  `yaml:"date"`   // when it was read, YYYY-MM-DD
	Source string  `yaml:"source"` // URL or document it was read from
}

// PriceTier is one messaging tier of AWS IoT Core.
type PriceTier struct {
	UpToMessages float64 `yaml:"up_to_messages"` // cumulative metered messages per month covered; 0 on the last tier
	Price        `yaml:",inline"`
}

// Labour holds the effort assumptions of running a target: setup is CAPEX,
// operations OPEX.
type Labour struct {
	SetupHours       float64 `yaml:"setup_hours"`         // one-off effort, hours
	SetupUSDPerHour  float64 `yaml:"setup_usd_per_hour"`  // USD per setup hour
	OpsHoursPerMonth float64 `yaml:"ops_hours_per_month"` // running effort, hours per month
	OpsUSDPerHour    float64 `yaml:"ops_usd_per_hour"`    // USD per operations hour
}

// AWSIoTPrices holds the AWS IoT Core prices and labour assumptions.
type AWSIoTPrices struct {
	Connectivity          Price `yaml:"connectivity"`            // per million connection-minutes
	MessageIncrementBytes int   `yaml:"message_increment_bytes"` // metering increment, 5120
	// LegsMetered is how many metered messages one delivered message makes:
	// 2 when both ends are MQTT clients of IoT Core (the publish into it and
	// the delivery out of it are each metered).
	LegsMetered int         `yaml:"legs_metered"`
	Messaging   []PriceTier `yaml:"messaging"` // tiers, in order
	Labour      `yaml:",inline"`
}

// SelfHostedCluster describes the self-hosted broker cluster priced.
type SelfHostedCluster struct {
	Brokers            int     `yaml:"brokers"`               // instances, >= 1
	Instance           string  `yaml:"instance"`              // an ec2_on_demand instance type
	StorageGBPerBroker float64 `yaml:"storage_gb_per_broker"` // EBS gp3 GB per broker
	Labour             `yaml:",inline"`
}

// LoadPrices reads a price file; path "" loads the built-in one. The error
// lists every problem, each naming the file, the field and what is allowed.
func LoadPrices(path string) (*Prices, error) {
	label, source, data, err := readOrBuiltin(path, "prices.yaml", defaultPricesYAML)
	if err != nil {
		return nil, err
	}
	p := &Prices{}
	if err := decodeStrictYAML(label, data, p); err != nil {
		return nil, err
	}
	p.Source = source
	if err := p.validate(label); err != nil {
		return nil, err
	}
	return p, nil
}

// validate checks every price and assumption.
func (p *Prices) validate(label string) error {
	probs := &fieldProblems{file: label}
	if p.Region == "" {
		probs.add("region", "missing; name the region of the prices, e.g. us-east-1")
	}
	p.IoTCore.validate(probs)
	if len(p.EC2) == 0 {
		probs.add("ec2_on_demand", "no instance types; give at least the one self_hosted.instance names")
	}
	for _, typ := range sortedKeys(p.EC2) {
		checkPrice(probs, "ec2_on_demand."+typ, p.EC2[typ])
	}
	checkPrice(probs, "ebs_gp3", p.EBSGP3)
	p.Cluster.validate(probs, sortedKeys(p.EC2))
	return probs.err()
}

// validate checks the AWS IoT Core prices.
func (a *AWSIoTPrices) validate(probs *fieldProblems) {
	checkPrice(probs, "aws_iot.connectivity", a.Connectivity)
	if a.MessageIncrementBytes < 1 {
		probs.add("aws_iot.message_increment_bytes", "%d out of range, must be >= 1 (AWS meters 5120-byte increments)",
			a.MessageIncrementBytes)
	}
	if a.LegsMetered < 1 || a.LegsMetered > 2 {
		probs.add("aws_iot.legs_metered", "%d out of range, allowed: 1 (only one end is an IoT Core client) or 2 (publish and delivery both metered)",
			a.LegsMetered)
	}
	if len(a.Messaging) == 0 {
		probs.add("aws_iot.messaging", "no tiers; give at least one price per million messages")
	}
	prev := 0.0
	for k, t := range a.Messaging {
		field := fmt.Sprintf("aws_iot.messaging[%d]", k)
		checkPrice(probs, field, t.Price)
		last := k == len(a.Messaging)-1
		switch {
		case last && t.UpToMessages != 0:
			probs.add(field+".up_to_messages", "%g on the last tier; leave it out: the last tier covers every message above %g",
				t.UpToMessages, prev)
		case !last && !(t.UpToMessages > prev):
			probs.add(field+".up_to_messages", "%g; every tier but the last needs an upper bound above %g", t.UpToMessages, prev)
		}
		prev = t.UpToMessages
	}
	a.Labour.validate(probs, "aws_iot")
}

// validate checks the cluster against the known instance types.
func (s *SelfHostedCluster) validate(probs *fieldProblems, instanceTypes []string) {
	if s.Brokers < 1 {
		probs.add("self_hosted.brokers", "%d out of range, must be >= 1", s.Brokers)
	}
	if !slices.Contains(instanceTypes, s.Instance) {
		probs.add("self_hosted.instance", "%q is not priced; known instance types (ec2_on_demand): %s",
			s.Instance, strings.Join(instanceTypes, ", "))
	}
	if !(s.StorageGBPerBroker >= 0) {
		probs.add("self_hosted.storage_gb_per_broker", "%g out of range, must be >= 0", s.StorageGBPerBroker)
	}
	s.Labour.validate(probs, "self_hosted")
}

// validate checks that every labour figure is >= 0.
func (l Labour) validate(probs *fieldProblems, at string) {
	fields := []struct {
		name string
		v    float64
	}{{"setup_hours", l.SetupHours}, {"setup_usd_per_hour", l.SetupUSDPerHour},
		{"ops_hours_per_month", l.OpsHoursPerMonth}, {"ops_usd_per_hour", l.OpsUSDPerHour}}
	for _, f := range fields {
		if !(f.v >= 0) {
			probs.add(at+"."+f.name, "%g out of range, must be >= 0", f.v)
		}
	}
}

// checkPrice checks the four fields of a price.
func checkPrice(probs *fieldProblems, at string, pr Price) {
	if !(pr.USD >= 0) {
		probs.add(at+".usd", "%g out of range, must be >= 0", pr.USD)
	}
	if pr.Unit == "" {
		probs.add(at+".unit", "missing; say what one unit is, e.g. instance-hour")
	}
	if _, err := time.Parse(time.DateOnly, pr.Date); err != nil {
		probs.add(at+".date", "%q is not a date; want the day the price was read, YYYY-MM-DD", pr.Date)
	}
	if pr.Source == "" {
		probs.add(at+".source", "missing; give the URL or document the price was read from")
	}
}

// label names the price file in estimates and errors.
func (p *Prices) label() string {
	if p.Source == builtInSource || p.Source == "" {
		return "built-in prices.yaml"
	}
	return p.Source
}

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

// SelfHosted estimates the self-hosted cluster: its instances and storage
// all month, and labour. Its size does not follow the traffic; set it in
// the price file.
func (p *Prices) SelfHosted(in CostInput) CostEstimate {
	s := p.Cluster
	n := float64(s.Brokers)
	return totalled(CostEstimate{Target: "self-hosted",
		CAPEX: []CostLine{p.setupLine(s.Labour)},
		OPEX: []CostLine{
			priceLine(fmt.Sprintf("%d x %s brokers", s.Brokers, s.Instance), n*hoursPerMonth, p.EC2[s.Instance]),
			priceLine(fmt.Sprintf("EBS gp3, %g GB per broker", s.StorageGBPerBroker), n*s.StorageGBPerBroker, p.EBSGP3),
			p.opsLine(s.Labour),
		}})
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

// dollars formats v as US dollars; decimals -1 keeps every significant
// digit, with at least two.
func dollars(v float64, decimals int) string {
	if decimals < 0 {
		s := strconv.FormatFloat(v, 'f', -1, 64)
		decimals = 2
		if dot := strings.IndexByte(s, '.'); dot >= 0 {
			decimals = max(len(s)-dot-1, 2)
		}
	}
	if v < 0 {
		return "-$" + grouped(-v, decimals)
	}
	return "$" + grouped(v, decimals)
}

// number formats v like grouped, dropping trailing zeros of the decimals.
func number(v float64, decimals int) string {
	s := grouped(v, decimals)
	if strings.Contains(s, ".") {
		s = strings.TrimSuffix(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// grouped formats v with decimals decimals and thousands separated by commas.
func grouped(v float64, decimals int) string {
	s := strconv.FormatFloat(v, 'f', decimals, 64)
	whole, frac, _ := strings.Cut(s, ".")
	sign := ""
	if strings.HasPrefix(whole, "-") {
		sign, whole = "-", whole[1:]
	}
	var b strings.Builder
	for k, r := range whole {
		if k > 0 && (len(whole)-k)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if frac != "" {
		b.WriteString("." + frac)
	}
	return sign + b.String()
}
