package worker

import (
	"context"
	"crypto/tls"
	"errors"
	"net/netip"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// 100,000 agents spread over 3 and over 7 endpoints: each endpoint gets
// its share within 1%, and when one endpoint fails, its agents' next
// endpoints share them out over the others within 1% too.
func TestSpreadIsBalancedAlsoOnFailover(t *testing.T) {
	t.Parallel()
	const agents = 100_000
	for _, n := range []int{3, 7} {
		home := make([]int, n)
		for a := range agents {
			home[spread(a, n, 0)]++
		}
		checkShares(t, "home", home, agents/float64(n), -1)
		for dead := range n {
			moved := make([]int, n)
			for a := range agents {
				if spread(a, n, 0) == dead {
					moved[spread(a, n, 1)]++
				}
			}
			checkShares(t, "after a failover", moved, float64(home[dead])/float64(n-1), dead)
		}
	}
}

func checkShares(t *testing.T, what string, got []int, want float64, skip int) {
	t.Helper()
	for i, c := range got {
		if i == skip {
			if c != 0 {
				t.Errorf("%s over %d endpoints: %d sessions on the failed endpoint %d", what, len(got), c, i)
			}
			continue
		}
		if d := float64(c) - want; d > want/100 || -d > want/100 {
			t.Errorf("%s over %d endpoints: endpoint %d has %d sessions, want %.0f within 1%%", what, len(got), i, c, want)
		}
	}
}

// The same agent gets the same endpoint however often it is asked, and
// failing over n-1 times visits every other endpoint once before home again.
func TestSpreadIsDeterministicAndVisitsEveryEndpoint(t *testing.T) {
	t.Parallel()
	for _, n := range []int{1, 2, 3, 7, 64} {
		for a := range 500 {
			visited := map[int]bool{}
			for k := range n {
				visited[spread(a, n, k)] = true
			}
			if len(visited) != n || spread(a, n, n) != spread(a, n, 0) || spread(a, n, 0) != a%n {
				t.Fatalf("agent %d over %d endpoints: visits %v in %d failovers, then %d (home %d)",
					a, n, visited, n, spread(a, n, n), spread(a, n, 0))
			}
		}
	}
}

// A name stands for its every address, in ascending order whatever order
// the resolver answers in (so every worker has the same list), verified
// against the name; an IP list keeps the server name given.
func TestEndpointsResolveNamesInAFixedOrder(t *testing.T) {
	t.Parallel()
	answers := [][]netip.Addr{
		{netip.MustParseAddr("127.0.0.3"), netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("::ffff:127.0.0.2")},
		{netip.MustParseAddr("127.0.0.2"), netip.MustParseAddr("127.0.0.3"), netip.MustParseAddr("127.0.0.1")},
	}
	var calls atomic.Int32
	resolve := func(_ context.Context, host string) ([]netip.Addr, error) {
		if host != "broker.test" {
			return nil, errors.New("no such host")
		}
		n := calls.Add(1)
		return slices.Clone(answers[int(n-1)%len(answers)]), nil
	}
	base := &tls.Config{MinVersion: tls.VersionTLS12}
	for range 2 {
		e, err := newEndpoints("broker.test:8883,127.0.0.9:1", "", base, resolve)
		if err != nil {
			t.Fatal(err)
		}
		got := e.list(context.Background())
		want := []string{"127.0.0.1:8883", "127.0.0.2:8883", "127.0.0.3:8883", "127.0.0.9:1"}
		if labels := labelsOf(got); !slices.Equal(labels, want) {
			t.Errorf("list = %q, want %q", labels, want)
		}
		if got[0].tls.ServerName != "broker.test" || got[3].tls.ServerName != "127.0.0.9" {
			t.Errorf("server names %q, %q; want the name, and the IP for an IP", got[0].tls.ServerName, got[3].tls.ServerName)
		}
	}
	e, _ := newEndpoints("127.0.0.1:1,127.0.0.2:1", "broker.lab", base, resolve)
	for _, ep := range e.list(context.Background()) {
		if ep.tls.ServerName != "broker.lab" {
			t.Errorf("%s verified as %q, want the configured broker.lab", ep.addr, ep.tls.ServerName)
		}
	}
}

// A name is looked up again once resolveEvery has passed: a reconnect
// after its addresses changed dials the new ones.
func TestEndpointsReresolveNames(t *testing.T) {
	t.Parallel()
	var addr atomic.Value
	addr.Store(netip.MustParseAddr("127.0.0.1"))
	resolve := func(context.Context, string) ([]netip.Addr, error) {
		return []netip.Addr{addr.Load().(netip.Addr)}, nil
	}
	e, err := newEndpoints("broker.test:1", "", &tls.Config{MinVersion: tls.VersionTLS12}, resolve)
	if err != nil {
		t.Fatal(err)
	}
	if got := labelsOf(e.list(context.Background())); !slices.Equal(got, []string{"127.0.0.1:1"}) {
		t.Fatalf("list = %q", got)
	}
	addr.Store(netip.MustParseAddr("127.0.0.2"))
	e.mu.Lock()
	e.resolved["broker.test"] = resolution{addrs: e.resolved["broker.test"].addrs, at: time.Now().Add(-resolveEvery)}
	e.mu.Unlock()
	if got := labelsOf(e.list(context.Background())); !slices.Equal(got, []string{"127.0.0.2:1"}) {
		t.Errorf("after the name moved: list = %q, want the new address", got)
	}
}

// localhost resolves on this machine without leaving it.
func TestEndpointsResolveLocalhost(t *testing.T) {
	t.Parallel()
	e, err := newEndpoints("localhost:18883", "", &tls.Config{MinVersion: tls.VersionTLS12}, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := labelsOf(e.list(context.Background()))
	if !slices.Contains(got, "127.0.0.1:18883") {
		t.Errorf("localhost:18883 = %q, want 127.0.0.1:18883 among them", got)
	}
}

func TestEndpointsRefuseBadTargets(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"127.0.0.1:1,,127.0.0.1:2":         `endpoint 2 "" is not host:port`,
		"127.0.0.1":                        `endpoint 1 "127.0.0.1" is not host:port`,
		":1":                               `endpoint 1 ":1" is not host:port: no host`,
		strings.Repeat("a:1,", 64) + "a:1": "65 endpoints, allowed 1..64",
	} {
		if _, err := parseEndpoints(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("parseEndpoints(%.40q) = %v, want %q", in, err, want)
		}
	}
}

func labelsOf(eps []endpoint) []string {
	out := make([]string, len(eps))
	for i, ep := range eps {
		out[i] = ep.label
	}
	return out
}
