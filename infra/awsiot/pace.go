package awsiot

import (
	"context"

	"golang.org/x/time/rate"
)

// documentedTPS are AWS IoT Core's control-plane throttling limits, in
// transactions per second per account and region, for the operations
// mqherd calls: the "AWS IoT Throttling Limits" table of the AWS IoT
// Developer Guide (limits-iot), now in the General Reference's "AWS IoT
// Core endpoints and quotas" (docs.aws.amazon.com/general/latest/gr/iot-core.html,
// control plane API throttling). RegisterCertificateWithoutCA is not in
// the older table; it shares RegisterCertificate's 10 (and the "device
// certificates registered per second" limit of 15).
var documentedTPS = map[string]float64{
	"CreatePolicy": 10, "GetPolicy": 10, "DeletePolicy": 10, "ListTargetsForPolicy": 10,
	"AttachPolicy": 15, "DetachPolicy": 15, "ListTagsForResource": 10,
	"RegisterCACertificate": 10, "UpdateCACertificate": 10, "DescribeCACertificate": 10,
	"DeleteCACertificate": 10, "ListCertificatesByCA": 10,
	"RegisterCertificate": 10, "RegisterCertificateWithoutCA": 10, "DescribeCertificate": 10,
	"UpdateCertificate": 10, "DeleteCertificate": 10,
	"CreateThing": 15, "DescribeThing": 350, "DeleteThing": 15, "ListThings": 10,
	"AttachThingPrincipal": 15, "DetachThingPrincipal": 15, "ListThingPrincipals": 10,
}

// headroom is the share of a documented limit mqherd uses by default: the
// limits are per account and region, shared with every other client of
// the account, and measured by AWS over windows of its own.
const headroom = 0.8

// DefaultRates returns the default pace of each operation mqherd calls, in
// calls per second: 80% of AWS's documented limit (CreateThing 12,
// RegisterCertificate 8, AttachPolicy 12, AttachThingPrincipal 12 ...).
// Registering 500,000 agents is then bound by RegisterCertificate: about
// 17 hours.
func DefaultRates() map[string]float64 {
	out := make(map[string]float64, len(documentedTPS))
	for op, tps := range documentedTPS {
		out[op] = tps * headroom
	}
	return out
}

// fallbackTPS paces an operation missing from documentedTPS.
const fallbackTPS = 10 * headroom

// pacer holds one token bucket per operation (burst 1: calls are spread
// evenly, never bunched). It is read-only after newPacer; rate.Limiter is
// safe for concurrent use.
type pacer struct {
	limits map[string]*rate.Limiter
	other  *rate.Limiter // operations missing from documentedTPS, together
}

// newPacer paces every operation at all calls per second if all > 0, and
// otherwise at DefaultRates.
func newPacer(all float64) *pacer {
	limit := func(r float64) *rate.Limiter {
		if all > 0 {
			r = all
		}
		return rate.NewLimiter(rate.Limit(r), 1)
	}
	p := &pacer{limits: map[string]*rate.Limiter{}, other: limit(fallbackTPS)}
	for op, r := range DefaultRates() {
		p.limits[op] = limit(r)
	}
	return p
}

// wait blocks until op may be called, or ctx ends.
func (p *pacer) wait(ctx context.Context, op string) error {
	l := p.limits[op]
	if l == nil {
		l = p.other
	}
	return l.Wait(ctx)
}
