package worker

import (
	"context"
	"crypto/tls"
	"sync"
	"testing"
	"time"

	"github.com/mqherd/mqherd/infra/broker"
	"github.com/mqherd/mqherd/infra/pki"
	"github.com/mqherd/mqherd/internal/await"
	"github.com/mqherd/mqherd/internal/measure"
	"github.com/mqherd/mqherd/internal/wire"
	"github.com/mqherd/mqherd/scenarios"
)

// fixture is a real embedded mutual-TLS broker on loopback with a fresh PKI.
type fixture struct {
	broker    *broker.Broker
	fleet     *pki.Fleet
	serverTLS *tls.Config
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	a, tlsCfg := testAuthority(t, "127.0.0.1")
	b := startBroker(t, "127.0.0.1:0", tlsCfg)
	return &fixture{broker: b, fleet: pki.NewFleet(a, 0), serverTLS: tlsCfg}
}

// startBroker starts an embedded broker on addr, closed at cleanup.
func startBroker(t *testing.T, addr string, tlsCfg *tls.Config) *broker.Broker {
	t.Helper()
	cfg := broker.DefaultConfig()
	cfg.Addr, cfg.TLS = addr, tlsCfg
	b, err := broker.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	return b
}

// testScenario is the print fleet compressed: agents agents, speedup x,
// one simulated hour.
func testScenario(t *testing.T, agents int, speedup float64) *scenarios.Scenario {
	t.Helper()
	sc := scenarios.Default()
	sc.Name = "test"
	sc.Agents = agents
	sc.Speedup = speedup
	sc.Run.Drain = 5 * time.Second
	sc.Run.JobTimeout = 15 * time.Second
	// Tests run under the race detector, in parallel with other packages, on
	// 2 cores: scheduling slack of 100 ms is not what they assert. Dispatch
	// punctuality is checked by `make run` in CI, alone and without -race.
	sc.Run.LateDispatch = 2 * time.Second
	if p := sc.Validate(); len(p) > 0 {
		t.Fatal(p)
	}
	return sc
}

// collector merges every snapshot a worker emits and checks the ledger
// emitted with it.
type collector struct {
	mu     sync.Mutex
	totals *measure.Totals
	n      int
	last   *wire.Ledger // the newest ledger
	// unpaired counts ledgers not of their snapshot's interval, or listing
	// another number of jobs than its outstanding gauge reads.
	unpaired int
}

func newCollector() *collector { return &collector{totals: measure.NewTotals()} }

func (c *collector) emit(s *measure.Snapshot, l *wire.Ledger) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.totals.Add(s); err != nil {
		panic(err)
	}
	c.n++
	if l == nil || l.Worker != s.Worker || l.Seq != s.Seq || int64(len(l.Jobs)) != s.Gauges[measure.JobsOutstanding.String()] {
		c.unpaired++
	}
	c.last = l
}

// checkLedgers fails the test if a ledger did not agree with its snapshot.
func (c *collector) checkLedgers(t *testing.T) {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.unpaired > 0 {
		t.Errorf("%d of %d ledgers disagree with the snapshot emitted with them", c.unpaired, c.n)
	}
}

func (c *collector) counter(k measure.Counter) int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.totals.Counter(k)
}

func (c *collector) errors() map[string]int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string]int64{}
	for k, v := range c.totals.Errors {
		out[k] = v
	}
	return out
}

func (f *fixture) worker(t *testing.T, name, runID string, sc *scenarios.Scenario, agents wire.Range) *Worker {
	t.Helper()
	w, err := New(Config{
		Name: name, RunID: runID, Target: f.broker.Addr(), Scenario: sc, Agents: agents,
		Identities: f.fleet, SnapshotInterval: 100 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
	return w
}

// eventually retries cond until it holds or the deadline passes.
func eventually(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	await.Until(t, within, what, cond)
}

func connectAll(t *testing.T, w *Worker, want int) {
	t.Helper()
	n, err := w.Connect(context.Background())
	if err != nil || n != want {
		t.Fatalf("connected %d of %d (err %v)", n, want, err)
	}
}

// restartBroker starts a new broker on addr with the fixture's PKI.
func restartBroker(t *testing.T, f *fixture, addr string) *broker.Broker {
	t.Helper()
	cfg := broker.DefaultConfig()
	cfg.Addr, cfg.TLS = addr, f.serverTLS
	var b *broker.Broker
	eventually(t, 5*time.Second, "could not listen again on "+addr, func() bool {
		var err error
		b, err = broker.Start(cfg)
		return err == nil
	})
	t.Cleanup(func() { _ = b.Close() })
	return b
}

// testAuthority creates a PKI in a temporary directory and a broker's TLS
// configuration for the server name.
func testAuthority(t *testing.T, serverName string) (*pki.Authority, *tls.Config) {
	t.Helper()
	a, err := pki.LoadOrCreate(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := a.ServerTLS([]string{serverName})
	if err != nil {
		t.Fatal(err)
	}
	return a, cfg
}
