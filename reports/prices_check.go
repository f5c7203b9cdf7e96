package reports

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// maxAmount bounds every price, hour count and size in a price file: far
// above any real one, and low enough that no estimate overflows to +Inf
// (which also has no JSON form).
const maxAmount = 1e9

// inAmountRange reports whether v is a number in 0..maxAmount (NaN and
// Inf are not).
func inAmountRange(v float64) bool { return v >= 0 && v <= maxAmount }

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
	for _, typ := range slices.Sorted(maps.Keys(p.EC2)) {
		checkPrice(probs, "ec2_on_demand."+typ, p.EC2[typ])
	}
	checkPrice(probs, "ebs_gp3", p.EBSGP3)
	p.Cluster.validate(probs, slices.Sorted(maps.Keys(p.EC2)))
	return probs.err()
}

// validate checks the AWS IoT Core prices.
func (a *AWSIoTPrices) validate(probs *fieldProblems) {
	checkPrice(probs, "aws_iot.connectivity", a.Connectivity)
	if a.RegistryOperations != nil {
		checkPrice(probs, "aws_iot.registry_operations", *a.RegistryOperations)
	}
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
	if !inAmountRange(s.StorageGBPerBroker) {
		probs.add("self_hosted.storage_gb_per_broker", "%g out of range, must be >= 0 and at most %g", s.StorageGBPerBroker, maxAmount)
	}
	s.Labour.validate(probs, "self_hosted")
}

// validate checks that every labour figure is in 0..maxAmount.
func (l Labour) validate(probs *fieldProblems, at string) {
	fields := []struct {
		name string
		v    float64
	}{{"setup_hours", l.SetupHours}, {"setup_usd_per_hour", l.SetupUSDPerHour},
		{"ops_hours_per_month", l.OpsHoursPerMonth}, {"ops_usd_per_hour", l.OpsUSDPerHour}}
	for _, f := range fields {
		if !inAmountRange(f.v) {
			probs.add(at+"."+f.name, "%g out of range, must be >= 0 and at most %g", f.v, maxAmount)
		}
	}
}

// checkPrice checks the four fields of a price.
func checkPrice(probs *fieldProblems, at string, pr Price) {
	if !inAmountRange(pr.USD) {
		probs.add(at+".usd", "%g out of range, must be >= 0 and at most %g", pr.USD, maxAmount)
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
