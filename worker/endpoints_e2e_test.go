package worker

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mqherd/mqherd/infra/broker"
	"github.com/mqherd/mqherd/infra/pki"
	"github.com/mqherd/mqherd/internal/measure"
	"github.com/mqherd/mqherd/internal/wire"
)

// A run against three endpoints (embedded brokers routing to each other,
// as a cluster's nodes do) spreads the agents evenly; when one broker
// stops mid-run, its agents reconnect to the other two, half to each,
// counted as endpoint changes; the breakdown by endpoint shows the losses
// at the stopped one; and every job ends completed or lost.
func TestStoppedEndpointsAgentsMoveToTheOthers(t *testing.T) {
	a, serverTLS := testAuthority(t, "127.0.0.1")
	var brokers []*broker.Broker
	var addrs []string
	for range 3 {
		b := startBroker(t, "127.0.0.1:0", serverTLS)
		brokers, addrs = append(brokers, b), append(addrs, b.Addr())
	}
	for i, b := range brokers {
		others := append(append([]*broker.Broker{}, brokers[:i]...), brokers[i+1:]...)
		if err := b.Peer(others...); err != nil {
			t.Fatal(err)
		}
	}
	const agents = 90
	sc := testScenario(t, agents, 450) // ~50 jobs/s for 8 s
	c := newCollector()
	w, err := New(Config{Name: "w0", RunID: "run-endpoints", Target: strings.Join(addrs, ","), Scenario: sc,
		Agents: wire.Range{Count: agents}, Identities: pki.NewFleet(a, 0), SnapshotInterval: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
	w.Start(c.emit)
	connectAll(t, w, agents)
	eventually(t, 5*time.Second, "connects at every endpoint", func() bool { return c.counter(measure.Connects) == agents+2 })
	for i, addr := range addrs {
		if got := c.endpoints()[addr].Connects; got < agents/3 || got > agents/3+1 { // +1: a print-service client
			t.Errorf("endpoint %d (%s): %d connects at the start, want %d agents (and perhaps a service)", i, addr, got, agents/3)
		}
	}

	dispatched := make(chan struct{})
	go func() { defer close(dispatched); w.Dispatch(context.Background(), time.Now()) }()
	eventually(t, 10*time.Second, "no job completed", func() bool { return c.counter(measure.JobsCompleted) >= 20 })
	stopped := addrs[1]
	_ = brokers[1].Close()
	eventually(t, 15*time.Second, "the stopped endpoint's agents did not all reconnect elsewhere", func() bool {
		return c.changes() >= agents/3 && w.rec.GaugeValue(measure.AgentsConnected) == agents
	})
	<-dispatched
	w.Drain(context.Background())
	w.Stop()

	eps := c.endpoints()
	if got := eps[stopped].Errors[measure.ErrorKey(measure.ServerDisconnect, 0x8b)]; got < agents/3 {
		t.Errorf("stopped endpoint %s: %d server_disconnect/0x8b, want its %d agents' (errors %v)", stopped, got, agents/3, eps[stopped].Errors)
	}
	for _, addr := range []string{addrs[0], addrs[2]} {
		if ch := eps[addr].Changes; ch < agents/6-3 || ch > agents/6+3 {
			t.Errorf("endpoint %s took %d endpoint changes, want about half of the %d moved", addr, ch, agents/3)
		}
	}
	if ch := eps[stopped].Changes; ch != 0 {
		t.Errorf("stopped endpoint %s: %d endpoint changes towards it", stopped, ch)
	}
	d, done, lost := c.counter(measure.JobsDispatched), c.counter(measure.JobsCompleted), c.counter(measure.Lost)
	if d < 200 || done+lost != d {
		t.Errorf("jobs: %d dispatched, %d completed, %d lost: want every one of >= 200 completed or lost", d, done, lost)
	}
	t.Logf("jobs %d dispatched, %d completed, %d lost; endpoint changes %d; errors %v; out of order %d, duplicates %d, stale %d, sent %d, received %d",
		d, done, lost, c.changes(), c.errors(), c.counter(measure.OutOfOrder), c.counter(measure.Duplicates), c.counter(measure.Stale),
		c.counter(measure.MessagesSent), c.counter(measure.MessagesReceived))
	for _, addr := range addrs {
		e := eps[addr]
		t.Logf("%s: connects %d, changes %d, errors %v, connect p99 %.1f ms", addr, e.Connects, e.Changes, e.Errors,
			measure.PercentilesOf(e.Connect).P99)
	}
}

func (c *collector) endpoints() map[string]measure.EndpointTotals {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string]measure.EndpointTotals{}
	for k, v := range c.totals.Endpoints {
		out[k] = *v
	}
	return out
}

func (c *collector) changes() int64 {
	var n int64
	for _, e := range c.endpoints() {
		n += e.Changes
	}
	return n
}

// A host name stands for each of its addresses: agents spread evenly over
// the three a (test) resolver gives, every connection verified against the
// name (the brokers' certificate names only it).
func TestNameSpreadsOverEveryAddress(t *testing.T) {
	a, serverTLS := testAuthority(t, "brokers.test")
	first := startBroker(t, "127.0.0.1:0", serverTLS)
	_, port, _ := net.SplitHostPort(first.Addr())
	ips := []netip.Addr{netip.MustParseAddr("127.0.0.1")}
	for _, ip := range []string{"127.0.0.3", "127.0.0.2"} {
		startBroker(t, net.JoinHostPort(ip, port), serverTLS)
		ips = append(ips, netip.MustParseAddr(ip))
	}
	resolve := func(_ context.Context, host string) ([]netip.Addr, error) {
		if host != "brokers.test" {
			return nil, fmt.Errorf("no such host %q", host)
		}
		return slices.Clone(ips), nil
	}
	const agents = 60
	c := newCollector()
	w, err := New(Config{Name: "w0", RunID: "run-name", Target: "brokers.test:" + port, Resolve: resolve,
		Scenario: testScenario(t, agents, 600), Agents: wire.Range{Count: agents}, Identities: pki.NewFleet(a, 0),
		SnapshotInterval: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
	w.Start(c.emit)
	connectAll(t, w, agents)
	eventually(t, 5*time.Second, "every connect counted", func() bool { return c.counter(measure.Connects) == agents+2 })
	for i, ip := range []string{"127.0.0.1", "127.0.0.2", "127.0.0.3"} {
		label := net.JoinHostPort(ip, port)
		want := int64(agents / 3)
		if i < 2 {
			want++ // print-service clients 0 and 1
		}
		if got := c.endpoints()[label].Connects; got != want {
			t.Errorf("%s: %d connects, want %d (endpoints %v)", label, got, want, c.endpoints())
		}
	}
	if errs := c.errors(); len(errs) != 0 {
		t.Errorf("errors %v, want none: each address verified against the name", errs)
	}
}
