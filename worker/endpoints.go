package worker

import (
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mqherd/mqherd/internal/measure"
)

// maxEndpoints bounds the addresses a worker dials (a target's endpoints,
// each name expanded to its addresses): each is a label of the
// per-endpoint figures. targets.MaxEndpoints bounds what a target lists.
const maxEndpoints = 64

// resolveEvery is how long a name's addresses are used before they are
// looked up again: a reconnect after that resolves the name anew (an
// endpoint name's addresses rotate), and a storm of reconnects makes one
// lookup a second, not one per session.
const resolveEvery = time.Second

// Resolver looks up the addresses of a host name; net.DefaultResolver's
// LookupNetIP, or an injected one in tests. It may block; it is called
// concurrently.
type Resolver func(ctx context.Context, host string) ([]netip.Addr, error)

// endpoint is one address to dial and how to check the broker there.
type endpoint struct {
	addr  string      // ip:port or host:port, dialled
	label string      // its name in the per-endpoint figures: addr
	tls   *tls.Config // the worker's TLS configuration with this endpoint's server name
}

// entry is one endpoint of the target as configured: an IP address, or a
// host name that stands for each of its addresses.
type entry struct {
	host, port string
	ip         bool
	tls        *tls.Config
}

// endpoints is the worker's view of the target's endpoints: the list of
// addresses to spread its sessions over, built once for a list of IP
// addresses, and at most every resolveEvery when it has names. Sessions
// share the list (and its strings). Safe for concurrent use.
type endpoints struct {
	entries []entry
	resolve Resolver
	names   bool // some entry is a host name

	mu    sync.Mutex // guards built and at
	built []endpoint
	at    time.Time
}

// parseEndpoints reads target (host:port, or several separated by
// commas): each is checked, every problem at once.
func parseEndpoints(target string) ([]entry, error) {
	parts := strings.Split(target, ",")
	if len(parts) > maxEndpoints {
		return nil, fmt.Errorf("worker: target %q: %d endpoints, allowed 1..%d", target, len(parts), maxEndpoints)
	}
	var errs []error
	out := make([]entry, 0, len(parts))
	for i, p := range parts {
		host, port, err := net.SplitHostPort(p)
		if err == nil && host == "" {
			err = errors.New("no host")
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("worker: target %q: endpoint %d %q is not host:port: %w", target, i+1, p, err))
			continue
		}
		_, perr := netip.ParseAddr(host)
		out = append(out, entry{host: host, port: port, ip: perr == nil})
	}
	return out, errors.Join(errs...)
}

// newEndpoints returns the endpoints of target; each is verified against
// serverName when given, else against its host (a name's addresses
// against the name). base is the worker's shared TLS configuration.
func newEndpoints(target, serverName string, base *tls.Config, resolve Resolver) (*endpoints, error) {
	entries, err := parseEndpoints(target)
	if err != nil {
		return nil, err
	}
	if resolve == nil {
		resolve = func(ctx context.Context, host string) ([]netip.Addr, error) {
			return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
		}
	}
	byName := map[string]*tls.Config{}
	for i := range entries {
		name := cmp.Or(serverName, entries[i].host)
		if byName[name] == nil {
			byName[name] = withServerName(base, name)
		}
		entries[i].tls = byName[name]
	}
	e := &endpoints{entries: entries, resolve: resolve}
	e.names = slices.ContainsFunc(entries, func(en entry) bool { return !en.ip })
	if !e.names {
		e.built = e.build(context.Background())
	}
	return e, nil
}

// list returns the addresses to dial now, in a fixed order: the target's
// endpoints in the order given, each name replaced by its addresses in
// ascending order, duplicates and any beyond maxEndpoints left out. Every
// worker builds the same list from the same answers. Names are looked up
// again once the list is resolveEvery old. It is never empty.
func (e *endpoints) list(ctx context.Context) []endpoint {
	if !e.names {
		return e.built // never changes
	}
	e.mu.Lock()
	built, at := e.built, e.at
	e.mu.Unlock()
	if built != nil && time.Since(at) < resolveEvery {
		return built
	}
	built = e.build(ctx)
	e.mu.Lock()
	e.built, e.at = built, time.Now()
	e.mu.Unlock()
	return built
}

// build makes the list, resolving each name now. A name that does not
// resolve is left in as it is (dialling it fails, and counts, there).
func (e *endpoints) build(ctx context.Context) []endpoint {
	out := make([]endpoint, 0, len(e.entries))
	seen := map[string]bool{}
	add := func(addr string, c *tls.Config) {
		if !seen[addr] && len(out) < maxEndpoints {
			seen[addr] = true
			out = append(out, endpoint{addr: addr, label: addr, tls: c})
		}
	}
	for _, en := range e.entries {
		addrs := e.lookup(ctx, en)
		if addrs == nil {
			add(net.JoinHostPort(en.host, en.port), en.tls)
			continue
		}
		for _, a := range addrs {
			add(net.JoinHostPort(a.String(), en.port), en.tls)
		}
	}
	return out
}

// lookup returns the sorted addresses of a name entry; nil for an IP entry
// or a name that does not resolve.
func (e *endpoints) lookup(ctx context.Context, en entry) []netip.Addr {
	if en.ip {
		return nil
	}
	addrs, err := e.resolve(ctx, en.host)
	if err != nil || len(addrs) == 0 {
		return nil
	}
	for i, a := range addrs {
		addrs[i] = a.Unmap()
	}
	slices.SortFunc(addrs, netip.Addr.Compare)
	return slices.Compact(addrs)
}

// spread is the position in a list of n endpoints of the session numbered
// index (an agent's number, the same on every worker and after a
// takeover) after failovers moves: its home endpoint index mod n at 0,
// then, at each failover, the next of the others, starting at an offset
// that spreads the sessions of one endpoint evenly over the rest.
func spread(index, n, failovers int) int {
	if n <= 1 {
		return 0
	}
	home := index % n
	k := failovers % n
	if k == 0 {
		return home
	}
	other := (index/n + k - 1) % (n - 1) // among the n-1 endpoints that are not home
	if other >= home {
		other++
	}
	return other
}

// route is one session's way through the endpoints: its home by number,
// the failovers that moved it on, the endpoint it is dialling and the one
// of its last working session. Safe for concurrent use (a connection's
// reader reports its loss on its own goroutine).
type route struct {
	w     *Worker
	index int  // the agent's number (a service: its number on the worker)
	agent bool // only agents count endpoint changes

	mu        sync.Mutex // guards the fields below
	failovers int
	tried     endpoint // the endpoint of the attempt in progress, or of the live connection
	working   string   // label of the endpoint of the last working session; "" before it
}

func newRoute(w *Worker, index int, agent bool) *route {
	return &route{w: w, index: index, agent: agent}
}

// pick returns the endpoint to dial now: the session stays where it is
// until a failure there moves it on (see failed).
func (r *route) pick(ctx context.Context) endpoint {
	eps := r.w.endpoints.list(ctx)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.tried = eps[spread(r.index, len(eps), r.failovers)]
	return r.tried
}

// up records a session established at the endpoint picked, after d: a
// connect there, and an endpoint change if the session's previous working
// session was elsewhere.
func (r *route) up(d time.Duration) {
	r.mu.Lock()
	label := r.tried.label
	changed := r.agent && r.working != "" && r.working != label
	r.working = label
	r.mu.Unlock()
	r.w.rec.EndpointConnect(label, d, changed)
}

// failed records a failed attempt or a lost connection at the endpoint
// picked, of kind and code, and moves the session on to the next endpoint.
func (r *route) failed(kind measure.ErrorKind, code byte) {
	r.mu.Lock()
	label := r.tried.label
	r.failovers++
	r.mu.Unlock()
	r.w.rec.EndpointError(label, kind, code)
}

// connectErr counts a failed connect attempt of kind and code, and at
// the endpoint it was made to, which the session then leaves.
func (s *session) connectErr(kind measure.ErrorKind, code byte) {
	s.w.rec.Error(kind, code)
	s.route.failed(kind, code)
}
