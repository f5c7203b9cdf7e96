package targets

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/mqherd/mqherd/internal/rundir"
	"github.com/mqherd/mqherd/internal/yamlguard"
	"github.com/mqherd/mqherd/scenarios"
)

// Target is one broker to drive: a profile (with any overrides applied) at
// an address.
type Target struct {
	Name    string  // the named target, else the profile name
	Profile Profile // limits and defaults, overrides applied
	// Address is host:port, or several separated by commas (the nodes of
	// a cluster: Endpoints); empty for the embedded broker (mqherd picks
	// a loopback port). A host name stands for every address it resolves to.
	Address    string
	ServerName string // TLS server name (SNI and verification); empty: each endpoint's host
	CAFile     string // PEM of the CA that signed the broker's certificate; empty: the PKI's root (Amazon Root CA 1 for AWS's endpoints)
	// JITP says the broker provisions certificates just in time (aws-iot
	// ?jitp=true): it drops each new agent's first connect, which the
	// workers count apart.
	JITP bool
	// Discover, for aws-iot://auto, is where to find the account's data
	// endpoint at run time (ResolveEndpoint); Address is empty until then.
	Discover *Discovery
}

// Discovery is an AWS IoT data endpoint to find with DescribeEndpoint.
type Discovery struct {
	Region string // AWS region; empty: the SDK's chain (AWS_REGION, the profile)
	Port   int    // 8883, or 443 (ALPN x-amzn-mqtt-ca, set automatically)
}

// AutoHost is the host of aws-iot://auto: the data endpoint is found at run time.
const AutoHost = "auto"

// EndpointFinder returns the host name of the AWS IoT ATS data endpoint of
// region (empty: the SDK's default), e.g. by DescribeEndpoint
// (awsiot.DataEndpoint). It may block.
type EndpointFinder func(ctx context.Context, region string) (string, error)

// ResolveEndpoint returns t with the address of its data endpoint, found
// with find, when t is aws-iot://auto; any other target is returned as it
// is. The server name (SNI) is the endpoint's host unless sni= was given.
func (t Target) ResolveEndpoint(ctx context.Context, find EndpointFinder) (Target, error) {
	if t.Discover == nil {
		return t, nil
	}
	host, err := find(ctx, t.Discover.Region)
	if err != nil {
		return Target{}, fmt.Errorf("target %s: finding the AWS IoT data endpoint: %w", t.Name, err)
	}
	if host == "" || strings.ContainsAny(host, ":/") {
		return Target{}, fmt.Errorf("target %s: the AWS IoT data endpoint %q is not a host name", t.Name, host)
	}
	t.Address = net.JoinHostPort(host, strconv.Itoa(t.Discover.Port))
	t.Discover = nil
	return t, t.check()
}

// EmbeddedTarget returns the target of the embedded broker.
func EmbeddedTarget() Target {
	p, _ := LookupProfile(Embedded)
	return Target{Name: p.Name, Profile: p}
}

// Parse reads a target from text:
//
//	""  or "embedded"            the embedded broker (also embedded://?params)
//	host:port                    a generic MQTT v5 broker
//	PROFILE://host[:port][?k=v]  a broker of a built-in profile; the port
//	                             defaults to the profile's
//	PROFILE://h1[:p1],h2[:p2]... several endpoints of one broker (the nodes
//	                             of a cluster), at most MaxEndpoints
//
// Parameters (URL query) override the profile: sni, alpn (comma-separated),
// ca (a PEM file), qos_max, publish_rate, connect_budget, keepalive_min,
// keepalive_max (see Overrides); for aws-iot also jitp (true: the fleet is
// provisioned just in time), and with the host auto (aws-iot://auto, the
// data endpoint found at run time by ResolveEndpoint) region and port
// (8883 by default; 443 sets ALPN x-amzn-mqtt-ca).
func Parse(text string) (Target, error) {
	if text == "" || text == Embedded {
		return EmbeddedTarget(), nil
	}
	if !strings.Contains(text, "://") {
		first, _, _ := strings.Cut(text, ",")
		if _, _, err := net.SplitHostPort(first); err != nil {
			return Target{}, fmt.Errorf("target %q: neither a URL (PROFILE://host:port) nor host:port, nor a named target; profiles: %s",
				text, strings.Join(ProfileNames(), ", "))
		}
		text = Generic + "://" + text
	}
	t, err := fromText(text)
	if err == nil {
		err = t.check()
	}
	if err != nil {
		return Target{}, fmt.Errorf("target %q: %w", text, err)
	}
	return t, nil
}

// fromText builds a target from PROFILE://host[:port][,host[:port]...][?k=v].
func fromText(text string) (Target, error) {
	first, more := splitEndpoints(text)
	u, err := url.Parse(first)
	if err != nil {
		return Target{}, err
	}
	t, err := fromURL(u)
	if err != nil {
		return Target{}, err
	}
	return addEndpoints(t, more)
}

// parseUnchecked is Parse without the final check, for a targets file
// whose fields may still complete the URL (sni for an IP address).
func parseUnchecked(text string) (Target, error) {
	if first, _ := splitEndpoints(text); !strings.Contains(text, "://") || !parses(first) {
		return Parse(text)
	}
	t, err := fromText(text)
	if err != nil {
		return Target{}, fmt.Errorf("target %q: %w", text, err)
	}
	return t, nil
}

func parses(text string) bool {
	_, err := url.Parse(text)
	return err == nil
}

// fromURL builds a target from a parsed URL.
func fromURL(u *url.URL) (Target, error) {
	p, ok := LookupProfile(u.Scheme)
	if !ok {
		return Target{}, fmt.Errorf("unknown profile %q (allowed: %s)", u.Scheme, strings.Join(ProfileNames(), ", "))
	}
	if u.User != nil || (u.Path != "" && u.Path != "/") || u.Fragment != "" || u.Opaque != "" {
		return Target{}, errors.New("only PROFILE://host:port?parameters is allowed (no user, path or fragment)")
	}
	t := Target{Name: p.Name, Profile: p}
	if p.Name == AWSIoT && u.Hostname() == AutoHost {
		t.Discover = &Discovery{Port: p.DefaultPort}
		if port := u.Port(); port != "" {
			u.Host = AutoHost // checked as the port parameter
			q := u.Query()
			q.Add("port", port)
			u.RawQuery = q.Encode()
		}
	} else {
		addr, err := address(p, u)
		if err != nil {
			return Target{}, err
		}
		t.Address = addr
	}
	o, err := queryOverrides(u.Query())
	if err == nil {
		err = discoveryUse(t, o)
	}
	if err != nil {
		return Target{}, err
	}
	return t.apply(o), nil
}

// address joins the URL's host with its port or the profile's default.
func address(p Profile, u *url.URL) (string, error) {
	host, port := u.Hostname(), u.Port()
	if p.Embedded() {
		if host != "" {
			return "", errors.New("the embedded broker takes no address (mqherd picks a loopback port)")
		}
		return "", nil
	}
	if host == "" {
		return "", errors.New("no host")
	}
	if !validHost(host) {
		return "", fmt.Errorf("host %q: want an IP address or a host name (letters, digits, '-', '_' and '.')", host)
	}
	if port == "" {
		port = strconv.Itoa(p.DefaultPort)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return "", fmt.Errorf("port %q: allowed 1..65535", port)
	}
	return net.JoinHostPort(host, port), nil
}

// validHost reports whether host is an IP address (an IPv6 one possibly
// with a zone) or a host name a resolver takes: what the workers can dial.
func validHost(host string) bool {
	if ip, zone, hasZone := strings.Cut(host, "%"); net.ParseIP(ip) != nil {
		return !hasZone || (zone != "" && nameChars(zone)) // an interface name: eth0, en0
	}
	return len(host) <= 253 && nameChars(host)
}

// nameChars reports whether s holds only the characters of host names.
func nameChars(s string) bool {
	return strings.IndexFunc(s, func(c rune) bool {
		return (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && (c < '0' || c > '9') && c != '-' && c != '_' && c != '.'
	}) < 0
}

// Host returns the host part of the address (of its first endpoint).
func (t Target) Host() string {
	first, _, _ := strings.Cut(t.Address, ",")
	host, _, err := net.SplitHostPort(first)
	if err != nil {
		return first
	}
	return host
}

// TLSServerName is the name the workers send (SNI) and verify: the
// server name given, else the host of the address. For endpoints of
// different hosts with no server name given it is empty: each endpoint is
// then verified against its own host.
func (t Target) TLSServerName() string {
	names := t.serverNames()
	if t.ServerName != "" || len(names) == 0 {
		return t.ServerName
	}
	for _, n := range names[1:] {
		if n != names[0] {
			return ""
		}
	}
	return names[0]
}

// maxCABytes bounds a CA bundle file (a few certificates take a few KB).
const maxCABytes = 1 << 20

// CAPEM reads the CA file that signed the broker's certificate, checked
// to hold a PEM certificate. With no CA file it is Amazon Root CA 1 for an
// AWS IoT endpoint (aws-iot://auto, or a host under amazonaws.com), else
// nil (the workers then trust the PKI's root).
func (t Target) CAPEM() ([]byte, error) {
	if t.CAFile == "" {
		if t.trustsAmazon() {
			return AmazonRootCA1(), nil
		}
		return nil, nil
	}
	pem, err := yamlguard.ReadRegular(t.CAFile, maxCABytes)
	if err != nil {
		return nil, fmt.Errorf("target %s: ca: %w", t.Name, err)
	}
	if !x509.NewCertPool().AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("target %s: ca %s: no PEM certificate in it", t.Name, t.CAFile)
	}
	return pem, nil
}

// String returns the target as a URL that Parse reads back (without the
// overrides of a targets file other than those in the URL form).
func (t Target) String() string {
	if t.Profile.Embedded() {
		return Embedded
	}
	if d := t.Discover; d != nil {
		s := fmt.Sprintf("%s://%s:%d", t.Profile.Name, AutoHost, d.Port)
		if d.Region != "" {
			s += "?region=" + url.QueryEscape(d.Region)
		}
		return s
	}
	return t.Profile.Name + "://" + t.Address
}

// Describe is the target as a run's manifest records it: its profile and
// the limits the workers enforced for scenario sc.
func (t Target) Describe(sc *scenarios.Scenario) rundir.Target {
	p := t.Profile
	return rundir.Target{
		Name: t.Name, Address: t.Address, Profile: p.Name, ServerName: t.TLSServerName(), ALPN: p.ALPN,
		CAFile: t.CAFile, Auth: string(p.Auth), QoSMax: p.QoSMax,
		KeepaliveMinS: int(p.KeepaliveMin / time.Second), KeepaliveMaxS: int(p.KeepaliveMax / time.Second),
		PublishRatePerConnection: p.PublishRate, ConnectBudget: p.ConnectBudget, ConnectRate: t.ConnectRate(sc),
	}
}
