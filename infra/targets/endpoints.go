package targets

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
)

// MaxEndpoints bounds the endpoints of one target. Each endpoint is a label
// of the per-endpoint figures (connects, errors, connect latency), so the
// set of them stays bounded; a broker cluster has a handful of nodes.
const MaxEndpoints = 64

// endpointsHelp says what the address of a target may be, for errors.
const endpointsHelp = "allowed: host[:port] or a comma-separated list of 1..64 of them, e.g. mosquitto://127.0.0.1:18883,127.0.0.1:18884"

// Endpoints returns the target's addresses, host:port each, in the order
// given; nil for the embedded broker before it listens and for
// aws-iot://auto before its endpoint is found. A host name stands for every
// address it resolves to: the workers resolve it when they start and again
// on each reconnect.
func (t Target) Endpoints() []string {
	if t.Address == "" {
		return nil
	}
	return strings.Split(t.Address, ",")
}

// splitEndpoints cuts the authority of target text (PROFILE://a,b,c?k=v)
// at its commas: the text with the first endpoint only, and the others.
func splitEndpoints(text string) (string, []string) {
	i := strings.Index(text, "://")
	if i < 0 {
		return text, nil
	}
	start := i + len("://")
	end := len(text)
	if j := strings.IndexAny(text[start:], "/?#"); j >= 0 {
		end = start + j
	}
	hosts := strings.Split(text[start:end], ",")
	if len(hosts) == 1 {
		return text, nil
	}
	return text[:start] + hosts[0] + text[end:], hosts[1:]
}

// addEndpoints appends the endpoints after the first to t's address, each
// checked as the first was; every problem at once, each naming the
// endpoint by its position (from 1).
func addEndpoints(t Target, more []string) (Target, error) {
	if len(more) == 0 {
		return t, nil
	}
	if t.Profile.Embedded() || t.Discover != nil {
		return Target{}, fmt.Errorf("a list of endpoints: not for %s (it has one address, found at run time)", t.String())
	}
	all := append([]string{t.Address}, more...)
	if len(all) > MaxEndpoints {
		return Target{}, fmt.Errorf("endpoints: %d given; %s", len(all), endpointsHelp)
	}
	seen := map[string]int{t.Address: 1}
	var errs []error
	for i, host := range more {
		n := i + 2
		addr, err := endpointAddress(t.Profile, host)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("endpoint %d %q: %w; %s", n, host, err, endpointsHelp))
		case seen[addr] > 0:
			errs = append(errs, fmt.Errorf("endpoint %d %q: the same as endpoint %d (%s)", n, host, seen[addr], addr))
		default:
			seen[addr] = n
			all[n-1] = addr
		}
	}
	if err := errors.Join(errs...); err != nil {
		return Target{}, err
	}
	t.Address = strings.Join(all, ",")
	return t, nil
}

// endpointAddress reads one endpoint of a list: host[:port], the port
// defaulting to the profile's.
func endpointAddress(p Profile, host string) (string, error) {
	if host == "" {
		return "", errors.New("empty")
	}
	u, err := url.Parse(p.Name + "://" + host)
	if err != nil || u.Host != host {
		return "", errors.New("not host[:port]")
	}
	return address(p, u)
}

// serverNames are the TLS server names of the target's endpoints, in
// order: the server name given (sni) for every one, else each endpoint's
// host. For a host name that resolves to several addresses, the name is
// the server name of each of them.
func (t Target) serverNames() []string {
	eps := t.Endpoints()
	out := make([]string, len(eps))
	for i, ep := range eps {
		out[i] = t.ServerName
		if out[i] == "" {
			out[i], _, _ = net.SplitHostPort(ep)
		}
	}
	return out
}
