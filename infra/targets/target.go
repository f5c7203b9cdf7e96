package targets

import (
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
	Name       string  // the named target, else the profile name
	Profile    Profile // limits and defaults, overrides applied
	Address    string  // host:port; empty for the embedded broker (mqherd picks a loopback port)
	ServerName string  // TLS server name (SNI and verification); empty: the host of Address
	CAFile     string  // PEM of the CA that signed the broker's certificate; empty: the PKI's root
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
//
// Parameters (URL query) override the profile: sni, alpn (comma-separated),
// ca (a PEM file), qos_max, publish_rate, connect_budget, keepalive_min,
// keepalive_max (see Overrides).
func Parse(text string) (Target, error) {
	if text == "" || text == Embedded {
		return EmbeddedTarget(), nil
	}
	if !strings.Contains(text, "://") {
		if _, _, err := net.SplitHostPort(text); err != nil {
			return Target{}, fmt.Errorf("target %q: neither a URL (PROFILE://host:port) nor host:port, nor a named target; profiles: %s",
				text, strings.Join(ProfileNames(), ", "))
		}
		text = Generic + "://" + text
	}
	u, err := url.Parse(text)
	if err != nil {
		return Target{}, fmt.Errorf("target %q: %w", text, err)
	}
	t, err := fromURL(u)
	if err == nil {
		err = t.check()
	}
	if err != nil {
		return Target{}, fmt.Errorf("target %q: %w", text, err)
	}
	return t, nil
}

// parseUnchecked is Parse without the final check, for a targets file
// whose fields may still complete the URL (sni for an IP address).
func parseUnchecked(text string) (Target, error) {
	u, err := url.Parse(text)
	if err != nil || !strings.Contains(text, "://") {
		return Parse(text)
	}
	t, err := fromURL(u)
	if err != nil {
		return Target{}, fmt.Errorf("target %q: %w", text, err)
	}
	return t, nil
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
	addr, err := address(p, u)
	if err != nil {
		return Target{}, err
	}
	t.Address = addr
	o, err := queryOverrides(u.Query())
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
	if port == "" {
		port = strconv.Itoa(p.DefaultPort)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return "", fmt.Errorf("port %q: allowed 1..65535", port)
	}
	return net.JoinHostPort(host, port), nil
}

// Host returns the host part of the address.
func (t Target) Host() string {
	host, _, err := net.SplitHostPort(t.Address)
	if err != nil {
		return t.Address
	}
	return host
}

// TLSServerName is the name the workers send (SNI) and verify: the
// server name given, else the host of the address.
func (t Target) TLSServerName() string {
	if t.ServerName != "" {
		return t.ServerName
	}
	return t.Host()
}

// maxCABytes bounds a CA bundle file (a few certificates take a few KB).
const maxCABytes = 1 << 20

// CAPEM reads the CA file that signed the broker's certificate, checked
// to hold a PEM certificate; nil if the target names none (the workers
// then trust the PKI's root).
func (t Target) CAPEM() ([]byte, error) {
	if t.CAFile == "" {
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
