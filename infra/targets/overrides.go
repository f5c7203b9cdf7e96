package targets

import (
	"errors"
	"fmt"
	"maps"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Overrides change a target's profile; a nil field keeps the profile's value.
type Overrides struct {
	SNI           *string        // TLS server name (sni)
	ALPN          []string       // ALPN protocols (alpn); nil keeps the profile's
	CA            *string        // PEM file of the broker's CA (ca)
	QoSMax        *int           // highest QoS, 0..2 (qos_max)
	PublishRate   *float64       // publishes/s per connection, >= 0, 0: unlimited (publish_rate)
	ConnectBudget *float64       // CONNECTs/s for the fleet, >= 0, 0: unlimited (connect_budget)
	KeepaliveMin  *time.Duration // shortest keepalive accepted (keepalive_min)
	KeepaliveMax  *time.Duration // longest keepalive accepted (keepalive_max)
	JITP          *bool          // aws-iot: the fleet is provisioned just in time (jitp)
	Region        *string        // aws-iot://auto: the AWS region of the data endpoint (region)
	Port          *int           // aws-iot://auto: 8883, or 443 with ALPN x-amzn-mqtt-ca (port)
}

// parameterNames are the URL parameters (and targets-file fields besides url).
var parameterNames = []string{"sni", "alpn", "ca", "qos_max", "publish_rate", "connect_budget", "keepalive_min", "keepalive_max",
	"jitp", "region", "port"}

// queryOverrides reads URL parameters; each may appear once.
func queryOverrides(q url.Values) (Overrides, error) {
	var o Overrides
	var errs []error
	for _, key := range slices.Sorted(maps.Keys(q)) {
		vals := q[key]
		if len(vals) != 1 {
			errs = append(errs, fmt.Errorf("parameter %s given %d times", key, len(vals)))
			continue
		}
		if err := o.set(key, vals[0]); err != nil {
			errs = append(errs, err)
		}
	}
	return o, errors.Join(errs...)
}

// set parses one parameter.
func (o *Overrides) set(key, val string) error {
	var err error
	switch key {
	case "sni":
		o.SNI = &val
	case "alpn":
		o.ALPN = splitList(val)
	case "ca":
		o.CA = &val
	case "qos_max":
		var n int
		n, err = strconv.Atoi(val)
		o.QoSMax = &n
	case "publish_rate":
		o.PublishRate, err = parseFloat(val)
	case "connect_budget":
		o.ConnectBudget, err = parseFloat(val)
	case "keepalive_min":
		o.KeepaliveMin, err = parseDuration(val)
	case "keepalive_max":
		o.KeepaliveMax, err = parseDuration(val)
	case "jitp":
		var b bool
		b, err = strconv.ParseBool(val)
		o.JITP = &b
	case "region":
		o.Region = &val
	case "port":
		var n int
		n, err = strconv.Atoi(val)
		o.Port = &n
	default:
		return fmt.Errorf("unknown parameter %q (allowed: %s)", key, strings.Join(parameterNames, ", "))
	}
	if err != nil {
		return fmt.Errorf("parameter %s=%q: %w", key, val, err)
	}
	return nil
}

func splitList(s string) []string {
	var out []string
	for part := range strings.SplitSeq(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

func parseFloat(s string) (*float64, error) {
	f, err := strconv.ParseFloat(s, 64)
	return &f, err
}

func parseDuration(s string) (*time.Duration, error) {
	d, err := time.ParseDuration(s)
	return &d, err
}

// With returns t with o applied and checked: every problem at once.
func (t Target) With(o Overrides) (Target, error) {
	misuse := discoveryUse(t, o)
	t = t.apply(o)
	return t, errors.Join(misuse, t.check())
}

// discoveryUse refuses region and port for a target that is not
// aws-iot://auto.
func discoveryUse(t Target, o Overrides) error {
	if t.Discover == nil && (o.Region != nil || o.Port != nil) {
		return errors.New("region and port apply to aws-iot://auto only (give the port in the address otherwise)")
	}
	return nil
}

// apply returns t with o applied, unchecked.
func (t Target) apply(o Overrides) Target {
	p := &t.Profile
	if o.SNI != nil {
		t.ServerName = *o.SNI
	}
	if o.ALPN != nil {
		p.ALPN = slices.Clone(o.ALPN)
	}
	if o.CA != nil {
		t.CAFile = *o.CA
	}
	setIf(&p.QoSMax, o.QoSMax)
	setIf(&p.PublishRate, o.PublishRate)
	setIf(&p.ConnectBudget, o.ConnectBudget)
	setIf(&p.KeepaliveMin, o.KeepaliveMin)
	setIf(&p.KeepaliveMax, o.KeepaliveMax)
	setIf(&t.JITP, o.JITP)
	t = t.applyDiscovery(o)
	on443 := slices.ContainsFunc(t.Endpoints(), func(e string) bool { return strings.HasSuffix(e, ":443") }) ||
		(t.Discover != nil && t.Discover.Port == 443)
	if p.Name == AWSIoT && o.ALPN == nil && on443 {
		p.ALPN = []string{ALPNAWSIoT} // AWS IoT takes MQTT with a certificate on 443 only with this ALPN
	}
	return t
}

// applyDiscovery sets region and port of aws-iot://auto (other targets
// ignore them: discoveryUse refuses them there).
func (t Target) applyDiscovery(o Overrides) Target {
	if t.Discover == nil || (o.Region == nil && o.Port == nil) {
		return t
	}
	d := *t.Discover
	setIf(&d.Region, o.Region)
	setIf(&d.Port, o.Port)
	t.Discover = &d
	return t
}

func setIf[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// check reports every problem of a target at once, naming the parameter
// and the values allowed.
func (t Target) check() error {
	p := t.Profile
	var errs []error
	if p.QoSMax < 0 || p.QoSMax > 2 {
		errs = append(errs, fmt.Errorf("qos_max %d: allowed 0..2", p.QoSMax))
	}
	if !(p.PublishRate >= 0 && p.PublishRate <= 1e6) { // NaN fails both
		errs = append(errs, fmt.Errorf("publish_rate %g: allowed 0 (unlimited) .. 1e6 per second per connection", p.PublishRate))
	}
	if !(p.ConnectBudget >= 0 && p.ConnectBudget <= 1e6) {
		errs = append(errs, fmt.Errorf("connect_budget %g: allowed 0 (unlimited) .. 1e6 connects per second", p.ConnectBudget))
	}
	if p.KeepaliveMin < 0 || p.KeepaliveMax < 0 || (p.KeepaliveMax > 0 && p.KeepaliveMin > p.KeepaliveMax) {
		errs = append(errs, fmt.Errorf("keepalive_min %s, keepalive_max %s: allowed 0 <= min <= max (0: no bound)", p.KeepaliveMin, p.KeepaliveMax))
	}
	for _, a := range p.ALPN {
		if len(a) == 0 || len(a) > 255 {
			errs = append(errs, fmt.Errorf("alpn %q: each protocol 1..255 bytes", a))
		}
	}
	if t.JITP && p.Name != AWSIoT {
		errs = append(errs, fmt.Errorf("jitp: applies to profile %s only (just-in-time provisioning is AWS IoT's)", AWSIoT))
	}
	if d := t.Discover; d != nil && (d.Port < 1 || d.Port > 65535) {
		errs = append(errs, fmt.Errorf("port %d: allowed 1..65535 (AWS IoT: 8883, or 443)", d.Port))
	}
	if p.SNI == SNIAlways && !p.Embedded() && slices.ContainsFunc(t.serverNames(), func(n string) bool { return net.ParseIP(n) != nil }) {
		errs = append(errs, fmt.Errorf("profile %s sends SNI always: give the broker's host name (sni=NAME) when the address is an IP", p.Name))
	}
	return errors.Join(errs...)
}
