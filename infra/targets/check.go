package targets

import (
	"fmt"
	"math"
	"time"

	"github.com/mqherd/mqherd/scenarios"
)

// Check reports every way sc asks more of the target than its profile
// allows, each naming the scenario field, its value and the range allowed.
func (t Target) Check(sc *scenarios.Scenario) []error {
	p := t.Profile
	var errs []error
	if sc.QoS > p.QoSMax {
		errs = append(errs, fmt.Errorf("qos: %d, but target %s (profile %s) allows QoS 0..%d", sc.QoS, t.Name, p.Name, p.QoSMax))
	}
	ka := sc.Run.Keepalive
	if (p.KeepaliveMin > 0 && ka < p.KeepaliveMin) || (p.KeepaliveMax > 0 && ka > p.KeepaliveMax) {
		errs = append(errs, fmt.Errorf("run.keepalive: %s, but target %s (profile %s) allows %s", ka, t.Name, p.Name, keepaliveRange(p)))
	}
	if rate := t.ConnectRate(sc); rate > 0 {
		need := time.Duration(math.Ceil(float64(sc.Agents)/rate)) * time.Second
		if sc.Run.RampTimeout < need {
			errs = append(errs, fmt.Errorf("run.ramp_timeout: %s, but %d agents at the target's connect budget of %g/s need at least %s",
				sc.Run.RampTimeout, sc.Agents, rate, need))
		}
	}
	return errs
}

// ConnectRate is the fleet's connect rate against the target: the
// scenario's run.connect_rate, capped by the profile's connect budget.
func (t Target) ConnectRate(sc *scenarios.Scenario) float64 {
	if b := t.Profile.ConnectBudget; b > 0 && b < sc.Run.ConnectRate {
		return b
	}
	return sc.Run.ConnectRate
}

func keepaliveRange(p Profile) string {
	lo, hi := "1s", "65535s"
	if p.KeepaliveMin > 0 {
		lo = p.KeepaliveMin.String()
	}
	if p.KeepaliveMax > 0 {
		hi = p.KeepaliveMax.String()
	}
	return lo + ".." + hi
}
